#pragma once
// Resources: the hosts' CPUs and the network, as SimGrid models them, behind two calls — compute()
// and send() — whose end is reported as a Continuation pushed on the simulator's EventQueue.
//
// Why not hand every burst and message to SimGrid: each SimGrid activity costs microseconds of
// bookkeeping (activity objects, max-min system, engine rounds), several per service visit, while most
// uses of a resource are uncontended and their end is known in closed form. So:
//   - CPU (SimGrid Cas01: a host of c cores shares its capacity equally among its bursts, each at most
//     one core): while a host runs fewer than c bursts, a new burst runs at full speed and ends at
//     now + work; it is a queued event. When a burst arrives at a host whose cores are all busy, the
//     host's running bursts move into SimGrid with the work they have left, and the host stays in
//     SimGrid until its last SimGrid burst ends. Exact: below c bursts nobody slows anybody down.
//   - Network (CM02 fluid model): a message first pays its route latency (a pure delay in CM02, here
//     a queued event), then moves its bytes at the max-min fair share of its route's links, capped by
//     the TCP window (gamma / 2·latency). A transfer alone on its links ends at bytes / rate in closed
//     form; when a transfer starts on a link that carries another, the transfers involved move into
//     SimGrid with their remaining bytes (SimGrid's links carry bandwidth only; latency is paid before).
//     Differences from SimGrid's own CM02: flows share with equal weights (CM02 weights them by route
//     latency, which only matters when routes' latencies differ), and no ACK cross-traffic.
// With fast_path off every burst and transfer goes through SimGrid: the reference the fast path is
// tested against (identical ends up to rounding).
//
// SimGrid's engine is advanced only while it has activities (advance()); its completion callbacks
// queue continuations and stop the engine at once, so the EventQueue stays the one clock.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/event_queue.hpp"
#include "palette/sim/platform.hpp"

namespace palette::sim::engine {

// Event kinds below this belong to Resources; the engine's own start here.
inline constexpr uint32_t kFirstEngineKind = 16;

struct ResourceStats {
  uint64_t bursts = 0, bursts_in_simgrid = 0;        // CPU bursts started; of them, run (partly) by SimGrid
  uint64_t transfers = 0, transfers_in_simgrid = 0;  // messages with bytes; of them, shared in SimGrid
  uint64_t messages = 0;
  uint64_t simgrid_completions = 0, simgrid_advances = 0;
  std::vector<double> busy_core_s;  // per host: CPU work done, in core-seconds
};

class Resources {
 public:
  struct Options {
    bool fast_path = true;
  };

  // Builds the SimGrid platform (SimGrid allows this once per process). hosts: expanded.
  Resources(const PlatformSpec& platform, const std::vector<HostSpec>& hosts, EventQueue& queue, Options options);
  ~Resources();
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;

  // CPU work that an idle core of `host` runs in `seconds`; `done` is queued when it ends.
  void compute(uint32_t host, double now, double seconds, Continuation done);
  // A message of `bytes` from src to dst, after `delay` seconds of caller-side time: delay + route
  // latency, then the bytes at the route's share. `done` is queued when the last byte arrives.
  void send(uint32_t src, uint32_t dst, double now, double delay, double bytes, Continuation done);

  // An event of the resources' own kinds: returns true and sets *out when a continuation is due now.
  bool handle(const Event& e, double now, Continuation* out);

  // True while SimGrid has activities in flight.
  bool busy() const;
  // Runs SimGrid until time t (seconds; infinity: until its next completion) or until one of its
  // activities completes (its continuation is then queued, at SimGrid's clock <= t). Returns true
  // in the latter case. Call only when busy().
  bool advance(double t);

  // Idle-route time of a message (latency + bytes / capped bandwidth), for reports and tests.
  double idle_message_time(uint32_t src, uint32_t dst, double bytes) const;

  const ResourceStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::sim::engine
