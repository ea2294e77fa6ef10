#pragma once
// Routes: which links a message between two hosts crosses and how long it takes on idle links, from
// the platform alone (no SimGrid): the simulator's closed-form transfers and live correction's
// reference both need it. Links are numbered: host i's uplink 2i and downlink 2i+1, its loopback
// 2n+i, the backbone 3n (cluster layout).
#include <cstdint>
#include <vector>

#include "palette/sim/platform.hpp"

namespace palette::sim::engine {

struct Route {
  uint32_t links[3] = {0, 0, 0};
  uint32_t n = 0;
  double latency = 0;  // seconds, the sum over the links (a pure delay in CM02)
  double rate = 0;     // bytes/s on idle links: the slowest link, capped by the TCP window (gamma / 2·latency)
};

class Routes {
 public:
  struct Link {
    double bandwidth = 0, latency = 0;
  };

  // hosts: the platform's expanded hosts.
  Routes(const PlatformSpec& platform, const std::vector<HostSpec>& hosts);

  Route route(uint32_t src, uint32_t dst) const;
  // A message of `bytes` alone on its route: latency + bytes / rate.
  double idle_time(uint32_t src, uint32_t dst, double bytes) const;
  const std::vector<Link>& links() const { return links_; }

 private:
  Layout layout_;
  double gamma_;
  uint32_t hosts_;
  std::vector<Link> links_;
};

}  // namespace palette::sim::engine
