#pragma once
// The latency model of one API (its graphical causal model, Palette §3): the API's latency is its own
// local work C plus the latency of its calls, composed by the structure the PFA chose — sequential
// steps add, the calls of a concurrent step take the max, a choice takes one branch:
//
//     T = C + Σ_steps λ_d · a_d          (a concurrent step contributes λ·max over its calls)
//
// λ_d (per callee d) is fitted by non-negative least squares on the traced invocations; C is the
// residual, kept as an empirical distribution per *context*: the calling API and the call pattern the
// invocation followed (an invocation that makes an extra fan-out does more work), backing off to
// coarser contexts when a context has little data. Within a context, draws are coupled across one
// request by its latency class (a per-request latent variable: real requests are slow together):
// C = F⁻¹(Φ(z)), z ~ N(mean_k, stddev_k) for the request's class k. How C is laid out in time — before
// the first step, between steps, after the last — follows the pattern's observed gap fractions.
//
// The same machinery (Distribution + contexts + classes) models call overhead and payload sizes
// per edge (topology.hpp).
#include <cstdint>
#include <vector>

#include "palette/topology/distribution.hpp"
#include "palette/topology/pfa.hpp"

namespace palette::model {

// A class's position in normal-score space: z ~ N(mean, stddev).
struct LatentParams {
  double mean = 0, stddev = 1;
  friend bool operator==(const LatentParams&, const LatentParams&) = default;
};

// An observed sequence of steps (indices into Pfa::steps), with how local work was spread around it.
struct Pattern {
  std::vector<uint32_t> steps;
  uint64_t count = 0;
  std::vector<double> gap_fractions;  // steps.size() + 1 shares of C: before, between..., after
};

// Local work in one context. caller / pattern = kNoApiIndex / -1 mean "any".
struct WorkContext {
  ApiIndex caller = kNoApiIndex;
  int32_t pattern = -1;
  Distribution work_us;
  std::vector<LatentParams> classes;  // one per latency class; empty: independent draws
};

struct Dependency {
  ApiIndex callee = kNoApiIndex;
  double lambda = 1;     // how much of the callee's latency shows in this API's latency
  bool awaited = true;   // false: fire-and-forget (the caller does not wait; λ < 1/2)
  uint64_t calls = 0;
};

struct Gcm {
  std::vector<Dependency> dependencies;  // sorted by callee
  std::vector<Pattern> patterns;
  std::vector<WorkContext> work;         // sorted by (caller, pattern); holds the (any, any) context
  uint64_t min_context_count = 30;       // contexts with fewer invocations back off

  // The context to draw from: (caller, pattern), else (caller, any), else (any, pattern), else (any, any).
  const WorkContext& work_context(ApiIndex caller, int32_t pattern) const;
  const Dependency* dependency(ApiIndex callee) const;
  // The pattern index of a step sequence, or -1 if it was never observed.
  int32_t find_pattern(const std::vector<uint32_t>& steps) const;
};

}  // namespace palette::model
