#include "palette/topology/pfa.hpp"

#include <cmath>

#include "palette/error.hpp"

namespace palette::model {
namespace {

// The most specific context of a state: (caller, class), then (any, class), then (caller, any).
const PfaContext* find_context(const PfaState& s, ApiIndex caller, int32_t cls) {
  const PfaContext *by_class = nullptr, *by_caller = nullptr;
  for (const auto& c : s.contexts) {
    if (c.caller == caller && c.structure_class == cls && caller != kNoApiIndex && cls >= 0) return &c;
    if (c.caller == kNoApiIndex && c.structure_class == cls && cls >= 0) by_class = &c;
    if (c.caller == caller && c.structure_class < 0 && caller != kNoApiIndex) by_caller = &c;
  }
  return by_class ? by_class : by_caller;
}

}  // namespace

double Pfa::probability(uint32_t state, size_t transition, ApiIndex caller, int32_t structure_class) const {
  const PfaState& s = states[state];
  if (const PfaContext* c = find_context(s, caller, structure_class)) return c->probabilities[transition];
  return transition < s.out.size() ? s.out[transition].probability : s.finish_probability;
}

std::optional<PfaChoice> Pfa::choose(uint32_t state, ApiIndex caller, int32_t structure_class, double u) const {
  const PfaState& s = states[state];
  const PfaContext* c = find_context(s, caller, structure_class);
  double acc = 0;
  for (size_t k = 0; k < s.out.size(); ++k) {
    acc += c ? c->probabilities[k] : s.out[k].probability;
    if (u < acc) return PfaChoice{s.out[k].step, s.out[k].to};
  }
  return std::nullopt;  // FINISH (also absorbs rounding when u is just below 1)
}

void Pfa::validate(const std::string& where) const {
  if (states.empty()) throw Error(ErrorKind::bad_value, "has no states (needs at least START)").at_key(where);
  for (size_t i = 0; i < states.size(); ++i) {
    const PfaState& s = states[i];
    std::string key = where + ".states[" + std::to_string(i) + "]";
    double sum = s.finish_probability;
    for (const auto& t : s.out) {
      if (t.step >= steps.size()) throw Error(ErrorKind::bad_value, "transition to unknown step " + std::to_string(t.step)).at_key(key);
      if (t.to >= states.size()) throw Error(ErrorKind::bad_value, "transition to unknown state " + std::to_string(t.to)).at_key(key);
      if (!(t.probability >= 0)) throw Error(ErrorKind::bad_value, "negative transition probability").at_key(key);
      sum += t.probability;
    }
    if (std::fabs(sum - 1.0) > 1e-9)
      throw Error(ErrorKind::bad_value, "outgoing probabilities sum to " + std::to_string(sum) + ", not 1").at_key(key);
    for (const auto& c : s.contexts) {
      if (c.probabilities.size() != s.out.size() + 1)
        throw Error(ErrorKind::bad_value, "a context needs one probability per transition plus finish").at_key(key);
      double cs = 0;
      for (double p : c.probabilities) cs += p;
      if (std::fabs(cs - 1.0) > 1e-9)
        throw Error(ErrorKind::bad_value, "context probabilities sum to " + std::to_string(cs) + ", not 1").at_key(key);
    }
  }
}

}  // namespace palette::model
