// palette downscale: make a topology fit a smaller testbed.
#include <iostream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/topology/downscale.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::cli {
namespace {

int downscale(const Args& args) {
  std::string input, output;
  size_t max_services = 0, hosts = 0;
  uint64_t seed = 1;
  bool force = false;
  po::options_description desc("palette downscale");
  desc.add_options()
    ("topology", po::value(&input), "topology.yaml")
    ("max-services", po::value(&max_services), "prune to at most N services, folding each removed one into its callers")
    ("hosts", po::value(&hosts), "co-locate the services onto K hosts/processes (keeps the API graph)")
    ("seed", po::value(&seed)->default_value(seed), "random seed for folding")
    ("output,o", po::value(&output), "topology file to write (required)")
    ("force", po::bool_switch(&force), "overwrite the output file");
  po::positional_options_description pos;
  pos.add("topology", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette downscale topology.yaml (--max-services N | --hosts K) -o small.yaml", desc, pos, vm)) return 0;
  if (input.empty()) throw Error(ErrorKind::missing, "give the topology file").at_key("topology");
  if (output.empty()) throw Error(ErrorKind::missing, "give the file to write").at_key("--output");
  if ((max_services > 0) == (hosts > 0))
    throw Error(ErrorKind::bad_value, "give exactly one of --max-services N and --hosts K (both > 0)").at_key("--max-services");
  model::Topology t = model::load_topology_file(input);
  auto out = open_output(output, force);
  model::DownscaleReport r = max_services ? model::prune_services(t, max_services, seed) : model::colocate_services(t, hosts);
  model::save_topology(t, *out);
  finish_output(*out, output);
  for (const auto& a : r.actions) std::cout << a << "\n";
  std::cout << "services " << r.services_before << " -> " << r.services_after << ", APIs " << r.apis_before << " -> "
            << r.apis_after << ", call depth " << r.depth_before << " -> " << r.depth_after << "; wrote " << output << "\n";
  return 0;
}

}  // namespace

std::vector<Command> downscale_commands() {
  return {{"downscale", "shrink a topology to fit a testbed: prune services or co-locate them", downscale}};
}

}  // namespace palette::cli
