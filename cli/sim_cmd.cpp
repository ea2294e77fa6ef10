// palette sim: run a topology as a SimGrid simulation and write latencies, spans and a summary.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/sim/capacity.hpp"
#include "palette/sim/replay.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/topology_yaml.hpp"
#include "trace_options.hpp"

namespace palette::cli {
namespace {

// A whole number >= 0, or -1 when the text is not one.
long whole_number(const std::string& s) {
  size_t end = 0;
  long v = -1;
  try {
    v = std::stol(s, &end);
  } catch (const std::exception&) {
    return -1;
  }
  return end == s.size() && v >= 0 ? v : -1;
}

// "svc=N,svc=N" or a plain N for every service.
std::map<std::string, uint32_t> parse_workers(const std::string& text, const model::Topology& t) {
  std::map<std::string, uint32_t> out;
  if (text.empty()) return out;
  auto number = [&](const std::string& s) {
    long v = whole_number(s);
    if (v < 0) throw Error(ErrorKind::bad_value, "expected a worker count >= 0, got \"" + s + "\"").at_key("--workers");
    return static_cast<uint32_t>(v);
  };
  if (text.find('=') == std::string::npos) {
    uint32_t n = number(text);
    for (const auto& s : t.services) out[s.name] = n;
    return out;
  }
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos) throw Error(ErrorKind::bad_value, "expected service=N, got \"" + item + "\"").at_key("--workers");
    out[item.substr(0, eq)] = number(item.substr(eq + 1));
  }
  return out;
}

// A topology.yaml, or trace files to fit one from.
model::Topology load_input(const std::vector<std::string>& inputs, const TraceInputOptions& in, Progress& bar) {
  if (inputs.empty()) throw Error(ErrorKind::missing, "give a topology (or trace files to fit one from)").at_key("TOPOLOGY");
  if (inputs.size() == 1) {
    auto ext = std::filesystem::path(inputs[0]).extension().string();
    if (ext == ".yaml" || ext == ".yml") return model::load_topology_file(inputs[0]);
  }
  TraceInputOptions o = in;
  o.paths = inputs;
  bar.update("fitting " + std::to_string(inputs.size()) + " trace input(s)");
  auto set = ingest::load_traces(o.paths, o.to_ingest());
  return model::fit_topology(set, {});
}

// What every sim command shares: where services run and how their work uses the hosts.
struct DeploymentOptions {
  std::string platform_file, placement = "round-robin", work = "cpu", workers, network;
  double cpu_fraction = 1, overhead_cpu_fraction = 0;
  uint32_t cores = 0;
  uint64_t seed = 1;

  void add_to(po::options_description& desc) {
    desc.add_options()
      ("platform", po::value(&platform_file), "platform YAML (default: one 4-core host per service, 10 Gbps / 25 us star; see configs/platforms/)")
      ("placement", po::value(&placement)->default_value(placement), "round-robin, packed:K, svc=host,... or a YAML file of service: host")
      ("cores", po::value(&cores), "cores of every host (overrides the platform)")
      ("network", po::value(&network), "cm02 (bandwidth sharing) or constant (no sharing: faster, for big sweeps); overrides the platform")
      ("workers", po::value(&workers), "worker limit per service: N for all, or svc=N,svc=N (0 = unbounded)")
      ("work", po::value(&work)->default_value(work), "local work as cpu (bursts that share the host's cores) or sleep (waits, no contention)")
      ("cpu-fraction", po::value(&cpu_fraction)->default_value(cpu_fraction), "share of each local-work gap that is CPU work (the rest waits)")
      ("overhead-cpu-fraction", po::value(&overhead_cpu_fraction)->default_value(overhead_cpu_fraction),
       "share of each call's overhead that is CPU work on the sending host (the rest waits)")
      ("seed", po::value(&seed)->default_value(seed), "random seed (same seed, same inputs: identical outputs)");
  }

  void apply(const model::Topology& topology, sim::SimSetup& setup) const {
    if (!platform_file.empty()) setup.platform = sim::load_platform_file(platform_file);
    if (cores > 0)
      for (auto& h : setup.platform.hosts) h.cores = cores;
    if (network == "cm02") setup.platform.network = sim::NetworkModel::cm02;
    else if (network == "constant") setup.platform.network = sim::NetworkModel::constant;
    else if (!network.empty()) throw Error(ErrorKind::bad_value, "expected cm02 or constant, got \"" + network + "\"").at_key("--network");
    setup.placement = sim::parse_placement(placement);
    sim::SimOptions& o = setup.options;
    o.seed = seed;
    setup.workload.seed = seed;
    if (work == "cpu") o.work = sim::WorkMode::cpu;
    else if (work == "sleep") o.work = sim::WorkMode::sleep;
    else throw Error(ErrorKind::bad_value, "expected cpu or sleep, got \"" + work + "\"").at_key("--work");
    o.cpu_fraction = cpu_fraction;
    o.overhead_cpu_fraction = overhead_cpu_fraction;
    o.workers = parse_workers(workers, topology);
  }
};

