#pragma once
// describe_topology: a topology as a person first wants to see it — a summary line, then services,
// APIs (local work, contexts, call structure), edges, roots and the per-request classes. It is what
// `palette show topology.yaml` prints; plain text, one table per section.
//
//   std::cout << describe_topology(load_topology_file("topology.yaml"));
#include <string>

#include "palette/topology/topology.hpp"

namespace palette::model {

// `topology` must be valid (Topology::validate(); load_topology checks it).
std::string describe_topology(const Topology& topology);

}  // namespace palette::model
