// Placeholder learner: the prefix-tree acceptor without merging (replaced by the ALERGIA learner).
#include "palette/topology/pfa_learning.hpp"

#include <map>

namespace palette::model {

Pfa learn_pfa(const std::vector<Step>& alphabet, const std::vector<WeightedSequence>& sequences, const PfaLearnOptions&) {
  Pfa pfa;
  pfa.steps = alphabet;
  pfa.states.emplace_back();
  std::vector<std::map<uint32_t, uint32_t>> next(1);
  std::vector<uint64_t> finish(1, 0);
  for (const auto& seq : sequences) {
    uint32_t q = 0;
    pfa.states[q].count += seq.weight;
    for (uint32_t s : seq.steps) {
      auto it = next[q].find(s);
      uint32_t to;
      if (it == next[q].end()) {
        to = static_cast<uint32_t>(pfa.states.size());
        pfa.states.emplace_back();
        next.emplace_back();
        finish.push_back(0);
        next[q].emplace(s, to);
        pfa.states[q].out.push_back(PfaTransition{s, to, 0, 0});
      } else {
        to = it->second;
      }
      for (auto& t : pfa.states[q].out)
        if (t.step == s) t.count += seq.weight;
      q = to;
      pfa.states[q].count += seq.weight;
    }
    finish[q] += seq.weight;
  }
  for (size_t q = 0; q < pfa.states.size(); ++q) {
    auto& st = pfa.states[q];
    double total = static_cast<double>(st.count);
    double acc = 0;
    for (auto& t : st.out) {
      t.probability = total > 0 ? static_cast<double>(t.count) / total : 0;
      acc += t.probability;
    }
    st.finish_probability = total > 0 ? 1.0 - acc : 1.0;
  }
  return pfa;
}

std::optional<std::vector<uint32_t>> pfa_path(const Pfa& pfa, const std::vector<uint32_t>& steps) {
  std::vector<uint32_t> path;
  uint32_t q = 0;
  for (uint32_t s : steps) {
    const auto& out = pfa.states[q].out;
    uint32_t k = 0;
    while (k < out.size() && out[k].step != s) ++k;
    if (k == out.size()) return std::nullopt;
    path.push_back(k);
    q = out[k].to;
  }
  path.push_back(static_cast<uint32_t>(pfa.states[q].out.size()));
  return path;
}

}  // namespace palette::model
