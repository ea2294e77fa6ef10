#pragma once
// Placement: which host each service runs on. Three ways, as the user chooses on the command line:
//   round-robin     service i on host i mod H (the default; with the default platform, one host each);
//   packed:K        all services on the first K hosts, spread evenly (consolidation what-ifs);
//   explicit map    "frontend=node-0,search=node-1,..." or a YAML file of service: host lines; every
//                   service must be named.
//
//   PlacementSpec p = parse_placement("packed:2");
//   std::vector<uint32_t> host_of = place_services(topology, hosts, p);   // index into hosts
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

// The host index of every service (Topology::services order). Throws Error(bad_value) when a named
// service or host does not exist, a service is left out of an explicit map, or K exceeds the hosts.
std::vector<uint32_t> place_services(const model::Topology& topology, const std::vector<HostSpec>& hosts,
                                     const PlacementSpec& spec);

std::string describe_placement(const PlacementSpec& spec);  // as parse_placement reads it back

}  // namespace palette::sim
