#pragma once
// Pure model sampling: synthetic traces drawn from a topology with no queueing and no contention —
// each call takes its sampled overhead plus the callee's own sampled latency, steps add, concurrent
// calls take the max. The fast way to check a fitted model against its traces, and what
// `palette sample` writes.
//
//   ModelSampler ms(topology, seed, catalog);
//   CallTree t = ms.sample(request_id, start_us);
#include <cstdint>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/topology/sampler.hpp"

namespace palette::model {

// The latency (µs) of one invocation of `api` in `context` as its caller would see it without its
// overhead: local work plus its calls' latencies composed by its plan, recursively, with no queueing.
double sample_latency(const Sampler& sampler, ApiIndex api, const CallContext& context, uint32_t depth = 1);

class ModelSampler {
 public:
  // Interns the topology's services and operations into `catalog` (for writing the trees out).
  ModelSampler(const Topology& topology, uint64_t seed, Catalog& catalog);
  CallTree sample(uint64_t request_id, int64_t start_us);
  const Sampler& sampler() const { return sampler_; }
  uint64_t truncated_calls() const { return truncated_; }  // calls cut at the depth limit

  static constexpr uint32_t kMaxDepth = 64;

 private:
  Sampler sampler_;
  std::vector<ApiId> api_ids_;
  uint64_t truncated_ = 0;
};

}  // namespace palette::model