// Adds the trace-input options and the TOPOLOGY positional to `desc`, then parses; false on --help.
bool parse_with_topology(const Args& args, const std::string& usage, po::options_description& desc, TraceInputOptions& in,
                         std::vector<std::string>& inputs, po::variables_map& vm) {
  in.add_to(desc);
  desc.add_options()("inputs", po::value(&inputs)->multitoken(), "topology");
  po::positional_options_description pos;
  pos.add("inputs", -1);
  return parse_options(args, usage, desc, pos, vm);
}

int64_t parse_spans(const std::string& spans) {
  if (spans == "all") return -1;
  if (spans == "none") return 0;
  long n = whole_number(spans);
  if (n < 0) throw Error(ErrorKind::bad_value, "expected all, none or a count, got \"" + spans + "\"").at_key("--spans");
  return n;
}

void print_stats(const sim::SimStats& s) {
  std::cout << "requests       " << s.requests << " reported (" << s.warmup_requests << " warm-up)\n";
  std::cout << "latency        p50 " << human_us(s.p50_us) << ", p90 " << human_us(s.p90_us) << ", p99 " << human_us(s.p99_us)
            << ", p99.9 " << human_us(s.p999_us) << ", mean " << human_us(s.mean_latency_us) << "\n";
  std::cout << "simulated      " << human_us(s.sim_time_s * 1e6) << " in " << human_us(s.wall_s * 1e6) << " ("
            << std::lround(static_cast<double>(s.requests + s.warmup_requests) / std::max(s.wall_s, 1e-9)) << " requests/s, "
            << std::lround(static_cast<double>(s.events) / std::max(s.wall_s, 1e-9)) << " events/s)\n";
  std::cout << "hosts          ";
  for (size_t h = 0; h < s.hosts.size(); ++h)
    std::cout << (h ? ", " : "") << s.hosts[h].name << " " << std::lround(s.hosts[h].utilisation * 100) << "%";
  std::cout << "\n";
}

