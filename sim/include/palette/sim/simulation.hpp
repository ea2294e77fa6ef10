#pragma once
// Simulation: runs a Topology on a Platform as a discrete-event simulation (SimGrid's CPU and network
// models), with real queueing — every service serves at most `workers` requests at once (the rest
// wait in FIFO order) and shares its host's cores with the services placed beside it. Each API
// invocation asks the shared model Sampler for its plan (calls step by step, local work around them,
// per-call overhead and payload sizes) and runs it: local work as CPU bursts calibrated so an idle
// core takes the fitted time (or as plain waits, `work = sleep`), each call as a request message, the
// callee's invocation, and a response message, with the planned call overhead split between them.
// Live correction (Sampler::correct_gap) takes the network time the plan already counted in its call
// overhead (the idle message time of the reference deployment) back out of the caller's later local
// work; queueing, CPU contention and link sharing are never absorbed.
//
// Outputs (when output_dir is set): latencies.csv and summary.json (model::RunResults, the same
// shape the emulator writes), and spans.json — the simulated requests as Jaeger (or OTLP) traces that
// palette can ingest again. Same topology, setup and seed ⇒ byte-identical files.
//
// SimGrid allows one engine per process, so by default each simulation runs in a child process
// (fork) that streams its progress and result back; `isolate = false` runs it in this process (once).
//
//   SimSetup s;  s.workload.rate_per_s = 100;  s.workload.requests = 100000;  s.options.output_dir = "out";
//   SimResult r = simulate(topology, s, [](const SimProgress& p) { ... });
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "palette/results/run_results.hpp"
#include "palette/sim/placement.hpp"
#include "palette/sim/platform.hpp"
#include "palette/topology/topology.hpp"
#include "palette/workload/workload.hpp"

namespace palette::sim {

enum class WorkMode { cpu, sleep };
const char* to_string(WorkMode m);

struct SimOptions {
  uint64_t seed = 1;                   // the Sampler's seed (workload.seed drives arrivals)
  WorkMode work = WorkMode::cpu;       // sleep: local work waits without taking a core (no CPU contention)
  double cpu_fraction = 1.0;           // share of each local-work gap that is CPU work; the rest is a wait
  // Share of each call's planned overhead that is CPU work (serialisation, client library) on the
  // sending host — half at the caller before the request, half at the callee before the response;
  // the rest is a wait. 0: the overhead takes no core (as the traced network and client stack did
  // not run on the simulated hosts). Calibration may raise it: then overhead grows with contention.
  double overhead_cpu_fraction = 0.0;
  bool correction = true;              // live correction of local work (see above)
  // The deployment the traces came from, for live correction: the planned call overhead holds the
  // network of *that* deployment, so what correction takes back out of the caller's later work is the
  // idle time of the call's two messages there. Unset: this run's own platform and placement. Set it
  // to the baseline when a run changes links or placement, so the change shows in full (faster or
  // slower); contention beyond idle links always shows.
  struct NetworkReference {
    PlatformSpec platform;
    PlacementSpec placement;
  };
  std::optional<NetworkReference> network_reference;
  bool fast_path = true;               // closed-form uncontended resource uses (exact); off: all through SimGrid
  std::map<std::string, uint32_t> workers;  // per-service worker limits, over the topology's (0 = unbounded)
  int64_t spans = 0;                   // spans written: -1 all, 0 none, N the first N reported requests
  std::string span_format = "jaeger";  // or "otlp"
  std::string output_dir;              // "" = no files
  bool keep_requests = false;          // return every reported request in SimResult::requests
  bool isolate = true;                 // run in a child process
  // An open-loop rate that needs more than a host's cores or a service's workers (estimate_load in
  // capacity.hpp) is refused: its queues, and the simulation's cost, would grow without end.
  bool allow_overload = false;
  uint64_t max_in_flight = 200000;     // requests in flight at once before the run stops with an error
  double progress_interval_s = 0.25;   // wall seconds between progress reports
};

struct SimSetup {
  PlatformSpec platform = default_platform();
  PlacementSpec placement;
  model::WorkloadSpec workload;
  SimOptions options;
};

struct SimProgress {
  uint64_t issued = 0, completed = 0;
  uint64_t expected = 0;  // requests the workload will send, 0 if it is bounded by time
  double sim_time_s = 0, wall_s = 0;
};
using SimProgressFn = std::function<void(const SimProgress&)>;

struct HostUsage {
  std::string name;
  uint32_t cores = 0;
  double utilisation = 0;  // CPU work done / (cores · simulated time)
  std::vector<std::string> services;
};

struct SimStats {
  uint64_t requests = 0;         // reported (after warm-up)
  uint64_t failed_requests = 0;  // of them, answered with an error or a timeout (not in the quantiles)
  uint64_t warmup_requests = 0;
  uint64_t visits = 0;           // API invocations simulated (all requests)
  uint64_t truncated_calls = 0;  // calls cut at the depth limit
  uint64_t events = 0;           // events handled: queued ones and SimGrid completions
  double sim_time_s = 0;         // simulated time at the end (last response)
  double wall_s = 0, cpu_s = 0;  // of the simulation loop alone (no set-up, no output)
  uint64_t peak_rss_bytes = 0;
  double mean_latency_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0;  // of the ok requests
  double network_overhead_us = 0;    // per visit, mean: network time the plan already held (correction takes it back)
  double unabsorbed_overhead_us = 0; // per visit, mean: of it, what live correction could not take back
  double queue_wait_us = 0;          // per visit, mean: time waiting for a worker
  uint64_t bursts = 0, bursts_in_simgrid = 0, transfers = 0, transfers_in_simgrid = 0;
  uint64_t simgrid_rounds = 0;   // times SimGrid's engine was run (each one of its scheduling rounds or more)
  std::vector<HostUsage> hosts;
};

struct SimResult {
  SimStats stats;
  std::vector<model::RequestResult> requests;  // reported requests, when keep_requests
};

// Throws Error for a bad setup (unknown service in placement or workers, empty platform, ...), for
// output it cannot write, and Error(internal) when the simulation process fails.
SimResult simulate(const model::Topology& topology, const SimSetup& setup, const SimProgressFn& progress = {});

}  // namespace palette::sim
