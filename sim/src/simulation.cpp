#include "palette/sim/simulation.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/simulator.hpp"
#include "isolation.hpp"
#include "palette/sim/capacity.hpp"
#include "palette/error.hpp"
#include "palette/json_writer.hpp"

namespace palette::sim {

const char* to_string(WorkMode m) { return m == WorkMode::cpu ? "cpu" : "sleep"; }

namespace {

std::string encode_result(const SimResult& r) {
  ByteWriter w;
  const SimStats& s = r.stats;
  w.pod(s.requests).pod(s.failed_requests).pod(s.warmup_requests).pod(s.visits).pod(s.truncated_calls).pod(s.events);
  w.pod(s.sim_time_s).pod(s.wall_s).pod(s.cpu_s).pod(s.peak_rss_bytes);
  w.pod(s.mean_latency_us).pod(s.p50_us).pod(s.p90_us).pod(s.p99_us).pod(s.p999_us);
  w.pod(s.network_overhead_us).pod(s.unabsorbed_overhead_us).pod(s.queue_wait_us);
  w.pod(s.bursts).pod(s.bursts_in_simgrid).pod(s.transfers).pod(s.transfers_in_simgrid).pod(s.simgrid_rounds);
  w.pod(static_cast<uint64_t>(s.hosts.size()));
  for (const HostUsage& h : s.hosts) {
    w.str(h.name).pod(h.cores).pod(h.utilisation).pod(static_cast<uint64_t>(h.services.size()));
    for (const auto& name : h.services) w.str(name);
  }
  w.pod(static_cast<uint64_t>(r.requests.size()));
  for (const model::RequestResult& q : r.requests) w.pod(q);
  return w.bytes();
}

SimResult decode_result(const std::string& bytes) {
  ByteReader rd(bytes);
  SimResult r;
  SimStats& s = r.stats;
  s.requests = rd.pod<uint64_t>();
  s.failed_requests = rd.pod<uint64_t>();
  s.warmup_requests = rd.pod<uint64_t>();
  s.visits = rd.pod<uint64_t>();
  s.truncated_calls = rd.pod<uint64_t>();
  s.events = rd.pod<uint64_t>();
  s.sim_time_s = rd.pod<double>();
  s.wall_s = rd.pod<double>();
  s.cpu_s = rd.pod<double>();
  s.peak_rss_bytes = rd.pod<uint64_t>();
  s.mean_latency_us = rd.pod<double>();
  s.p50_us = rd.pod<double>();
  s.p90_us = rd.pod<double>();
  s.p99_us = rd.pod<double>();
  s.p999_us = rd.pod<double>();
  s.network_overhead_us = rd.pod<double>();
  s.unabsorbed_overhead_us = rd.pod<double>();
  s.queue_wait_us = rd.pod<double>();
  s.bursts = rd.pod<uint64_t>();
  s.bursts_in_simgrid = rd.pod<uint64_t>();
  s.transfers = rd.pod<uint64_t>();
  s.transfers_in_simgrid = rd.pod<uint64_t>();
  s.simgrid_rounds = rd.pod<uint64_t>();
  auto hosts = rd.pod<uint64_t>();
  for (uint64_t h = 0; h < hosts; ++h) {
    HostUsage u;
    u.name = rd.str();
    u.cores = rd.pod<uint32_t>();
    u.utilisation = rd.pod<double>();
    auto n = rd.pod<uint64_t>();
    for (uint64_t k = 0; k < n; ++k) u.services.push_back(rd.str());
    s.hosts.push_back(std::move(u));
  }
  auto n = rd.pod<uint64_t>();
  r.requests.reserve(n);
  for (uint64_t k = 0; k < n; ++k) r.requests.push_back(rd.pod<model::RequestResult>());
  return r;
}

std::string encode_progress(const SimProgress& p) {
  ByteWriter w;
  w.pod(p);
  return w.bytes();
}

// Everything in summary.json beyond RunResults' own keys: how it was run and what it cost.
void describe_run(model::RunResults& results, const SimSetup& setup, const SimStats& st) {
  const SimOptions& o = setup.options;
  results.set_info("seed", std::to_string(o.seed));
  results.set_info("workload", model::to_string(setup.workload.arrivals));
  results.set_info("network_model", to_string(setup.platform.network));
  results.set_info("layout", to_string(setup.platform.layout));
  results.set_info("work", to_string(o.work));
  results.set_info("correction", o.correction ? "on" : "off");
  results.set_info("fast_path", o.fast_path ? "on" : "off");
  results.set_info("allow_overload", o.allow_overload ? "yes" : "no");
  results.set_info("placement", describe_placement(setup.placement));
  for (const HostUsage& h : st.hosts) results.set_host_utilisation(h.name, h.utilisation);
  results.set_extra("rate_per_s", setup.workload.rate_per_s);
  results.set_extra("cpu_fraction", o.cpu_fraction);
  results.set_extra("overhead_cpu_fraction", o.overhead_cpu_fraction);
  results.set_extra("sim_time_s", st.sim_time_s);
  results.set_extra("events", static_cast<double>(st.events));
  results.set_extra("visits", static_cast<double>(st.visits));
  results.set_extra("network_overhead_us_per_visit", st.network_overhead_us);
  results.set_extra("unabsorbed_overhead_us_per_visit", st.unabsorbed_overhead_us);
  results.set_extra("queue_wait_us_per_visit", st.queue_wait_us);
  results.set_extra("truncated_calls", static_cast<double>(st.truncated_calls));
  results.set_extra("cpu_bursts", static_cast<double>(st.bursts));
  results.set_extra("cpu_bursts_in_simgrid", static_cast<double>(st.bursts_in_simgrid));
  results.set_extra("transfers", static_cast<double>(st.transfers));
  results.set_extra("transfers_in_simgrid", static_cast<double>(st.transfers_in_simgrid));
  results.set_extra("simgrid_rounds", static_cast<double>(st.simgrid_rounds));
}

// What the run cost, apart from summary.json so that the summary is the same on every run.
void write_timing(const std::string& dir, const SimStats& st) {
  const std::string path = dir + "/timing.json";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(ErrorKind::io, "cannot write").at_file(path);
  JsonWriter w(f, true);
  const double requests = static_cast<double>(st.requests + st.warmup_requests);
  w.begin_object();
  w.key("wall_s").value(st.wall_s).key("cpu_s").value(st.cpu_s);
  w.key("requests_per_wall_s").value(st.wall_s > 0 ? requests / st.wall_s : 0.0);
  w.key("events_per_wall_s").value(st.wall_s > 0 ? static_cast<double>(st.events) / st.wall_s : 0.0);
  w.key("cpu_us_per_visit").value(st.visits > 0 ? st.cpu_s * 1e6 / static_cast<double>(st.visits) : 0.0);
  w.key("peak_rss_bytes").value(st.peak_rss_bytes);
  w.end_object();
  f << "\n";
  if (!f.flush()) throw Error(ErrorKind::io, "write failed").at_file(path);
}

// One simulation in this process, outputs included.
SimResult run_here(const model::Topology& topology, const SimSetup& setup, const std::vector<HostSpec>& hosts,
                   const Placement& placement, const SimProgressFn& progress) {
  const SimOptions& o = setup.options;
  const bool files = !o.output_dir.empty();
  // Without files nothing keeps the rows: memory stays flat in the number of requests either way.
  std::optional<model::RunResults> results;
  if (files) {
    results.emplace("sim", topology);
    results->stream_to(o.output_dir);
  }

  Catalog catalog;
  std::ofstream span_file;
  std::unique_ptr<ingest::TraceWriter> writer;
  engine::SimSinks sinks;
  if (files && o.spans != 0) {
    const std::string path = o.output_dir + "/spans.json";
    span_file.open(path, std::ios::binary | std::ios::trunc);
    if (!span_file) throw Error(ErrorKind::io, "cannot write").at_file(path);
    for (const auto& api : topology.apis)
      sinks.span_api_ids.push_back(catalog.intern_api(catalog.names.intern(topology.services[api.service].name),
                                                      catalog.names.intern(api.operation)));
    writer = ingest::TraceWriter::create(o.span_format, span_file, catalog);
    sinks.spans = writer.get();
  }
  SimResult out;
  sinks.results = results ? &*results : nullptr;
  sinks.keep = o.keep_requests ? &out.requests : nullptr;
  sinks.progress = progress;
  {
    engine::Simulator sim(topology, setup, hosts, placement, sinks);
    out.stats = sim.run();
  }
  if (writer) {
    writer->finish();
    if (!span_file.flush()) throw Error(ErrorKind::io, "write failed").at_file(o.output_dir + "/spans.json");
  }
  if (files) {
    describe_run(*results, setup, out.stats);
    results->write(o.output_dir);
    write_timing(o.output_dir, out.stats);
  }
  return out;
}

}  // namespace

SimResult simulate(const model::Topology& topology, const SimSetup& setup, const SimProgressFn& progress) {
  // Everything that can be checked is checked here, before any process starts.
  topology.validate();
  setup.workload.validate();
  const std::vector<HostSpec> hosts = setup.platform.expand_hosts(placement_units(topology));
  const Placement placement = place_services(topology, hosts, setup.placement);
  const SimOptions& o = setup.options;
  for (const auto& [name, w] : o.workers)
    if (topology.find_service(name) == UINT32_MAX)
      throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("workers." + name);
  if (!(o.cpu_fraction >= 0 && o.cpu_fraction <= 1)) throw Error(ErrorKind::bad_value, "must be in [0, 1]").at_key("cpu_fraction");
  if (!(o.overhead_cpu_fraction >= 0 && o.overhead_cpu_fraction <= 1))
    throw Error(ErrorKind::bad_value, "must be in [0, 1]").at_key("overhead_cpu_fraction");
  if (o.span_format != "jaeger" && o.span_format != "otlp")
    throw Error(ErrorKind::bad_value, "unknown span format \"" + o.span_format + "\"").at_key("spans.format").with_hint("jaeger or otlp");
  if (!o.allow_overload) {
    const LoadEstimate load = estimate_load(topology, setup);
    if (load.max_utilisation >= 1) {
      std::ostringstream what;
      what << load.bottleneck << " would be " << std::lround(load.max_utilisation * 100) << "% busy at " << load.rate_per_s
           << " requests/s: its queue would grow without end";
      throw Error(ErrorKind::bad_value, what.str())
          .at_key("workload.rate")
          .with_hint("add cores or hosts, spread the services (placement), raise worker limits, lower the rate, or allow overload");
    }
  }
  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    if (ec) throw Error(ErrorKind::io, "cannot create the output directory: " + ec.message()).at_file(o.output_dir);
  }
  if (!o.isolate) return run_here(topology, setup, hosts, placement, progress);

  SimResult result;
  bool have_result = false;
  run_isolated(
      [&](const SendFn& send) {
        SimProgressFn forward;
        if (progress) forward = [&send](const SimProgress& p) { send('P', encode_progress(p)); };
        SimResult r = run_here(topology, setup, hosts, placement, forward);
        send('R', encode_result(r));
      },
      [&](char type, const std::string& payload) {
        if (type == 'P' && progress) {
          ByteReader rd(payload);
          progress(rd.pod<SimProgress>());
        } else if (type == 'R') {
          result = decode_result(payload);
          have_result = true;
        }
      });
  if (!have_result) throw Error(ErrorKind::internal, "the simulation process sent no result");
  return result;
}

}  // namespace palette::sim
