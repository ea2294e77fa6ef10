// palette advise: which API or service to speed up, by simulation.
#include <iostream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/experiment/advise.hpp"
#include "palette/json_writer.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::cli {
namespace {

int advise(const Args& args) {
  std::string input, platform, placement = "round-robin";
  experiment::AdviceOptions o;
  double rate = 0;
  uint64_t requests = 3000, seed = 1;
  bool json = false;
  po::options_description desc("palette advise");
  desc.add_options()
    ("topology", po::value(&input), "topology.yaml")
    ("rate", po::value(&rate), "arrival rate (requests/s; default: the traced rate)")
    ("requests,n", po::value(&requests)->default_value(requests), "requests per simulation")
    ("platform", po::value(&platform), "platform YAML (default: the built-in one)")
    ("placement", po::value(&placement)->default_value(placement), "round-robin, packed:K, or a file")
    ("max-targets", po::value(&o.max_targets)->default_value(o.max_targets), "simulate at most this many APIs/services")
    ("seed", po::value(&seed)->default_value(seed), "random seed")
    ("json", po::bool_switch(&json), "one JSON object on stdout");
  po::positional_options_description pos;
  pos.add("topology", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette advise topology.yaml [--rate R] [--requests N]", desc, pos, vm)) return 0;
  if (input.empty()) throw Error(ErrorKind::missing, "give the topology file").at_key("topology");
  model::Topology t = model::load_topology_file(input);
  if (!platform.empty()) o.setup.platform = sim::load_platform_file(platform);
  o.setup.placement = sim::parse_placement(placement);
  o.setup.workload.rate_per_s = rate;
  o.setup.workload.requests = requests;
  o.setup.workload.seed = seed;
  o.setup.options.seed = seed;
  Progress bar("advising");
  experiment::Advice a = experiment::advise(t, o, [&](const std::string& s) { bar.update(s); });
  bar.done();
  if (!json) {
    std::cout << experiment::advice_text(a);
    return 0;
  }
  JsonWriter w(std::cout, true);
  w.begin_object();
  w.key("rate_per_s").value(a.rate_per_s).key("requests").value(a.requests);
  w.key("baseline_p50_us").value(a.baseline_p50_us).key("baseline_p99_us").value(a.baseline_p99_us);
  w.key("rows").begin_array();
  for (const auto& r : a.rows) {
    w.begin_object();
    w.key("target").value(r.target).key("service").value(r.service).key("critical_share").value(r.critical_share);
    w.key("p50_halved_us").value(r.p50_halved_us).key("p99_halved_us").value(r.p99_halved_us);
    w.key("p50_removed_us").value(r.p50_removed_us).key("p99_removed_us").value(r.p99_removed_us);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  std::cout << "\n";
  return 0;
}

}  // namespace

std::vector<Command> advise_commands() {
  return {{"advise", "which API or service to speed up: simulated p50/p99 gains, critical-path shares", advise}};
}

}  // namespace palette::cli
