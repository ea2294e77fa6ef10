#include "palette/topology/sampler.hpp"

#include <algorithm>
#include <cmath>

#include "palette/error.hpp"

namespace palette::model {
namespace {

// One draw from a distribution, coupled to the request's latency class when the context has classes.
double draw(const Distribution& d, const std::vector<LatentParams>& classes, uint32_t cls, Rng& rng) {
  double u;
  if (cls < classes.size()) {
    const LatentParams& p = classes[cls];
    u = normal_cdf(p.mean + p.stddev * rng.normal());
  } else {
    u = rng.uniform();
  }
  return d.quantile(u);
}

size_t pick(const std::vector<double>& weights, double u) {
  double acc = 0;
  for (size_t k = 0; k < weights.size(); ++k) {
    acc += weights[k];
    if (u < acc) return k;
  }
  return weights.empty() ? 0 : weights.size() - 1;
}

}  // namespace

Sampler::Sampler(const Topology& topology, uint64_t seed) : topology_(topology), seed_(seed) {
  if (topology.roots.empty()) throw Error(ErrorKind::bad_value, "the topology has no root API to send requests to").at_key("roots");
  double acc = 0;
  for (const auto& r : topology.roots) root_cdf_.push_back(acc += r.share);
}

RequestDraw Sampler::draw_request(uint64_t request_id) const {
  Rng rng = Rng::for_key(seed_, request_key(request_id) ^ 0xA5A5A5A5ULL);
  double u = rng.uniform() * root_cdf_.back();
  size_t k = static_cast<size_t>(std::upper_bound(root_cdf_.begin(), root_cdf_.end(), u) - root_cdf_.begin());
  return draw_request(request_id, topology_.roots[std::min(k, root_cdf_.size() - 1)].api);
}

RequestDraw Sampler::draw_request(uint64_t request_id, ApiIndex root) const {
  Rng rng = Rng::for_key(seed_, request_key(request_id) ^ 0x5A5A5A5AULL);
  RequestDraw r;
  r.id = request_id;
  r.root = root;
  r.latency_class = static_cast<uint32_t>(pick(topology_.latency_class_weights, rng.uniform()));
  r.structure_class = static_cast<uint32_t>(pick(topology_.structure_class_weights, rng.uniform()));
  r.key = request_key(request_id);
  return r;
}

InvocationPlan Sampler::plan(ApiIndex api, const CallContext& ctx) const {
  const ApiModel& m = topology_.apis.at(api);
  Rng rng = Rng::for_key(seed_, ctx.key);
  InvocationPlan p;
  p.api = api;
  const ApiIndex caller = ctx.caller;
  const int32_t cls = topology_.structure_class_weights.size() > 1 ? static_cast<int32_t>(ctx.structure_class) : -1;
  std::vector<uint32_t> steps;
  uint32_t state = Pfa::kStart;
  while (steps.size() < Pfa::kMaxSteps) {
    auto choice = m.pfa.choose(state, caller, cls, rng.uniform());
    if (!choice) break;
    steps.push_back(choice->step);
    state = choice->to;
  }
  p.pattern = m.gcm.patterns.empty() ? -1 : m.gcm.find_pattern(steps);
  const WorkContext& w = m.gcm.work_context(caller, p.pattern);
  p.local_work_us = draw(w.work_us, w.classes, ctx.latency_class, rng);
  // Lay the local work out around the steps as this pattern did in the traces (evenly otherwise).
  p.gaps_us.assign(steps.size() + 1, 0.0);
  if (p.pattern >= 0) {
    const auto& fr = m.gcm.patterns[static_cast<size_t>(p.pattern)].gap_fractions;
    for (size_t g = 0; g < p.gaps_us.size() && g < fr.size(); ++g) p.gaps_us[g] = p.local_work_us * fr[g];
  } else {
    for (double& g : p.gaps_us) g = p.local_work_us / static_cast<double>(p.gaps_us.size());
  }
  p.steps.resize(steps.size());
  for (size_t k = 0; k < steps.size(); ++k) {
    const Step& step = m.pfa.steps[steps[k]];
    for (size_t j = 0; j < step.calls.size(); ++j) {
      CallPlan call;
      call.callee = step.calls[j];
      if (const Edge* e = topology_.edge(api, call.callee)) {
        call.overhead_us = draw(e->overhead_us, e->overhead_classes, ctx.latency_class, rng);
        if (!e->request_bytes.empty()) call.request_bytes = std::llround(e->request_bytes.quantile(rng.uniform()));
        if (!e->response_bytes.empty()) call.response_bytes = std::llround(e->response_bytes.quantile(rng.uniform()));
      }
      if (const Dependency* d = m.gcm.dependency(call.callee)) call.awaited = d->awaited;
      call.context = CallContext{api, ctx.latency_class, ctx.structure_class,
                                 child_key(ctx.key, static_cast<uint32_t>(k), static_cast<uint32_t>(j))};
      p.steps[k].calls.push_back(call);
    }
  }
  return p;
}

double Sampler::compose_step(ApiIndex api, const StepPlan& step, const std::vector<double>& latencies_us) const {
  const Gcm& gcm = topology_.apis.at(api).gcm;
  double composed = 0;
  for (size_t j = 0; j < step.calls.size() && j < latencies_us.size(); ++j) {
    if (!step.calls[j].awaited) continue;
    const Dependency* d = gcm.dependency(step.calls[j].callee);
    composed = std::max(composed, (d ? d->lambda : 1.0) * latencies_us[j]);
  }
  return composed;
}

double Sampler::correct_gap(const InvocationPlan& plan, size_t gap, double overhead_us, double absorbed_us,
                            double* unabsorbed_us) const {
  const double planned = gap < plan.gaps_us.size() ? plan.gaps_us[gap] : 0.0;
  const double owed = std::max(0.0, overhead_us - absorbed_us);
  if (unabsorbed_us) *unabsorbed_us = std::max(0.0, owed - planned);
  return std::max(0.0, planned - owed);
}

}  // namespace palette::model