int sim(const Args& args) {
  TraceInputOptions in;
  DeploymentOptions dep;
  std::vector<std::string> inputs;
  std::string arrivals = "poisson", spans = "none", span_format = "jaeger", output, replay, reference_platform, reference_placement;
  double rate = 0, duration = 0, warmup = -1, think = 0;
  uint64_t requests = 0;
  uint32_t users = 0;
  bool no_correction = false, no_fast_path = false, force = false, allow_overload = false;
  po::options_description desc("palette sim");
  desc.add_options()
    ("rate", po::value(&rate), "requests per second (default: the traced rate the topology records)")
    ("requests", po::value(&requests), "number of requests to send")
    ("duration", po::value(&duration), "seconds of arrivals (instead of --requests)")
    ("warmup", po::value(&warmup), "seconds at the start whose requests are simulated but not reported (default: min(1 s, 10% of the run))")
    ("arrivals", po::value(&arrivals)->default_value(arrivals), "poisson, constant, replay (the traces' arrival times, scaled to --rate) or closed")
    ("replay-traces", po::value(&replay), "traces whose arrival times --arrivals replay uses (default: the topology's source files)")
    ("users", po::value(&users), "closed loop: number of users")
    ("think-time", po::value(&think), "closed loop: mean think time in seconds (exponential)")
    ("spans", po::value(&spans)->default_value(spans), "spans to write: all, none, or N (the first N reported requests)")
    ("span-format", po::value(&span_format)->default_value(span_format), "jaeger or otlp");
  dep.add_to(desc);
  desc.add_options()
    ("no-correction", po::bool_switch(&no_correction), "turn live correction off (messages then add their time on top of the planned overhead)")
    ("reference-platform", po::value(&reference_platform),
     "the platform the traces came from (default: this run's): correction takes back its idle message times, so a link change shows in full")
    ("reference-placement", po::value(&reference_placement), "the placement the traces came from, with --reference-platform (default: round-robin)")
    ("no-fast-path", po::bool_switch(&no_fast_path), "send every CPU burst and message through SimGrid (slower; the reference the fast path matches)")
    ("allow-overload", po::bool_switch(&allow_overload), "run even when a host or service cannot keep up with the rate (queues grow without end)")
    ("output,o", po::value(&output), "results folder (required): latencies.csv, summary.json, timing.json, spans.json")
    ("force", po::bool_switch(&force), "replace results already in the folder");
  po::variables_map vm;
  const std::string usage =
      "palette sim TOPOLOGY [--platform P] [--placement ...] [--rate R] (--requests N | --duration T) [--arrivals ...]\n"
      "                     [--spans all|none|N] [--seed S] -o DIR\n\n"
      "Simulates the topology with SimGrid: services with worker limits on hosts whose cores they share, calls\n"
      "as messages over the platform's links, local work as CPU bursts, the traced call overhead, and live\n"
      "correction. TOPOLOGY is a topology.yaml, or trace files to fit one from. Writes DIR/latencies.csv\n"
      "(request_id,root_api,start_us,latency_us,status), DIR/summary.json (quantiles, per-API quantiles,\n"
      "utilisation per host), DIR/timing.json (wall time, requests and events per second) and DIR/spans.json.";
  if (!parse_with_topology(args, usage, desc, in, inputs, vm)) return 0;
  if (output.empty()) throw Error(ErrorKind::missing, "give a results folder").at_key("--output");
  if (!force && std::filesystem::exists(output + "/latencies.csv"))
    throw Error(ErrorKind::bad_value, "already holds results; not overwriting them").at_file(output).with_hint("pass --force to replace them");

  Progress bar("sim");
  model::Topology topology = load_input(inputs, in, bar);
  sim::SimSetup setup;
  dep.apply(topology, setup);

  model::WorkloadSpec& w = setup.workload;
  w.arrivals = model::parse_arrival_process(arrivals);
  w.rate_per_s = vm.count("rate") ? rate : topology.arrival_rate_per_s;
  w.requests = requests;
  w.duration_s = duration;
  w.users = users;
  w.think_time_s = think;
  if (w.arrivals == model::ArrivalProcess::replay) {
    std::vector<std::string> paths = replay.empty() ? topology.source.files : std::vector<std::string>{replay};
    if (paths.empty()) throw Error(ErrorKind::missing, "the topology names no trace files to replay").at_key("--replay-traces");
    w.recorded = sim::recorded_arrivals_from_traces(paths, topology, in.to_ingest());
    w.replay_speed = sim::replay_speed_for_rate(w.recorded, w.rate_per_s);
  }
  if (!(w.rate_per_s > 0) && (w.arrivals == model::ArrivalProcess::poisson || w.arrivals == model::ArrivalProcess::constant))
    throw Error(ErrorKind::missing, "the topology records no arrival rate").at_key("--rate").with_hint("give --rate");
  if (warmup >= 0) {
    w.warmup_s = warmup;
  } else {
    double run_s = duration > 0 ? duration : (w.rate_per_s > 0 ? static_cast<double>(requests) / w.rate_per_s : 0);
    w.warmup_s = std::min(1.0, 0.1 * run_s);
  }

  sim::SimOptions& o = setup.options;
  o.correction = !no_correction;
  if (!reference_platform.empty() || !reference_placement.empty()) {
    sim::SimOptions::NetworkReference ref;
    ref.platform = reference_platform.empty() ? setup.platform : sim::load_platform_file(reference_platform);
    ref.placement = sim::parse_placement(reference_placement.empty() ? "round-robin" : reference_placement);
    o.network_reference = ref;
  }
  o.fast_path = !no_fast_path;
  o.allow_overload = allow_overload;
  o.spans = parse_spans(spans);
  o.span_format = span_format;
  o.output_dir = output;

  auto result = sim::simulate(topology, setup, [&](const sim::SimProgress& p) {
    std::ostringstream text;
    text << p.completed << " requests done";
    if (p.expected > 0) text << " of " << p.expected;
    text << ", " << human_us(p.sim_time_s * 1e6) << " simulated";
    bar.update(text.str(), p.expected > 0 ? static_cast<double>(p.completed) / static_cast<double>(p.expected) : -1);
  });
  bar.done();
  print_stats(result.stats);
  std::cout << "wrote          " << output << "/\n";
  return 0;
}

