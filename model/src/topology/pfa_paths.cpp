// Walking a Pfa: the path of an observed sequence, sampling, enumeration (declared in pfa_learning.hpp).
#include <algorithm>
#include <queue>

#include "palette/topology/pfa_learning.hpp"

namespace palette::model {

std::optional<std::vector<uint32_t>> pfa_path(const Pfa& pfa, const std::vector<uint32_t>& steps) {
  if (pfa.states.empty()) return std::nullopt;
  std::vector<uint32_t> path;
  path.reserve(steps.size() + 1);
  uint32_t q = Pfa::kStart;
  for (uint32_t s : steps) {
    const auto& out = pfa.states[q].out;
    // Learned states keep `out` sorted by step, but a hand-edited topology need not: search linearly.
    auto it = std::find_if(out.begin(), out.end(), [s](const PfaTransition& t) { return t.step == s; });
    if (it == out.end()) return std::nullopt;
    path.push_back(static_cast<uint32_t>(it - out.begin()));
    q = it->to;
  }
  if (!(pfa.states[q].finish_probability > 0)) return std::nullopt;
  path.push_back(static_cast<uint32_t>(pfa.states[q].out.size()));
  return path;
}

std::vector<uint32_t> sample_pfa_sequence(const Pfa& pfa, Rng& rng) {
  std::vector<uint32_t> steps;
  if (pfa.states.empty()) return steps;
  uint32_t q = Pfa::kStart;
  while (steps.size() < Pfa::kMaxSteps) {
    const auto choice = pfa.choose(q, kNoApiIndex, -1, rng.uniform());
    if (!choice) break;
    steps.push_back(choice->step);
    q = choice->to;
  }
  return steps;
}

std::vector<PfaSequenceProbability> enumerate_pfa_sequences(const Pfa& pfa, double min_probability,
                                                           size_t max_sequences) {
  // Best-first over prefixes. A finished sequence goes back into the queue with its final probability,
  // so it comes out only once nothing left could be more probable: output is in descending order.
  struct Item {
    double probability;
    std::vector<uint32_t> steps;
    uint32_t state;
    bool finished;
  };
  auto lower = [](const Item& a, const Item& b) {
    if (a.probability != b.probability) return a.probability < b.probability;
    if (a.steps != b.steps) return a.steps > b.steps;
    return a.finished < b.finished;
  };
  std::priority_queue<Item, std::vector<Item>, decltype(lower)> queue(lower);
  std::vector<PfaSequenceProbability> result;
  if (pfa.states.empty() || max_sequences == 0) return result;
  queue.push(Item{1.0, {}, Pfa::kStart, false});
  while (!queue.empty() && result.size() < max_sequences) {
    Item item = queue.top();
    queue.pop();
    if (item.finished) {
      result.push_back(PfaSequenceProbability{std::move(item.steps), item.probability});
      continue;
    }
    const PfaState& s = pfa.states[item.state];
    const double p_finish = item.probability * s.finish_probability;
    if (p_finish > 0 && p_finish >= min_probability) queue.push(Item{p_finish, item.steps, item.state, true});
    if (item.steps.size() >= Pfa::kMaxSteps) continue;
    for (const PfaTransition& t : s.out) {
      const double p = item.probability * t.probability;
      if (!(p > 0) || p < min_probability) continue;
      std::vector<uint32_t> steps = item.steps;
      steps.push_back(t.step);
      queue.push(Item{p, std::move(steps), t.to, false});
    }
  }
  return result;
}

}  // namespace palette::model
