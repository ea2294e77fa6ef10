#pragma once
// Placement: which host each instance of each service runs on. What is placed are units: one per
// instance (replica r of a service, ServiceModel::replicas), except that services sharing a `group`
// (one process, as downscaling co-locates them) share their units — replica r of every service of a
// group is one unit. Three ways, as the user chooses on the command line:
//   round-robin     unit i on host i mod H (the default; with the default platform, one host each);
//   packed:K        all units on the first K hosts, in contiguous even blocks (consolidation what-ifs);
//   explicit map    "frontend=node-0,search=node-1,..." or a YAML file of service: host lines; every
//                   service must be named, and all its replicas go to that host.
//
//   PlacementSpec p = parse_placement("packed:2");
//   Placement where = place_services(topology, hosts, p);   // where.host[service][replica]
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "palette/sim/platform.hpp"
#include "palette/topology/topology.hpp"

namespace palette::sim {

enum class PlacementMode { round_robin, packed, explicit_map };

struct PlacementSpec {
  PlacementMode mode = PlacementMode::round_robin;
  uint32_t packed_hosts = 1;                  // packed:K
  std::map<std::string, std::string> hosts;   // explicit: service name -> host name
};

// "round-robin", "packed:K", "svc=host,svc=host", or the path of a YAML file mapping service to host.
// Throws Error(bad_value / io / malformed).
PlacementSpec parse_placement(const std::string& text);

struct Placement {
  std::vector<std::vector<uint32_t>> host;  // [service][replica]: index into the expanded hosts
  size_t units = 0;
};

// How many units the topology places (what `count: auto` hosts are sized to).
size_t placement_units(const model::Topology& topology);

// Throws Error(bad_value) when a named service or host does not exist, a service is left out of an
// explicit map, or K exceeds the hosts.
Placement place_services(const model::Topology& topology, const std::vector<HostSpec>& hosts, const PlacementSpec& spec);

std::string describe_placement(const PlacementSpec& spec);  // as parse_placement reads it back

}  // namespace palette::sim
