// palette emu: run a topology as real processes on this machine (or the configured hosts) under a
// workload, and write latencies, a summary and the spans of the emulated system.
#include <iostream>

#include "common.hpp"
#include "palette/emu/example_topologies.hpp"
#include "palette/emu/hosts_file.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/error.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::cli {
namespace {

// Root start times and APIs of traces, for --arrivals replay.
std::vector<model::RecordedArrival> replay_from(const std::string& path, const model::Topology& t) {
  auto set = ingest::load_traces({path}, {});
  std::vector<std::pair<double, std::string>> roots;
  for (const auto& tree : set.traces)
    if (tree.root().has_timing()) roots.emplace_back(static_cast<double>(tree.root().start_us), set.catalog.api_label(tree.root().api));
  if (roots.empty()) throw Error(ErrorKind::bad_value, "no timed trace to replay").at_file(path);
  return model::recorded_arrivals(roots, t);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t p; (p = text.find(sep, start)) != std::string::npos; start = p + 1) out.push_back(text.substr(start, p - start));
  out.push_back(text.substr(start));
  return out;
}

int emu(const Args& args) {
  emu::EmuOptions o;
  std::string topology_path, example, arrivals = "poisson", work = "sleep", replay, hosts_file;
  std::vector<std::string> work_for, place;
  uint32_t concurrency = 0;
  int nice = 0;
  po::options_description desc("palette emu");
  desc.add_options()
    ("topology", po::value(&topology_path), "topology.yaml to emulate")
    ("example", po::value(&example), "a built-in topology instead: chain:N[:WORK_US[:OVERHEAD_US]] or fanout10[:WORK_US[:OVERHEAD_US]]")
    ("rate", po::value(&o.workload.rate_per_s), "open loop: requests per second")
    ("requests,n", po::value(&o.workload.requests), "stop after this many requests (replay: default all)")
    ("duration", po::value(&o.workload.duration_s), "or stop sending after this many seconds")
    ("arrivals", po::value(&arrivals)->default_value(arrivals), "poisson, constant, replay or closed")
    ("replay", po::value(&replay), "traces whose arrival times and root APIs --arrivals replay replays")
    ("replay-speed", po::value(&o.workload.replay_speed)->default_value(1.0), "replay faster (> 1) or slower")
    ("users", po::value(&o.workload.users), "closed loop: number of users")
    ("think", po::value(&o.workload.think_time_s)->default_value(0.0), "closed loop: mean think time, seconds")
    ("warmup", po::value(&o.workload.warmup_s)->default_value(0.0), "seconds of requests left out of the results")
    ("work", po::value(&work)->default_value(work), "how services spend local work: sleep, cpu or memory")
    ("work-for", po::value(&work_for)->composing(), "SERVICE=SPEC: another work spec for one service (repeat)")
    ("seed", po::value(&o.seed)->default_value(1), "random seed (model draws and arrivals)")
    ("threads", po::value(&o.threads)->default_value(1), "worker threads per service process")
    ("concurrency", po::value(&concurrency), "requests per service at once (0 = unlimited; default: the topology's workers)")
    ("place", po::value(&place)->composing(), "A,B,...: services to run in one process (repeat)")
    ("slice-us", po::value(&o.scheduling.slice_us)->default_value(o.scheduling.slice_us),
     "scheduler slice the services ask for, µs: short slices let a waking service preempt other work (0 = the kernel's)")
    ("nice", po::value(&nice), "nice value of the services and the load generator (negative needs root)")
    ("host", po::value(&o.host)->default_value(o.host), "address the services listen on")
    ("hosts", po::value(&hosts_file), "a testbed YAML: hosts (address, launch command such as ssh, binary, workdir) "
                                      "and which services go where (see docs/design.md)")
    ("connections", po::value(&o.connections)->default_value(1), "load generator connections per root service")
    ("timeout", po::value(&o.request_timeout_s)->default_value(30.0), "seconds before a request (or a call) fails with timeout")
    ("trace-format", po::value(&o.trace_format)->default_value(o.trace_format), "spans written as jaeger or otlp JSON")
    ("no-spans", "record no spans (for the highest rates)")
    ("output,o", po::value(&o.output_dir), "results folder (required)")
    ("force", po::bool_switch(&o.force), "write into a results folder that is not empty");
  po::positional_options_description pos;
  pos.add("topology", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette emu (TOPOLOGY.yaml | --example SPEC) --rate R (--requests N | --duration S) -o DIR", desc, pos, vm)) return 0;
  if (o.output_dir.empty()) throw Error(ErrorKind::missing, "give the results folder").at_key("--output");
  if (topology_path.empty() == example.empty())
    throw Error(ErrorKind::missing, "give a topology file or --example, not both").at_key("TOPOLOGY");
  o.workload.arrivals = model::parse_arrival_process(arrivals);
  o.workload.seed = o.seed;
  o.work = emu::parse_work_kind(work);
  for (const auto& w : work_for) {
    auto parts = split(w, '=');
    if (parts.size() != 2) throw Error(ErrorKind::bad_value, "expected SERVICE=SPEC, got \"" + w + "\"").at_key("--work-for");
    o.work_per_service[parts[0]] = emu::parse_work_kind(parts[1]);
  }
  for (const auto& p : place) o.placement.push_back(split(p, ','));
  if (vm.count("concurrency")) o.concurrency = concurrency;
  if (vm.count("nice")) o.scheduling.nice = nice;
  o.call_timeout_s = o.request_timeout_s;
  o.spans = !vm.count("no-spans");
  if (!hosts_file.empty()) emu::load_hosts_file(hosts_file, o);

  const model::Topology topology = example.empty() ? model::load_topology_file(topology_path) : emu::example_topology(example);
  if (o.workload.arrivals == model::ArrivalProcess::replay) {
    if (replay.empty()) throw Error(ErrorKind::missing, "--arrivals replay needs --replay TRACES").at_key("--replay");
    o.workload.recorded = replay_from(replay, topology);
    // Replay everything recorded unless told to stop earlier.
    if (o.workload.requests == 0 && !(o.workload.duration_s > 0)) o.workload.requests = o.workload.recorded.size();
  }

  Progress bar("emu");
  emu::EmuReport r = emu::run_emulation(topology, o, [&](const std::string& stage) { bar.update(stage); });
  bar.done();
  std::cout << "emulated " << r.requests << " requests on " << r.processes << " processes in " << r.wall_s << " s: "
            << r.ok << " ok, " << r.failed << " failed; latency p50 " << human_us(r.p50_us) << ", p99 " << human_us(r.p99_us) << "\n";
  std::cout << "wrote";
  for (const auto& f : r.files) std::cout << " " << o.output_dir << "/" << f;
  std::cout << "\n";
  return 0;
}

}  // namespace

std::vector<Command> emu_commands() {
  return {{"emu", "run a topology as real service processes under a workload; latencies, summary and spans", emu}};
}

}  // namespace palette::cli
