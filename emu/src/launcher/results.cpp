#include "launcher/results.hpp"

#include <filesystem>

#include "palette/emu/service.hpp"
#include "palette/emu/span_log.hpp"
#include "palette/error.hpp"
#include "palette/stats/compare.hpp"

namespace palette::emu {

std::string workload_text(const model::WorkloadSpec& w) {
  std::string s = to_string(w.arrivals);
  if (w.arrivals == model::ArrivalProcess::closed) s += " users=" + std::to_string(w.users);
  else if (w.arrivals != model::ArrivalProcess::replay) s += " rate=" + std::to_string(w.rate_per_s) + "/s";
  if (w.requests) s += " requests=" + std::to_string(w.requests);
  if (w.duration_s > 0) s += " duration=" + std::to_string(w.duration_s) + "s";
  return s;
}

void collect_results(const model::Topology& topology, const EmuOptions& options, const std::vector<Group>& groups,
                     const LoadResult& load, const Calibration& calibration, model::RunResults& results,
                     EmuReport& report, std::string& failure) {
  std::vector<double> ok_latency, excess;
  for (size_t k = 0; k < load.requests.size(); ++k) {
    const auto& r = load.requests[k];
    results.add_request(r);
    if (r.warmup) continue;
    ++report.requests;
    if (r.status == model::RequestStatus::ok) {
      ++report.ok;
      ok_latency.push_back(r.latency_us);
      excess.push_back(load.excess_us[k]);
    } else {
      ++report.failed;
    }
  }
  const stats::Sample latency(ok_latency), unabsorbed(excess);
  report.p50_us = latency.quantile(0.5);
  report.p99_us = latency.quantile(0.99);
  report.wall_s = load.wall_s;
  double excess_sum = 0, latency_sum = 0;
  for (size_t k = 0; k < excess.size(); ++k) {
    excess_sum += excess[k];
    latency_sum += ok_latency[k];
  }
  results.set_extra("unabsorbed_overhead_us_mean", excess.empty() ? 0.0 : unabsorbed.mean());
  results.set_extra("unabsorbed_overhead_us_p50", unabsorbed.quantile(0.5));
  results.set_extra("unabsorbed_overhead_us_p99", unabsorbed.quantile(0.99));
  results.set_extra("unabsorbed_overhead_share", latency_sum > 0 ? excess_sum / latency_sum : 0.0);
  results.set_extra("max_send_lag_us", load.max_send_lag_us);
  results.set_extra("wall_s", load.wall_s);
  results.set_extra("unanswered_requests", static_cast<double>(load.unanswered));
  results.set_extra("processes", static_cast<double>(groups.size()));
  if (calibration.cpu_ns_per_unit > 0) results.set_extra("cpu_ns_per_unit", calibration.cpu_ns_per_unit);
  if (calibration.memory_ns_per_unit > 0) results.set_extra("memory_ns_per_unit", calibration.memory_ns_per_unit);
  double malformed = 0, cpu_s = 0;
  for (const auto& g : groups) {
    try {
      ServiceStats s = read_service_stats(options.output_dir + "/logs/" + g.name + ".stats");
      malformed += static_cast<double>(s.malformed_frames);
      cpu_s += s.cpu_s;
      if (s.wall_s > 0) results.set_host_utilisation(g.name, s.cpu_s / s.wall_s);
    } catch (const Error&) {
      // a process that died left no stats; the failure message says why
    }
  }
  results.set_extra("malformed_frames", malformed);
  results.set_extra("services_cpu_s", cpu_s);
  results.set_info("seed", std::to_string(options.seed));
  results.set_info("workload", workload_text(options.workload));
  results.set_info("work", to_string(options.work));
  results.set_info("topology", "topology.yaml");
  results.set_info("threads_per_process", std::to_string(options.threads));
  results.set_info("scheduling", options.scheduling.text());
  results.set_info("host", options.host);
  if (!failure.empty()) results.set_info("failure", failure);

  if (options.spans) {
      std::vector<std::string> files;
    for (const auto& g : groups) {
      std::string f = options.output_dir + "/spans/" + g.name + ".spans";
      if (std::filesystem::exists(f)) files.push_back(f);
    }
    const std::string traces = "traces." + options.trace_format + ".json";
    try {
      MergeReport m = merge_span_files(files, topology, options.output_dir + "/" + traces, options.trace_format);
      report.traces = m.traces;
      report.files.push_back(traces);
      for (size_t a = 0; a < m.server_latencies_us.size(); ++a)
        for (double v : m.server_latencies_us[a]) results.add_invocation(static_cast<model::ApiIndex>(a), v);
      results.set_extra("span_records", static_cast<double>(m.records));
      results.set_extra("traces", static_cast<double>(m.traces));
    } catch (const Error& e) {
      // The latencies are still worth writing; the run fails with both reasons.
      failure += (failure.empty() ? "" : "; also, ") + std::string("the spans could not be merged: ") + e.what();
      results.set_info("failure", failure);
    }
  }
}

}  // namespace palette::emu
