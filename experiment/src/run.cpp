#include "palette/experiment/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "palette/emu/hosts_file.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/experiment/advise.hpp"
#include "palette/error.hpp"
#include "palette/experiment/report.hpp"
#include "palette/ids.hpp"
#include "palette/ingest/input.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/compare.hpp"
#include "palette/stats/latencies.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::experiment {
namespace fs = std::filesystem;
namespace {

void note(const RunProgressFn& p, const std::string& stage, const std::string& detail = "") {
  if (p) p(stage, detail);
}

ingest::IngestOptions ingest_options(const TraceSection& t) {
  ingest::IngestOptions o;
  o.format = t.format;
  o.strict = t.strict;
  o.idle_window_us = static_cast<int64_t>(t.idle_window_s * 1e6);
  o.normalize.orphans = t.orphans == "drop" ? ingest::OrphanPolicy::drop : ingest::OrphanPolicy::attach;
  return o;
}

std::vector<std::string> resolved_paths(const ExperimentConfig& c) {
  std::vector<std::string> out;
  for (const auto& p : c.traces.paths) out.push_back(c.resolve(p));
  return out;
}

// The fit's cache key: the traces' bytes, how they were read and processed, and the fit options.
std::string fit_key(const ExperimentConfig& c) {
  uint64_t h = hash64("palette-fit-cache-1");
  auto mix = [&](const std::string& s) { h = hash64(s, h); };
  for (const auto& f : ingest::expand_inputs(resolved_paths(c))) {
    mix(fs::path(f.path).filename().string());
    auto src = ingest::ByteSource::open(f.path);
    std::string buf(1 << 20, '\0');
    while (size_t n = src->read(buf.data(), buf.size())) mix(buf.substr(0, n));
  }
  const auto& t = c.traces;
  mix(t.format + "|" + std::to_string(t.strict) + "|" + std::to_string(t.idle_window_s) + "|" + t.orphans);
  for (const auto& s : c.interventions) {
    if (!is_trace_processing(s.kind)) continue;
    mix(s.kind);
    for (const auto& [k, v] : s.params) mix(k + "=" + v);
  }
  const auto& f = c.model.fit;
  std::ostringstream o;
  o << model::to_string(f.conditioning) << '|' << f.seed << '|' << f.alergia_alpha << '|' << f.latency_classes << '|'
    << f.structure_classes << '|' << f.min_context_count << '|' << f.concurrency_tolerance_us << '|' << f.em_iterations
    << '|' << f.em_max_requests;
  mix(o.str());
  return Id128{0, h}.hex();
}

bool folder_has_files(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::directory_iterator(dir, ec) != fs::directory_iterator();
}

std::vector<double> root_latencies(const ingest::TraceSet& set) {
  std::vector<double> out;
  for (const auto& t : set.traces)
    if (!t.nodes.empty() && t.root().has_timing() && !t.root().error) out.push_back(static_cast<double>(t.root().duration_us));
  return out;
}

std::vector<double> api_latencies(const ingest::TraceSet& set, const std::string& label) {
  std::vector<double> out;
  for (const auto& t : set.traces)
    for (const auto& n : t.nodes)
      if (n.has_timing() && !n.error && set.catalog.api_label(n.api) == label) out.push_back(static_cast<double>(n.duration_us));
  return out;
}

report::ComparedInput in_memory(const std::string& name, std::vector<double> values) {
  report::ComparedInput in;
  in.name = name;
  in.latencies.path = name;
  in.latencies.source = "traces";
  in.latencies.values_us = values;
  in.sample = stats::Sample(std::move(values));
  return in;
}

report::ComparedInput from_results(const std::string& name, const std::string& dir, const std::string& what) {
  stats::LatencyOptions o;
  o.what = what;
  report::ComparedInput in;
  in.name = name;
  in.latencies = stats::read_latencies(dir, o);
  in.sample = stats::Sample(in.latencies.values_us);
  return in;
}

}  // namespace

