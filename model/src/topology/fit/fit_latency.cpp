#include <algorithm>
#include <cmath>
#include <map>

#include "latent_classes.hpp"
#include "nnls.hpp"
#include "palette/topology/rng.hpp"
#include "stages.hpp"

namespace palette::model::fit {
namespace {

// The normal score of x within a distribution, kept off the extremes (ties and the grid's tails).
double normal_score(const Distribution& d, double x) {
  double u = std::clamp(d.cdf(x), 0.0005, 0.9995);
  return normal_quantile(u);
}

// λ per callee of one API: regress the time the API spent not in its own gaps on what each callee
// contributed (the critical call of each step), non-negatively.
void fit_lambdas(const Records& r, const std::vector<uint32_t>& invocations, ApiModel& api) {
  std::map<ApiIndex, Eigen::Index> column;
  std::map<ApiIndex, std::pair<uint64_t, uint64_t>> awaited;  // callee -> (calls, async calls)
  for (uint32_t i : invocations) {
    const InvocationRecord& inv = r.invocations[i];
    for (uint32_t c = 0; c < inv.call_count; ++c) {
      const CallRecord& call = r.calls[inv.first_call + c];
      column.emplace(call.callee, 0);
      auto& a = awaited[call.callee];
      ++a.first;
      if (call.async) ++a.second;
    }
  }
  Eigen::Index n = 0;
  for (auto& [callee, col] : column) col = n++;
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd atb = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd x(n);
  for (uint32_t i : invocations) {
    const InvocationRecord& inv = r.invocations[i];
    if (!inv.timed || inv.call_count == 0) continue;
    x.setZero();
    uint32_t call = inv.first_call;
    for (uint32_t s = 0; s < inv.step_count; ++s) {
      uint32_t k = r.step_call_counts[inv.first_step + s];
      uint32_t critical = call;
      for (uint32_t j = call; j < call + k; ++j)
        if (r.calls[j].latency_us > r.calls[critical].latency_us) critical = j;
      x(column[r.calls[critical].callee]) += r.calls[critical].latency_us;
      call += k;
    }
    double y = inv.duration_us - inv.local_us;
    gram.noalias() += x * x.transpose();
    atb.noalias() += x * y;
  }
  Eigen::VectorXd lambda = n > 0 ? nnls_normal(gram, atb) : Eigen::VectorXd();
  for (const auto& [callee, col] : column) {
    Dependency d;
    d.callee = callee;
    // A callee that never decided a step's length leaves its column empty: no evidence, λ = 1.
    d.lambda = gram(col, col) > 0 ? lambda(col) : 1.0;
    const auto& [calls, async] = awaited[callee];
    d.calls = calls;
    d.awaited = 2 * async <= calls;
    api.gcm.dependencies.push_back(d);
  }
}

}  // namespace

void fit_latency(const Records& r, Topology& t, const FitOptions& o, FitReport& report) {
  const bool conditioned = o.conditioning == Conditioning::caller;
  const size_t apis = t.apis.size();
  std::vector<std::vector<uint32_t>> of_api(apis);
  for (uint32_t i = 0; i < r.invocations.size(); ++i) of_api[r.invocations[i].api].push_back(i);

  // Local work per context.
  for (size_t a = 0; a < apis; ++a) {
    ApiModel& api = t.apis[a];
    fit_lambdas(r, of_api[a], api);
    // Contexts in the sampler's back-off order — (caller, pattern), (caller, any), (any, pattern),
    // (any, any) — each fitted on exactly the invocations that order sends to it: a (caller, any)
    // context serves the caller's invocations whose pattern has no context of its own, so it must not
    // learn from the others (an API that calls nothing in 20% of its invocations does less work then).
    std::vector<const InvocationRecord*> left;
    for (uint32_t i : of_api[a])
      if (r.invocations[i].timed) left.push_back(&r.invocations[i]);
    std::vector<double> all;
    for (const auto* inv : left) all.push_back(inv->local_us);
    auto add = [&](ApiIndex caller, int32_t pattern, std::vector<double> xs) {
      WorkContext w;
      w.caller = caller;
      w.pattern = pattern;
      w.work_us = xs.empty() ? Distribution::constant(0) : Distribution::from_samples(std::move(xs));
      api.gcm.work.push_back(std::move(w));
    };
    // One level: group what is left by `key`; keep groups with enough data; the rest stays left.
    auto level = [&](auto key, bool applies(const InvocationRecord*)) {
      std::map<std::pair<ApiIndex, int32_t>, std::vector<const InvocationRecord*>> groups;
      std::vector<const InvocationRecord*> rest;
      for (const auto* inv : left) (applies(inv) ? groups[key(inv)] : rest).push_back(inv);
      for (auto& [k, members] : groups) {
        if (members.size() < o.min_context_count) {
          rest.insert(rest.end(), members.begin(), members.end());
          continue;
        }
        std::vector<double> xs;
        for (const auto* inv : members) xs.push_back(inv->local_us);
        add(k.first, k.second, std::move(xs));
      }
      left = std::move(rest);
    };
    if (conditioned) {
      level([](const InvocationRecord* i) { return std::make_pair(i->caller, i->pattern); },
            [](const InvocationRecord* i) { return i->caller != kNoApiIndex && i->pattern >= 0; });
      level([](const InvocationRecord* i) { return std::make_pair(i->caller, int32_t{-1}); },
            [](const InvocationRecord* i) { return i->caller != kNoApiIndex; });
      level([](const InvocationRecord* i) { return std::make_pair(kNoApiIndex, i->pattern); },
            [](const InvocationRecord* i) { return i->pattern >= 0; });
    }
    // (any, any) serves the rest; with too little of it, it stands for everything the API did
    // (it is also what an unseen caller or pattern falls back to).
    std::vector<double> rest;
    for (const auto* inv : left) rest.push_back(inv->local_us);
    add(kNoApiIndex, -1, rest.size() >= o.min_context_count ? std::move(rest) : std::move(all));
    std::sort(api.gcm.work.begin(), api.gcm.work.end(), [](const WorkContext& x, const WorkContext& y) {
      return std::make_pair(x.caller, x.pattern) < std::make_pair(y.caller, y.pattern);
    });
    report.contexts += api.gcm.work.size();
  }
  const uint32_t K = conditioned ? std::max(1u, o.latency_classes) : 1u;
  if (K == 1) {
    t.latency_class_weights = {1.0};
    return;
  }
  // Normal scores: local work within the context the sampler will draw from; overhead within its edge.
  // Groups: APIs first, then edges.
  // Groups: each work context of each API (the context its draws come from), then each edge.
  std::vector<uint32_t> first_group(apis + 1, 0);
  for (size_t a = 0; a < apis; ++a) first_group[a + 1] = first_group[a] + static_cast<uint32_t>(t.apis[a].gcm.work.size());
  const uint32_t edge_base = first_group[apis];
  std::vector<std::vector<ScoreObservation>> obs(r.requests.size());
  for (const auto& inv : r.invocations) {
    if (!inv.timed) continue;
    const WorkContext& w = t.apis[inv.api].gcm.work_context(inv.caller, inv.pattern);
    auto group = first_group[inv.api] + static_cast<uint32_t>(&w - t.apis[inv.api].gcm.work.data());
    obs[inv.request].push_back(ScoreObservation{group, normal_score(w.work_us, inv.local_us)});
    for (uint32_t c = 0; c < inv.call_count; ++c) {
      const CallRecord& call = r.calls[inv.first_call + c];
      const Edge* e = t.edge(inv.api, call.callee);
      auto g = edge_base + static_cast<uint32_t>(e - t.edges.data());
      obs[inv.request].push_back(ScoreObservation{g, normal_score(e->overhead_us, call.overhead_us)});
    }
  }
  auto groups = static_cast<uint32_t>(edge_base + t.edges.size());
  std::vector<std::vector<ScoreObservation>> sample;
  for (size_t i : spread_sample(obs.size(), o.em_max_requests)) sample.push_back(std::move(obs[i]));
  LatencyClassFit lc = fit_latency_classes(sample, groups, K, o.em_iterations);
  report.latency_em_loglik = lc.loglik;
  t.latency_class_weights = lc.weights;
  for (size_t a = 0; a < apis; ++a)
    for (size_t w = 0; w < t.apis[a].gcm.work.size(); ++w) t.apis[a].gcm.work[w].classes = lc.params[first_group[a] + w];
  for (size_t e = 0; e < t.edges.size(); ++e) t.edges[e].overhead_classes = lc.params[edge_base + e];
}

}  // namespace palette::model::fit
