#pragma once
// Downscaling a topology to fit a testbed, two ways:
//  - prune to at most N services: services are removed one at a time, each folded into its callers
//    (remove_api with absorb: the callers' local work takes on the removed subtree's latency, context by
//    context and latency class by class, so the end-to-end latency distribution is kept). Which one
//    goes first: leaf services (they call nobody) before inner ones, so the depth of the call graph is
//    kept as long as possible, and among those the one with the least *time share*: the mean time
//    a request spends in it (invocations per request × (mean local work + mean call overhead into it)).
//    Root services are never pruned.
//  - co-locate onto K hosts/processes: the API graph is kept; services get a `group` (host1..hostK),
//    balancing CPU load (the heaviest first onto the least loaded group; a tie goes to the group it
//    exchanges most calls with).
//
//   DownscaleReport r = prune_services(t, 3, seed);     DownscaleReport g = colocate_services(t, 2);
#include <cstdint>
#include <string>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::model {

struct DownscaleReport {
  std::vector<std::string> actions;  // one line per removal or grouping, in order
  size_t services_before = 0, services_after = 0;
  size_t apis_before = 0, apis_after = 0;
  uint32_t depth_before = 0, depth_after = 0;  // longest call chain, in APIs
};

// Throws Error(bad_value) when N is below the number of root services.
DownscaleReport prune_services(Topology& t, size_t max_services, uint64_t seed);
// Throws Error(bad_value) when K is 0.
DownscaleReport colocate_services(Topology& t, size_t hosts);

// The mean time a request spends in each service (µs): invocations per request × (mean local work +
// mean overhead of calls into it). The pruning criterion; also shown by `palette downscale`.
std::vector<double> service_time_share(const Topology& t);
uint32_t call_depth(const Topology& t);

}  // namespace palette::model