std::string default_cache_dir() {
  if (const char* d = std::getenv("PALETTE_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/palette";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/palette";
  return (fs::temp_directory_path() / "palette-cache").string();
}

PreparedModel prepare_model(const ExperimentConfig& c, const RunOptions& options, const RunProgressFn& progress) {
  PreparedModel m;
  if (!c.traces.paths.empty()) {
    note(progress, "ingest", std::to_string(c.traces.paths.size()) + " path(s)");
    m.traces = ingest::load_traces(resolved_paths(c), ingest_options(c.traces));
    if (m.traces.traces.empty()) throw Error(ErrorKind::bad_value, "the traces hold no usable trace").at_file(c.file).at_key("traces.paths");
    for (const auto& s : c.interventions)
      if (is_trace_processing(s.kind)) m.trace_notes.push_back(apply_trace_processing(s, m.traces));
  }
  if (!c.model.topology.empty()) {
    note(progress, "load", c.model.topology);
    m.topology = model::load_topology_file(c.resolve(c.model.topology));
    return m;
  }
  std::string dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  m.cache_file = dir + "/fit-" + fit_key(c) + ".yaml";
  if (options.use_cache && fs::exists(m.cache_file)) {
    try {
      m.topology = model::load_topology_file(m.cache_file);
      m.from_cache = true;
      note(progress, "fit", "from cache " + m.cache_file);
      return m;
    } catch (const Error&) {
      // A damaged cache entry is refitted and replaced.
    }
  }
  note(progress, "fit", std::to_string(m.traces.traces.size()) + " traces");
  m.topology = model::fit_topology(m.traces, c.model.fit);
  if (options.use_cache) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::string tmp = m.cache_file + ".tmp" + std::to_string(::getpid());
    try {
      model::save_topology_file(m.topology, tmp);
      fs::rename(tmp, m.cache_file, ec);  // atomic: concurrent sweep points never read half a file
    } catch (const Error&) {
      fs::remove(tmp, ec);  // the cache is an optimisation: a read-only home must not fail the run
    }
  }
  return m;
}

std::map<std::string, double> ExperimentResult::metrics() const {
  std::map<std::string, double> out;
  out["rate_per_s"] = rate_per_s;
  for (const auto& r : runs) {
    out[r.name + ".requests"] = static_cast<double>(r.requests);
    out[r.name + ".failed"] = static_cast<double>(r.failed);
    out[r.name + ".mean_us"] = r.mean_us;
    out[r.name + ".p50_us"] = r.p50_us;
    out[r.name + ".p90_us"] = r.p90_us;
    out[r.name + ".p99_us"] = r.p99_us;
    if (r.ks_vs_traces >= 0) {
      out[r.name + ".ks"] = r.ks_vs_traces;
      out[r.name + ".wasserstein_us"] = r.wasserstein_us_vs_traces;
    }
  }
  return out;
}

namespace {

constexpr size_t kDefaultApiPlots = 4;

// The `n` APIs with the most invocations in the traces, roots left out (the end-to-end plot shows them).
std::vector<std::string> busiest_apis(const model::Topology& t, size_t n) {
  std::vector<model::ApiIndex> order;
  for (model::ApiIndex a = 0; a < t.apis.size(); ++a)
    if (std::none_of(t.roots.begin(), t.roots.end(), [&](const model::RootShare& r) { return r.api == a; }))
      order.push_back(a);
  std::stable_sort(order.begin(), order.end(),
                   [&](model::ApiIndex x, model::ApiIndex y) { return t.apis[x].invocations > t.apis[y].invocations; });
  std::vector<std::string> labels;
  for (size_t i = 0; i < order.size() && i < n; ++i) labels.push_back(t.api_label(order[i]));
  return labels;
}

}  // namespace

ExperimentResult run_experiment(const ExperimentConfig& c, const RunOptions& options, const RunProgressFn& progress) {
  if (options.output_dir.empty()) throw Error(ErrorKind::missing, "no output folder").at_key("outputs.dir").with_hint("give -o DIR");
  if (folder_has_files(options.output_dir) && !options.force)
    throw Error(ErrorKind::bad_value, "the output folder is not empty; not overwriting it")
        .at_file(options.output_dir)
        .with_hint("pass --force, or choose another folder");
  fs::create_directories(options.output_dir);
  ExperimentResult result;
  result.output_dir = options.output_dir;

  PreparedModel prepared = prepare_model(c, options, progress);
  result.trace_processing = prepared.trace_notes;
  result.fit_from_cache = prepared.from_cache;
  result.fit_cache_file = prepared.cache_file;
  model::Topology& topology = prepared.topology;
  model::save_topology_file(topology, options.output_dir + "/topology.yaml");

  // Interventions, in order.
  const model::Topology baseline = topology;
  Deployment deployment;
  for (const auto& s : c.interventions) {
    if (is_trace_processing(s.kind)) continue;
    note(progress, "intervene", s.kind);
    result.applied.push_back(apply_intervention(s, topology, deployment, c.seed));
  }
  if (!result.applied.empty()) model::save_topology_file(topology, options.output_dir + "/topology.intervened.yaml");

  // The workload: the config's rate, else the traced one, times any multiplier.
  double base_rate = c.workload.spec.rate_per_s > 0 ? c.workload.spec.rate_per_s : topology.arrival_rate_per_s;
  base_rate *= c.workload.rate_factor;
  model::WorkloadSpec workload = c.workload.spec;
  workload.rate_per_s = base_rate;
  model::WorkloadSpec intervened = workload;
  if (deployment.rate_per_s > 0) intervened.rate_per_s = deployment.rate_per_s;
  intervened.rate_per_s *= deployment.rate_factor;
  if (!deployment.arrivals.empty()) intervened.arrivals = model::parse_arrival_process(deployment.arrivals);
  auto needs_rate = [](const model::WorkloadSpec& w) {
    return w.arrivals == model::ArrivalProcess::poisson || w.arrivals == model::ArrivalProcess::constant;
  };
  if (needs_rate(intervened) && !(intervened.rate_per_s > 0))
    throw Error(ErrorKind::missing, "no arrival rate: the topology records none").at_file(c.file).at_key("workload.rate").with_hint("give workload.rate");
  if (intervened.arrivals == model::ArrivalProcess::replay || workload.arrivals == model::ArrivalProcess::replay) {
    std::vector<std::pair<double, std::string>> roots;
    for (const auto& t : prepared.traces.traces)
      if (!t.nodes.empty() && t.root().start_us != kNoTime)
        roots.emplace_back(static_cast<double>(t.root().start_us), prepared.traces.catalog.api_label(t.root().api));
    workload.recorded = model::recorded_arrivals(roots, baseline);
    intervened.recorded = model::recorded_arrivals(roots, topology);
  }
  result.rate_per_s = intervened.rate_per_s;

  Advice advice;
  bool have_advice = false;
  std::vector<report::ComparedInput> inputs;
  if (!prepared.traces.traces.empty()) inputs.push_back(in_memory("traces", root_latencies(prepared.traces)));

  // Simulation.
  if (c.sim.enabled) {
    sim::SimSetup setup;
    setup.platform = c.sim.platform.empty() ? sim::default_platform() : sim::load_platform_file(c.resolve(c.sim.platform));
    setup.placement = sim::parse_placement(c.sim.placement);
    setup.options.seed = c.seed;
    setup.options.work = c.sim.work == "sleep" ? sim::WorkMode::sleep : sim::WorkMode::cpu;
    setup.options.spans = c.sim.spans;
    auto run_sim = [&](const std::string& name, const model::Topology& t, model::WorkloadSpec w, sim::SimSetup s) {
      if (c.sim.requests) {
        w.requests = c.sim.requests;
        w.duration_s = 0;
      }
      s.workload = w;
      s.options.output_dir = options.output_dir + "/" + name;
      fs::create_directories(s.options.output_dir);
      note(progress, name, std::to_string(w.requests) + " requests at " + std::to_string(w.rate_per_s) + "/s");
      sim::SimResult r = sim::simulate(t, s, [&](const sim::SimProgress& p) {
        note(progress, name, std::to_string(p.completed) + "/" + std::to_string(p.expected) + " requests");
      });
      BackendRun run;
      run.name = name;
      run.dir = s.options.output_dir;
      run.wall_s = r.stats.wall_s;
      result.runs.push_back(run);
      inputs.push_back(from_results(name, s.options.output_dir, "root"));
    };
    sim::SimSetup intervened_setup = setup;
    if (!deployment.placement.empty()) intervened_setup.placement = sim::parse_placement(deployment.placement);
    if (deployment.link_latency_us >= 0 || deployment.link_bandwidth_mbps > 0) {
      for (auto* l : {&intervened_setup.platform.link}) {
        if (deployment.link_latency_us >= 0) l->latency_s = deployment.link_latency_us / 1e6;
        if (deployment.link_bandwidth_mbps > 0) l->bandwidth_Bps = deployment.link_bandwidth_mbps * 1e6 / 8;
      }
      for (auto& h : intervened_setup.platform.hosts)
        if (h.link) {
          if (deployment.link_latency_us >= 0) h.link->latency_s = deployment.link_latency_us / 1e6;
          if (deployment.link_bandwidth_mbps > 0) h.link->bandwidth_Bps = deployment.link_bandwidth_mbps * 1e6 / 8;
        }
    }
    // A link or placement change must show in full: live correction takes back only the idle
    // message time of the deployment the traces came from (the baseline), not of the changed one.
    if (!deployment.placement.empty() || deployment.link_latency_us >= 0 || deployment.link_bandwidth_mbps > 0)
      intervened_setup.options.network_reference = sim::SimOptions::NetworkReference{setup.platform, setup.placement};
    run_sim("sim", topology, intervened, intervened_setup);
    if (!result.applied.empty()) run_sim("sim-baseline", baseline, workload, setup);
    if (c.report.advise) {
      AdviceOptions ao;
      ao.setup = intervened_setup;
      ao.setup.workload = intervened;
      ao.setup.workload.requests = std::min<uint64_t>(intervened.requests ? intervened.requests : 3000, 3000);
      ao.setup.workload.duration_s = 0;
      note(progress, "advise");
      advice = advise(topology, ao, [&](const std::string& s) { note(progress, "advise", s); });
      have_advice = true;
    }
  }

  // Emulation.
  if (c.emu.enabled) {
    emu::EmuOptions o;
    o.output_dir = options.output_dir + "/emu";
    o.force = options.force;
    o.workload = intervened;
    if (c.emu.rate_per_s > 0) o.workload.rate_per_s = c.emu.rate_per_s;
    if (c.emu.requests) {
      o.workload.requests = c.emu.requests;
      o.workload.duration_s = 0;
    }
    o.seed = c.seed;
    o.work = emu::parse_work_kind(c.emu.work);
    o.threads = c.emu.threads;
    if (!c.emu.hosts.empty()) emu::load_hosts_file(c.resolve(c.emu.hosts), o);
    note(progress, "emu", std::to_string(o.workload.requests) + " requests at " + std::to_string(o.workload.rate_per_s) + "/s");
    emu::EmuReport r = emu::run_emulation(topology, o, [&](const std::string& stage) { note(progress, "emu", stage); });
    BackendRun run;
    run.name = "emu";
    run.dir = o.output_dir;
    run.wall_s = r.wall_s;
    result.runs.push_back(run);
    inputs.push_back(from_results("emu", o.output_dir, "root"));
  }

  // Numbers per run, against the traces when there are any.
  const bool with_traces = !prepared.traces.traces.empty();
  for (auto& run : result.runs) {
    auto it = std::find_if(inputs.begin(), inputs.end(), [&](const report::ComparedInput& in) { return in.name == run.name; });
    const stats::Sample& s = it->sample;
    run.requests = it->latencies.values_us.size() + it->latencies.excluded_total();
    run.failed = it->latencies.excluded_total();
    if (s.size() > 0) {
      run.p50_us = s.quantile(0.5);
      run.p90_us = s.quantile(0.9);
      run.p99_us = s.quantile(0.99);
      double sum = 0;
      for (double v : s.values()) sum += v;
      run.mean_us = sum / static_cast<double>(s.size());
    }
    if (with_traces && s.size() > 0) {
      stats::Comparison cmp = stats::compare(inputs[0].sample, s);
      run.ks_vs_traces = cmp.ks;
      run.wasserstein_us_vs_traces = cmp.wasserstein_us;
      run.p50_err_vs_traces = cmp.p50_rel_err;
      run.p99_err_vs_traces = cmp.p99_rel_err;
    }
  }

  // Per-API comparisons for the report: the APIs the config names, else the busiest ones.
  std::vector<report::LatencyComparison> per_api;
  const std::vector<std::string> api_labels = c.report.apis.empty() ? busiest_apis(baseline, kDefaultApiPlots) : c.report.apis;
  for (const auto& label : api_labels) {
    std::vector<report::ComparedInput> api_inputs;
    if (with_traces) api_inputs.push_back(in_memory("traces", api_latencies(prepared.traces, label)));
    for (const auto& run : result.runs) {
      try {
        api_inputs.push_back(from_results(run.name, run.dir, label));
      } catch (const Error&) {
        // a run that wrote no spans has no per-API latencies
      }
    }
    if (api_inputs.size() >= 2) per_api.push_back(report::compare_inputs(std::move(api_inputs), label));
  }
  report::LatencyComparison root;
  if (inputs.size() >= 2) root = report::compare_inputs(std::move(inputs), "root");
  note(progress, "report", options.output_dir + "/report.html");
  write_run_report(options.output_dir, c, result, topology, root, per_api, [&](report::HtmlPage& page) {
    if (have_advice) add_advice_section(page, advice);
  });
  return result;
}

}  // namespace palette::experiment
