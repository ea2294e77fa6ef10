#pragma once
// Capacity: what a topology fitted at one load does not know — the cores and workers of the traced
// deployment — and what the simulator can do about it:
//   estimate_load()    the CPU each host and the workers each service must supply at a rate, from the
//                      model alone (no queueing). simulate() refuses open-loop rates that need more
//                      than a host's cores or a service's workers: such queues grow without end, and
//                      so would the simulation's cost.
//   infer_capacity()   what the traces themselves say: how many invocations of each service ran at
//                      once, and whether calls waited longer to start when their service was busy (the
//                      sign of a worker limit). Cores cannot be read from spans.
//   calibrate_cpu_share()  from the traces of a second load level: the share of local work and call
//                      overhead that is CPU work on the given platform (the rest waits without a core),
//                      chosen so the simulation at that level's rate matches its latencies (least KS).
//
//   LoadEstimate e = estimate_load(topology, setup);          // e.max_utilisation, e.bottleneck
//   Calibration c = calibrate_cpu_share(topology, setup, 100.0, load100_latencies_us, {});
//   setup.options.cpu_fraction = setup.options.overhead_cpu_fraction = c.share;
#include <cstdint>
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"
#include "palette/sim/simulation.hpp"

namespace palette::sim {

struct LoadEstimate {
  double rate_per_s = 0;
  std::vector<double> host_utilisation;     // per expanded host: CPU demand / cores
  std::vector<double> service_occupancy;    // per service: busy workers / workers (0 when unbounded)
  double max_utilisation = 0;               // the largest of both
  std::string bottleneck;                   // "host node-2" or "service search (workers)"
};

// The open-loop rate of the setup's workload (replay: the recording's rate times its speed); 0 for a
// closed loop. Samples `samples` requests of the model with the run's seed.
LoadEstimate estimate_load(const model::Topology& topology, const SimSetup& setup, uint32_t samples = 2000);

struct ServiceCapacity {
  std::string service;
  uint32_t peak_concurrency = 0;      // most invocations seen running at once (in the kept traces)
  double mean_concurrency = 0;        // time-average while the traces ran, scaled to all requests
  bool queueing_evidence = false;     // calls started later when the service was at its peak
  uint32_t inferred_workers = 0;      // 0: no limit seen
};

struct CapacityInference {
  double sampling_probability = 1;    // of the traces; < 1 hides concurrency (peaks are lower bounds)
  std::vector<ServiceCapacity> services;  // Topology::services order
  std::string note;                   // what could not be inferred, in a sentence
};

CapacityInference infer_capacity(const ingest::TraceSet& traces, const model::Topology& topology);
// The inference applied: inferred worker limits into options.workers (cores stay the platform's).
void apply_inferred_capacity(const CapacityInference& inference, SimSetup& setup);

struct CalibrationOptions {
  uint64_t requests = 10000;  // per trial simulation
  double coarse_step = 0.05;  // grid over [0, 1], then refined around the best
  double fine_step = 0.01;
};

struct CalibrationTrial {
  double share = 0;
  bool overloaded = false;  // refused: needs more than the platform has
  double ks = 1, p50_rel_err = 0, p99_rel_err = 0;
};

struct Calibration {
  double share = 0;  // the best CPU share (cpu_fraction = overhead_cpu_fraction)
  double ks = 1, p50_rel_err = 0, p99_rel_err = 0;
  std::vector<CalibrationTrial> trials;  // in the order they ran
};

// Simulates `setup` (its platform, placement, workers) at rate_per_s with trial shares and returns
// the one whose root latencies are closest (KS) to `target_latencies_us`. Throws Error(bad_value)
// for an empty target and when every share overloads the platform.
Calibration calibrate_cpu_share(const model::Topology& topology, const SimSetup& setup, double rate_per_s,
                                const std::vector<double>& target_latencies_us, const CalibrationOptions& options = {});

}  // namespace palette::sim