int calibrate(const Args& args) {
  TraceInputOptions in;
  DeploymentOptions dep;
  std::vector<std::string> inputs, against;
  double rate = 0;
  sim::CalibrationOptions co;
  po::options_description desc("palette sim calibrate");
  desc.add_options()
    ("against", po::value(&against)->multitoken(), "traces of the same system at a second load level (required)")
    ("rate", po::value(&rate), "that level's request rate (default: the rate its traces record)")
    ("trial-requests", po::value(&co.requests)->default_value(co.requests), "requests per trial simulation");
  dep.add_to(desc);
  po::variables_map vm;
  const std::string usage =
      "palette sim calibrate TOPOLOGY --against TRACES [--rate R] [--platform P] [--placement ...] [--cores N]\n\n"
      "A topology fitted at one load knows the work, not the capacity of the deployment that ran it. This finds\n"
      "the share of local work and call overhead that is CPU work on the given platform and placement (the rest\n"
      "waits without a core) so that simulating at the second level's rate reproduces its latencies (least KS),\n"
      "and prints the options that use it.";
  if (!parse_with_topology(args, usage, desc, in, inputs, vm)) return 0;
  if (against.empty()) throw Error(ErrorKind::missing, "give the traces of a second load level").at_key("--against");
  Progress bar("calibrate");
  model::Topology topology = load_input(inputs, in, bar);
  sim::SimSetup setup;
  dep.apply(topology, setup);
  TraceInputOptions second = in;
  second.paths = against;
  auto traces = ingest::load_traces(second.paths, second.to_ingest());
  std::vector<double> target;
  for (const auto& t : traces.traces)
    if (!t.nodes.empty() && t.root().has_timing()) target.push_back(static_cast<double>(t.root().duration_us));
  if (!vm.count("rate")) rate = model::fit_topology(traces, {}).arrival_rate_per_s;
  bar.update("calibrating against " + std::to_string(target.size()) + " traces at " + std::to_string(std::lround(rate)) + " requests/s");
  sim::Calibration c = sim::calibrate_cpu_share(topology, setup, rate, target, co);
  bar.done();
  std::cout << "share   KS      p50 err  p99 err\n";
  for (const auto& t : c.trials) {
    char line[96];
    if (t.overloaded) std::snprintf(line, sizeof line, "%.3f   overloaded\n", t.share);
    else std::snprintf(line, sizeof line, "%.3f   %.4f  %+6.1f%%  %+6.1f%%\n", t.share, t.ks, 100 * t.p50_rel_err, 100 * t.p99_rel_err);
    std::cout << line;
  }
  std::cout << "\nbest CPU share " << c.share << " (KS " << c.ks << " at " << rate << " requests/s): simulate with\n  --cpu-fraction "
            << c.share << " --overhead-cpu-fraction " << c.share << " and the same platform, placement and cores\n";
  return 0;
}

int capacity(const Args& args) {
  TraceInputOptions in;
  DeploymentOptions dep;
  double rate = 0;
  po::options_description desc("palette sim capacity");
  desc.add_options()("rate", po::value(&rate), "request rate to estimate the load at (default: the traced rate)");
  dep.add_to(desc);
  in.add_to(desc);
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  const std::string usage =
      "palette sim capacity TRACES [--rate R] [--platform P] [--placement ...] [--cores N]\n\n"
      "What the traces say about the capacity of the system that produced them (how many invocations of each\n"
      "service ran at once, and whether calls waited when it was busy), and how busy each host and service of\n"
      "the given deployment would be at the rate, before any simulation.";
  if (!parse_options(args, usage, desc, pos, vm)) return 0;
  if (in.paths.empty()) throw Error(ErrorKind::missing, "give trace files").at_key("TRACES");
  Progress bar("capacity");
  auto traces = ingest::load_traces(in.paths, in.to_ingest());
  model::Topology topology = model::fit_topology(traces, {});
  bar.done();
  sim::CapacityInference inf = sim::infer_capacity(traces, topology);
  std::cout << "service                       peak  mean   waits  workers\n";
  for (const auto& s : inf.services) {
    char line[160];
    std::snprintf(line, sizeof line, "%-28s %5u %5.2f   %-5s  %s\n", s.service.c_str(), s.peak_concurrency, s.mean_concurrency,
                  s.queueing_evidence ? "yes" : "no", s.inferred_workers ? std::to_string(s.inferred_workers).c_str() : "unbounded");
    std::cout << line;
  }
  std::cout << inf.note << "\n\n";
  sim::SimSetup setup;
  dep.apply(topology, setup);
  setup.workload.rate_per_s = vm.count("rate") ? rate : topology.arrival_rate_per_s;
  sim::LoadEstimate e = sim::estimate_load(topology, setup);
  auto hosts = setup.platform.expand_hosts(sim::placement_units(topology));
  std::cout << "at " << e.rate_per_s << " requests/s on this deployment (CPU share of local work " << setup.options.cpu_fraction
            << ", of call overhead " << setup.options.overhead_cpu_fraction << "):\n";
  for (size_t h = 0; h < hosts.size(); ++h)
    std::cout << "  " << hosts[h].name << " (" << hosts[h].cores << " cores) " << std::lround(e.host_utilisation[h] * 100) << "% busy\n";
  if (e.max_utilisation >= 1) std::cout << "overloaded: " << e.bottleneck << "\n";
  return 0;
}

}  // namespace

std::vector<Command> sim_commands() {
  return {{"sim", "simulate a topology with SimGrid: latencies, spans, utilisation", sim},
          {"sim calibrate", "find the CPU share of work that reproduces a second load level's latencies", calibrate},
          {"sim capacity", "what traces say about capacity, and how busy a deployment would be at a rate", capacity}};
}

}  // namespace palette::cli
