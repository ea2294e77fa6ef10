#include "palette/topology/model_sampling.hpp"

#include <cmath>

namespace palette::model {
namespace {

struct Built {
  CallNode node;
  std::vector<uint32_t> kids;
};

}  // namespace

double sample_latency(const Sampler& sampler, ApiIndex api, const CallContext& context, uint32_t depth) {
  InvocationPlan plan = sampler.plan(api, context);
  double total = plan.gaps_us[0];
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    double step = 0;
    for (const CallPlan& call : plan.steps[k].calls) {
      if (!call.awaited || depth >= ModelSampler::kMaxDepth) continue;
      step = std::max(step, call.overhead_us + sample_latency(sampler, call.callee, call.context, depth + 1));
    }
    total += step + plan.gaps_us[k + 1];
  }
  return total;
}

ModelSampler::ModelSampler(const Topology& topology, uint64_t seed, Catalog& catalog) : sampler_(topology, seed) {
  for (const auto& api : topology.apis)
    api_ids_.push_back(catalog.intern_api(catalog.names.intern(topology.services[api.service].name),
                                          catalog.names.intern(api.operation)));
}

CallTree ModelSampler::sample(uint64_t request_id, int64_t start_us) {
  RequestDraw req = sampler_.draw_request(request_id);
  std::vector<Built> built;
  // Depth-first: a node's duration needs its children's, so recurse (bounded by kMaxDepth).
  auto run = [&](auto&& self, ApiIndex api, const CallContext& ctx, double start, uint32_t depth) -> uint32_t {
    InvocationPlan plan = sampler_.plan(api, ctx);
    auto me = static_cast<uint32_t>(built.size());
    built.emplace_back();
    built[me].node.api = api_ids_[api];
    built[me].node.kind = depth == 1 ? NodeKind::root : NodeKind::rpc;
    double cursor = start + plan.gaps_us[0];
    for (size_t k = 0; k < plan.steps.size(); ++k) {
      double step_end = cursor;
      for (const CallPlan& call : plan.steps[k].calls) {
        if (depth >= kMaxDepth) {
          ++truncated_;
          continue;
        }
        double callee_start = cursor + call.overhead_us / 2;
        uint32_t child = self(self, call.callee, call.context, callee_start, depth + 1);
        CallNode& cn = built[child].node;
        double latency = call.overhead_us + static_cast<double>(cn.duration_us);
        cn.caller_start_us = std::llround(cursor);
        cn.caller_duration_us = std::llround(latency);
        cn.request_bytes = call.request_bytes;
        cn.response_bytes = call.response_bytes;
        built[me].kids.push_back(child);
        if (call.awaited) step_end = std::max(step_end, cursor + latency);
      }
      cursor = step_end + plan.gaps_us[k + 1];
    }
    built[me].node.start_us = std::llround(start);
    built[me].node.duration_us = std::llround(cursor - start);
    return me;
  };
  run(run, req.root, req.context(), static_cast<double>(start_us), 1);

  // Breadth-first layout, as normalization produces.
  CallTree tree;
  Rng idr = Rng::for_key(sampler_.seed(), request_key(request_id) ^ 0x7EA7EA7EULL);
  tree.trace_id = Id128{idr.next() | 1, idr.next()};
  std::vector<uint32_t> queue, index;
  layout_breadth_first(
      built.size(), [&](uint32_t i) { return built[i].node; },
      [&](uint32_t i) -> const std::vector<uint32_t>& { return built[i].kids; }, tree.nodes, queue, index);
  tree.span_count = static_cast<uint32_t>(2 * tree.nodes.size() - 1);
  tree.max_span_depth = 2 * tree.max_depth() - 1;
  return tree;
}

}  // namespace palette::model
