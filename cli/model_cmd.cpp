// palette show: look at a topology.yaml — load it (which checks it) and print its summary.
#include <iostream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/topology/describe.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::cli {
namespace {

int show(const Args& args) {
  std::string path;
  po::options_description desc("palette show");
  desc.add_options()("topology", po::value(&path), "the topology.yaml to show");
  po::positional_options_description pos;
  pos.add("topology", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette show TOPOLOGY.yaml", desc, pos, vm)) return 0;
  if (path.empty()) throw Error(ErrorKind::missing, "give the topology file to show").at_key("TOPOLOGY");
  std::cout << model::describe_topology(model::load_topology_file(path));
  return 0;
}

}  // namespace

std::vector<Command> model_commands() {
  return {
      {"show", "check a topology.yaml and summarise it: services, APIs, edges, roots, classes", show},
  };
}

}  // namespace palette::cli
