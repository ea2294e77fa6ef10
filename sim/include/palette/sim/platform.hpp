#pragma once
// Platform: the machines a simulated deployment runs on — hosts (cores, per-core speed) and the network
// that joins them — as a user writes it in YAML (shipped examples in configs/platforms/). Layouts:
//   star:    every host has its own full-duplex link to one switch (a call crosses the caller's and the
//            callee's link);
//   cluster: the same, plus one shared backbone link every call between two hosts crosses.
// Calls between services on the same host use the host's loopback link. Link parameters mean what
// they say: a message of B bytes on an idle route of latency L and bandwidth W takes L + B/W (the
// SimGrid CM02 fluid model, bandwidth factor 1, no cross-traffic); concurrent messages share links
// max-min fairly. `network: constant` drops the sharing (every message takes its idle-route time):
// faster for big sweeps, and written into every summary so it is never silent.
//
//   PlatformSpec p = load_platform_file("configs/platforms/default.yaml");
//   std::vector<HostSpec> hosts = p.expand_hosts(placement_units(topology));
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace palette::sim {

enum class Layout { star, cluster };
enum class NetworkModel { cm02, constant };
const char* to_string(Layout l);
const char* to_string(NetworkModel m);

struct LinkSpec {
  double bandwidth_Bps = 1.25e9;  // bytes per second (10 Gbps)
  double latency_s = 25e-6;
  friend bool operator==(const LinkSpec&, const LinkSpec&) = default;
};

struct HostSpec {
  std::string name;
  // 1: one host called `name`; N > 1: N hosts name-0 ... name-(N-1); 0 ("auto"): one per placement
  // unit (a service's instance, or a group's; see placement.hpp).
  uint32_t count = 1;
  uint32_t cores = 4;
  double speed_flops = 1e9;     // of one core; local work is calibrated so an idle core runs it in its fitted time
  std::optional<LinkSpec> link; // this host's link to the switch; default: PlatformSpec::link
  friend bool operator==(const HostSpec&, const HostSpec&) = default;
};

struct PlatformSpec {
  Layout layout = Layout::star;
  NetworkModel network = NetworkModel::cm02;
  LinkSpec link;                                  // each host's link to the switch
  LinkSpec loopback{5e9, 5e-6};                   // within one host (40 Gbps, 5 µs)
  LinkSpec backbone{5e9, 1e-6};                   // cluster layout only
  double tcp_gamma_bytes = 4194304;               // TCP window: caps a message's rate at gamma / (2 · route latency)
  std::vector<HostSpec> hosts{HostSpec{"node", 0, 4, 1e9, std::nullopt}};

  // One entry per concrete host (count expanded, `auto` to `units`, link filled in). Throws
  // Error(bad_value) on an empty platform or duplicate host names.
  std::vector<HostSpec> expand_hosts(size_t units) const;
  void validate() const;  // throws Error(bad_value) naming the key
  friend bool operator==(const PlatformSpec&, const PlatformSpec&) = default;
};

// The built-in platform (configs/platforms/default.yaml holds the same): a star of one 4-core 1 Gf host
// per service, 10 Gbps / 25 µs links.
PlatformSpec default_platform();

// YAML: see configs/platforms/default.yaml. Unknown keys and bad values throw Error naming the file,
// line and key. Units: bandwidth "10Gbps", "1.25GBps", "100Mbps" (plain numbers are bytes/s); time
// "25us", "1ms", "0.5s" (plain numbers are seconds); speed "1Gf", "2.5Gf", "800Mf" (flops).
PlatformSpec load_platform(const std::string& yaml_text, const std::string& name_for_errors);
PlatformSpec load_platform_file(const std::string& path);

// Unit parsing, exposed for the CLI (e.g. --cores, --link-latency). Throw Error(bad_value).
double parse_bandwidth(const std::string& text);  // bytes/s
double parse_duration(const std::string& text);   // seconds
double parse_speed(const std::string& text);      // flops

}  // namespace palette::sim
