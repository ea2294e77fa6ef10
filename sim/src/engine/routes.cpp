#include "engine/routes.hpp"

#include <algorithm>
#include <limits>

namespace palette::sim::engine {

Routes::Routes(const PlatformSpec& platform, const std::vector<HostSpec>& hosts)
    : layout_(platform.layout), gamma_(platform.tcp_gamma_bytes), hosts_(static_cast<uint32_t>(hosts.size())) {
  const uint32_t n = hosts_;
  links_.resize(3 * n + 1);
  for (uint32_t i = 0; i < n; ++i) {
    const LinkSpec& l = hosts[i].link ? *hosts[i].link : platform.link;
    links_[2 * i] = Link{l.bandwidth_Bps, l.latency_s};
    links_[2 * i + 1] = Link{l.bandwidth_Bps, l.latency_s};
    links_[2 * n + i] = Link{platform.loopback.bandwidth_Bps, platform.loopback.latency_s};
  }
  links_[3 * n] = Link{platform.backbone.bandwidth_Bps, platform.backbone.latency_s};
}

Route Routes::route(uint32_t src, uint32_t dst) const {
  Route r;
  const uint32_t n = hosts_;
  if (src == dst) {
    r.links[0] = 2 * n + src;
    r.n = 1;
  } else if (layout_ == Layout::star) {
    r.links[0] = 2 * src;
    r.links[1] = 2 * dst + 1;
    r.n = 2;
  } else {
    r.links[0] = 2 * src;
    r.links[1] = 3 * n;
    r.links[2] = 2 * dst + 1;
    r.n = 3;
  }
  double bw = std::numeric_limits<double>::infinity();
  for (uint32_t k = 0; k < r.n; ++k) {
    r.latency += links_[r.links[k]].latency;
    bw = std::min(bw, links_[r.links[k]].bandwidth);
  }
  // CM02's TCP window: a flow cannot go faster than gamma per round trip.
  r.rate = r.latency > 0 ? std::min(bw, gamma_ / (2 * r.latency)) : bw;
  return r;
}

double Routes::idle_time(uint32_t src, uint32_t dst, double bytes) const {
  const Route r = route(src, dst);
  return r.latency + (bytes > 0 ? bytes / r.rate : 0.0);
}

}  // namespace palette::sim::engine
