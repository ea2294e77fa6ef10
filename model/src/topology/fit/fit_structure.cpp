#include <algorithm>
#include <map>
#include <numeric>

#include "latent_classes.hpp"
#include "palette/topology/pfa_learning.hpp"
#include "stages.hpp"

namespace palette::model::fit {
namespace {

std::vector<uint32_t> steps_of(const Records& r, const InvocationRecord& inv) {
  return std::vector<uint32_t>(r.step_ids.begin() + inv.first_step, r.step_ids.begin() + inv.first_step + inv.step_count);
}

// Transition probabilities (out..., finish) smoothed toward `base` with `prior` pseudo-counts.
std::vector<double> smoothed(const std::vector<double>& counts, const std::vector<double>& base, double prior) {
  double n = std::accumulate(counts.begin(), counts.end(), 0.0);
  std::vector<double> p(counts.size());
  for (size_t k = 0; k < p.size(); ++k) p[k] = (counts[k] + prior * base[k]) / (n + prior);
  // Exact sum to one: the last entry takes the rounding.
  double s = std::accumulate(p.begin(), p.end() - 1, 0.0);
  p.back() = std::max(0.0, 1.0 - s);
  return p;
}

// Exact sum to one (Pfa::validate checks to 1e-9): the last entry takes the rounding.
std::vector<double> normalized(std::vector<double> p) {
  double s = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= s;
  double head = std::accumulate(p.begin(), p.end() - 1, 0.0);
  p.back() = std::max(0.0, 1.0 - head);
  return p;
}

std::vector<double> base_probabilities(const PfaState& s) {
  std::vector<double> p;
  for (const auto& t : s.out) p.push_back(t.probability);
  p.push_back(s.finish_probability);
  return p;
}

}  // namespace

void fit_structure(Records& r, Topology& t, const FitOptions& o, FitReport& report) {
  const bool conditioned = o.conditioning == Conditioning::caller;
  const size_t apis = t.apis.size();
  // Distinct sequences per API, learned into a PFA; each invocation's path through it.
  std::vector<std::map<std::vector<uint32_t>, uint64_t>> seqs(apis);
  for (const auto& inv : r.invocations) ++seqs[inv.api][steps_of(r, inv)];
  std::vector<std::map<std::vector<uint32_t>, std::vector<uint32_t>>> paths(apis);
  for (size_t a = 0; a < apis; ++a) {
    std::vector<ObservedSequence> ws;
    for (const auto& [s, n] : seqs[a]) ws.push_back(ObservedSequence{s, n});
    PfaLearningOptions lo;
    lo.alpha = o.alergia_alpha;
    t.apis[a].pfa = learn_pfa(r.alphabets[a].steps, ws, lo);
    for (const auto& [s, n] : seqs[a]) {
      auto p = pfa_path(t.apis[a].pfa, s);
      paths[a][s] = p ? *p : std::vector<uint32_t>{};
    }
    report.pfa_states += t.apis[a].pfa.states.size();
    // Patterns: the step sequences frequent enough to condition local work on.
    Gcm& gcm = t.apis[a].gcm;
    gcm.min_context_count = o.min_context_count;
    if (conditioned)
      for (const auto& [s, n] : seqs[a])
        if (n >= o.min_context_count) gcm.patterns.push_back(Pattern{s, n, {}});
    report.patterns += gcm.patterns.size();
  }
  // Each invocation's pattern, and the average layout of local work around the steps per pattern.
  std::vector<std::vector<std::vector<double>>> gap_sums(apis);
  std::vector<std::vector<double>> gap_weights(apis);
  for (size_t a = 0; a < apis; ++a) {
    for (const auto& p : t.apis[a].gcm.patterns) gap_sums[a].emplace_back(p.steps.size() + 1, 0.0);
    gap_weights[a].assign(t.apis[a].gcm.patterns.size(), 0.0);
  }
  for (auto& inv : r.invocations) {
    const Gcm& gcm = t.apis[inv.api].gcm;
    if (gcm.patterns.empty()) continue;
    inv.pattern = gcm.find_pattern(steps_of(r, inv));
    if (inv.pattern < 0 || !inv.timed || inv.local_us <= 0) continue;
    auto& sums = gap_sums[inv.api][static_cast<size_t>(inv.pattern)];
    for (size_t g = 0; g < sums.size(); ++g) sums[g] += r.gaps[inv.first_gap + g] / inv.local_us;
    gap_weights[inv.api][static_cast<size_t>(inv.pattern)] += 1;
  }
  for (size_t a = 0; a < apis; ++a)
    for (size_t p = 0; p < t.apis[a].gcm.patterns.size(); ++p) {
      auto& fr = t.apis[a].gcm.patterns[p].gap_fractions;
      fr = gap_sums[a][p];
      double w = gap_weights[a][p];
      for (double& x : fr) x = w > 0 ? x / w : 1.0 / static_cast<double>(fr.size());
      double s = std::accumulate(fr.begin(), fr.end(), 0.0);
      for (double& x : fr) x = s > 0 ? x / s : 1.0 / static_cast<double>(fr.size());
    }
  if (!conditioned) return;

  // Choice slots: (API, state) pairs with more than one option.
  std::map<std::pair<ApiIndex, uint32_t>, uint32_t> slot_of;
  std::vector<std::pair<ApiIndex, uint32_t>> slots;
  std::vector<std::vector<double>> base;
  for (size_t a = 0; a < apis; ++a)
    for (uint32_t q = 0; q < t.apis[a].pfa.states.size(); ++q)
      if (t.apis[a].pfa.states[q].out.size() + (t.apis[a].pfa.states[q].finish_probability > 0 ? 1 : 0) > 1) {
        slot_of[{static_cast<ApiIndex>(a), q}] = static_cast<uint32_t>(slots.size());
        slots.emplace_back(static_cast<ApiIndex>(a), q);
        base.push_back(base_probabilities(t.apis[a].pfa.states[q]));
      }
  if (slots.empty()) return;
  // Per request: every choice its invocations made at those slots; per invocation: its choices.
  std::vector<std::vector<ChoiceObservation>> obs(r.requests.size());
  struct InvChoice {
    uint32_t slot, option;
    ApiIndex caller;
    uint32_t request;
  };
  std::vector<InvChoice> choices;
  for (const auto& inv : r.invocations) {
    const auto& path = paths[inv.api][steps_of(r, inv)];
    const Pfa& pfa = t.apis[inv.api].pfa;
    uint32_t q = Pfa::kStart;
    for (uint32_t option : path) {
      auto it = slot_of.find({inv.api, q});
      if (it != slot_of.end()) {
        obs[inv.request].push_back(ChoiceObservation{it->second, option});
        choices.push_back(InvChoice{it->second, option, inv.caller, inv.request});
      }
      if (option >= pfa.states[q].out.size()) break;
      q = pfa.states[q].out[option].to;
    }
  }
  const uint32_t S = std::max(1u, o.structure_classes);
  std::vector<std::vector<ChoiceObservation>> sample;
  for (size_t i : spread_sample(obs.size(), o.em_max_requests)) sample.push_back(obs[i]);
  StructureClassFit sc = fit_structure_classes(sample, base, S, o.em_iterations);
  sc.responsibilities = structure_responsibilities(sc, obs);
  report.structure_em_loglik = sc.loglik;
  t.structure_class_weights = sc.weights;
  // Contexts per slot: by class (from EM), by caller, and by caller and class (soft counts).
  const double prior = 2.0;
  const auto min_n = static_cast<double>(o.min_context_count);
  std::vector<std::map<ApiIndex, std::vector<double>>> by_caller(slots.size());
  std::vector<std::map<std::pair<ApiIndex, uint32_t>, std::vector<double>>> by_caller_class(slots.size());
  std::vector<std::vector<double>> class_counts(slots.size(), std::vector<double>(S, 0.0));
  for (const auto& c : choices) {
    auto& v = by_caller[c.slot][c.caller];
    if (v.empty()) v.assign(base[c.slot].size(), 0.0);
    v[c.option] += 1;
    for (uint32_t s = 0; s < S; ++s) {
      double w = sc.responsibilities[c.request][s];
      class_counts[c.slot][s] += w;
      if (S < 2 || w < 1e-6) continue;
      auto& u = by_caller_class[c.slot][{c.caller, s}];
      if (u.empty()) u.assign(base[c.slot].size(), 0.0);
      u[c.option] += w;
    }
  }
  for (size_t k = 0; k < slots.size(); ++k) {
    PfaState& st = t.apis[slots[k].first].pfa.states[slots[k].second];
    std::map<std::pair<ApiIndex, int32_t>, PfaContext> ctx;
    std::map<ApiIndex, std::vector<double>> caller_probs;
    for (const auto& [caller, counts] : by_caller[k]) {
      double n = std::accumulate(counts.begin(), counts.end(), 0.0);
      if (n < min_n || caller == kNoApiIndex) continue;
      caller_probs[caller] = smoothed(counts, base[k], prior);
      ctx[{caller, -1}] = PfaContext{caller, -1, caller_probs[caller], static_cast<uint64_t>(n)};
    }
    if (S > 1) {
      for (uint32_t s = 0; s < S; ++s)
        if (class_counts[k][s] >= 1.0)
          ctx[{kNoApiIndex, static_cast<int32_t>(s)}] =
              PfaContext{kNoApiIndex, static_cast<int32_t>(s), normalized(sc.probabilities[k][s]),
                         static_cast<uint64_t>(class_counts[k][s] + 0.5)};
      for (const auto& [key, counts] : by_caller_class[k]) {
        double n = std::accumulate(counts.begin(), counts.end(), 0.0);
        auto cp = caller_probs.find(key.first);
        if (n < min_n || cp == caller_probs.end()) continue;
        ctx[{key.first, static_cast<int32_t>(key.second)}] =
            PfaContext{key.first, static_cast<int32_t>(key.second), smoothed(counts, cp->second, prior),
                       static_cast<uint64_t>(n + 0.5)};
      }
    }
    for (auto& [key, c] : ctx) st.contexts.push_back(std::move(c));
    report.contexts += st.contexts.size();
  }
}

}  // namespace palette::model::fit
