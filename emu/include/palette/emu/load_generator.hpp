#pragma once
// LoadGenerator: sends the workload's requests to the root services of a running emulation and
// measures each one. The request sequence (ids, root APIs, latent classes, arrival times) comes from
// the model's ArrivalSchedule, the same one the simulator reads, so both backends serve the same
// requests for the same seed. Open loop (Poisson, constant, replay): a request is sent at its intended
// time whatever happened to earlier ones, and its latency runs from that intended time to the answer
// — a generator that falls behind cannot hide the queueing it caused (no coordinated omission, as in
// wrk2). Closed loop: each user sends, waits for the answer, thinks, and sends again.
//
//   LoadGenerator g(topology, sampler, workload, {{"frontend", endpoint}});
//   LoadResult r = g.run();     // blocks until every request is answered, failed or timed out
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "palette/emu/endpoint.hpp"
#include "palette/emu/log.hpp"
#include "palette/emu/scheduling.hpp"
#include "palette/ids.hpp"
#include "palette/results/run_results.hpp"
#include "palette/workload/workload.hpp"

namespace palette::emu {

struct LoadOptions {
  Endpoints endpoints;                        // where the root APIs' services listen (all replicas)
  double timeout_s = 30;                      // a request not answered by then is a `timeout`
  uint32_t connections = 1;                   // per root service, used round-robin
  double abort_grace_s = 2;                   // after abort(), how long requests in flight may still finish
  Scheduling scheduling;                      // of the calling thread while run() runs (then restored)
  LogFn log;
};

struct LoadResult {
  std::vector<model::RequestResult> requests;  // by request id; warm-up requests included (flagged)
  std::vector<double> excess_us;               // per request: runtime overhead live correction could not absorb
  double wall_s = 0;                           // from the first intended send to the last answer
  double max_send_lag_us = 0;                  // how far behind its schedule the generator fell at worst
  uint64_t unanswered = 0;                     // still in flight when an abort's grace ran out (recorded as errors)
  bool aborted = false;
};

class LoadGenerator {
 public:
  // The topology and sampler must outlive the generator. Throws Error for a workload that does not
  // validate or a root service without an endpoint.
  LoadGenerator(const model::Topology& topology, const model::Sampler& sampler, model::WorkloadSpec workload,
                LoadOptions options);
  ~LoadGenerator();

  // Runs the workload on the calling thread and returns when it is done (or aborted).
  LoadResult run();
  // Thread-safe, async-signal-unsafe: stop sending; requests in flight get abort_grace_s to finish.
  void abort();

  // The trace id of a request: the one pure model sampling gives the same request id and seed.
  static Id128 trace_id(uint64_t seed, uint64_t request_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::emu
