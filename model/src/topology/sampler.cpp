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
  adjusted_edges_.resize(topology.apis.size());
  for (size_t e = 0; e < topology.edges.size(); ++e) {
    const Edge& edge = topology.edges[e];
    if (edge.keep_probability < 1 || edge.add_probability > 0) adjusted_edges_[edge.caller].push_back(e);
  }
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
  std::vector<double> gaps(steps.size() + 1, 0.0);
  if (p.pattern >= 0) {
    const auto& fr = m.gcm.patterns[static_cast<size_t>(p.pattern)].gap_fractions;
    for (size_t g = 0; g < gaps.size() && g < fr.size(); ++g) gaps[g] = p.local_work_us * fr[g];
  } else {
    for (double& g : gaps) g = p.local_work_us / static_cast<double>(gaps.size());
  }
  p.inject_error = m.error_rate > 0 && rng.uniform() < m.error_rate;
  // Interventions on calls: per invocation, drop all calls to a callee, or add one at the end.
  std::vector<std::vector<ApiIndex>> calls(steps.size());
  for (size_t k = 0; k < steps.size(); ++k) calls[k] = m.pfa.steps[steps[k]].calls;
  for (size_t e : adjusted_edges_[api]) {
    const Edge& edge = topology_.edges[e];
    double u = rng.uniform();
    bool present = false;
    for (auto& c : calls) present = present || std::find(c.begin(), c.end(), edge.callee) != c.end();
    if (present && u >= edge.keep_probability) {
      for (auto& c : calls) c.erase(std::remove(c.begin(), c.end(), edge.callee), c.end());
    } else if (!present && u < edge.add_probability) {
      calls.push_back({edge.callee});
      double last = gaps.back();  // the added call splits the last gap
      gaps.back() = last / 2;
      gaps.push_back(last / 2);
    }
  }
  // Steps left without calls (removed callees, dropped calls) vanish; their gaps merge.
  p.gaps_us.push_back(gaps[0]);
  for (size_t k = 0; k < calls.size(); ++k) {
    if (calls[k].empty()) {
      p.gaps_us.back() += gaps[k + 1];
      continue;
    }
    StepPlan step;
    for (size_t j = 0; j < calls[k].size(); ++j) {
      CallPlan call;
      call.callee = calls[k][j];
      if (const Edge* e = topology_.edge(api, call.callee)) {
        call.overhead_us = draw(e->overhead_us, e->overhead_classes, ctx.latency_class, rng);
        if (!e->request_bytes.empty()) call.request_bytes = std::llround(e->request_bytes.quantile(rng.uniform()));
        if (!e->response_bytes.empty()) call.response_bytes = std::llround(e->response_bytes.quantile(rng.uniform()));
        call.timeout_us = e->timeout_us;
      }
      if (const Dependency* d = m.gcm.dependency(call.callee)) call.awaited = d->awaited;
      call.context = CallContext{api, ctx.latency_class, ctx.structure_class,
                                 child_key(ctx.key, static_cast<uint32_t>(k), static_cast<uint32_t>(j))};
      step.calls.push_back(call);
    }
    p.steps.push_back(std::move(step));
    p.gaps_us.push_back(gaps[k + 1]);
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
