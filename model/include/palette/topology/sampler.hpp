#pragma once
// Sampler: the one place that turns a Topology into behaviour. Both backends (sim/, emu/) and pure
// model sampling ask it the same questions:
//   - draw_request(id): which root API a request enters by, and its latent classes;
//   - plan(api, context): at this API, in this context, which calls happen (step by step, concurrent
//     within a step), how much local work is done before, between and after them, and each call's
//     overhead and payload sizes;
//   - correct_gap(...): live correction — given the overhead the invocation has measured so far (time
//     the traced system did not spend), how much of the next local-work gap is still owed.
// Every answer is a pure function of (topology, seed, keys): draws come from a stream derived from the
// invocation's key, so the simulator and the emulator plan identical requests for the same seed.
//
//   Sampler s(topology, seed);
//   RequestDraw r = s.draw_request(42);
//   InvocationPlan p = s.plan(r.root, r.context());
//   for (size_t k = 0; k < p.steps.size(); ++k) { work(p.gaps_us[k]); call(p.steps[k].calls); }  work(p.gaps_us.back());
#include <cstdint>
#include <vector>

#include "palette/topology/rng.hpp"
#include "palette/topology/topology.hpp"

namespace palette::model {

// What travels with a call (the baggage): enough for the callee to plan in context.
struct CallContext {
  ApiIndex caller = kNoApiIndex;  // the calling API; kNoApiIndex at the root
  uint32_t latency_class = 0;
  uint32_t structure_class = 0;
  uint64_t key = 0;  // this invocation's key (request_key / child_key)
};

struct RequestDraw {
  uint64_t id = 0;
  ApiIndex root = kNoApiIndex;
  uint32_t latency_class = 0, structure_class = 0;
  uint64_t key = 0;
  CallContext context() const { return CallContext{kNoApiIndex, latency_class, structure_class, key}; }
};

struct CallPlan {
  ApiIndex callee = kNoApiIndex;
  double overhead_us = 0;  // caller-side time beyond the callee's own latency (network, client library)
  int64_t request_bytes = 0, response_bytes = 0;
  bool awaited = true;     // false: the caller does not wait for it
  double timeout_us = 0;   // give up (status timeout) after this long; 0 = never
  CallContext context;     // what to send the callee
};

struct StepPlan {
  std::vector<CallPlan> calls;  // issued together; several = concurrent
};

struct InvocationPlan {
  ApiIndex api = kNoApiIndex;
  std::vector<StepPlan> steps;
  std::vector<double> gaps_us;  // steps.size() + 1 local-work gaps: before, between..., after
  double local_work_us = 0;     // the sum of gaps_us
  int32_t pattern = -1;         // the observed pattern this path matches, or -1
  bool inject_error = false;    // answer with an error after the work (ApiModel::error_rate)
};

class Sampler {
 public:
  // The topology must outlive the sampler. Throws Error if it has no roots.
  Sampler(const Topology& topology, uint64_t seed);

  RequestDraw draw_request(uint64_t request_id) const;
  // A request entering by a given root API (replay of a recorded mix).
  RequestDraw draw_request(uint64_t request_id, ApiIndex root) const;
  InvocationPlan plan(ApiIndex api, const CallContext& context) const;

  // The composed latency of a completed step from per-call latencies (same order as step.calls): the
  // max for a concurrent step, the latency itself for a single call, each weighted by the caller's λ
  // for that callee; calls that were not awaited contribute nothing.
  double compose_step(ApiIndex api, const StepPlan& step, const std::vector<double>& latencies_us) const;

  // Live correction: how long to make local-work gap `gap` of `plan`. The backend measures
  // `overhead_us`, the time this invocation has lost so far to things the traced system did not do:
  //     elapsed − (actual durations of the gaps run so far) − Σ_steps compose_step(expected latencies)
  // where a call's expected latency is the callee's own (server-side) time plus the planned overhead —
  // so queueing and CPU contention, which the model must show, are never absorbed; only the runtime's
  // per-hop and scheduling costs are. `absorbed_us` is how much earlier gaps already gave up. The
  // gap shrinks by the rest (never below zero); what it cannot absorb is returned in *unabsorbed_us.
  double correct_gap(const InvocationPlan& plan, size_t gap, double overhead_us, double absorbed_us,
                     double* unabsorbed_us) const;

  const Topology& topology() const { return topology_; }
  uint64_t seed() const { return seed_; }

 private:
  const Topology& topology_;
  uint64_t seed_;
  std::vector<double> root_cdf_;
  std::vector<std::vector<size_t>> adjusted_edges_;  // per API: outgoing edges with keep/add set
};

}  // namespace palette::model
