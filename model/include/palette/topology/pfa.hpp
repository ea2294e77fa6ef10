#pragma once
// Pfa: the call structure of one API as a probabilistic finite automaton. An invocation is a sequence
// of steps; a step is a set of calls issued together (concurrent when it holds several, `B||C`), and
// steps follow one another in time. Walking the automaton from START, each state offers its outgoing
// transitions (each labelled with the step it executes) and FINISH, with probabilities that sum to one.
// Learned from traces as a prefix-tree acceptor coarsened by ALERGIA-style state merging
// (pfa_learning.hpp), so loops (retries, pagination), repeated calls and choices survive.
//
// Transition probabilities may depend on context: the calling API, and the request's structure class
// (a per-request latent variable that keeps choices of one request's nodes consistent). Each context
// with enough data has its own probabilities; others back off to the state's base probabilities.
//
//   const Pfa& pfa = topology.apis[a].pfa;
//   uint32_t state = Pfa::kStart;  while (auto t = pfa.choose(state, ctx, rng.uniform())) { run(pfa.steps[t->step]); state = t->to; }
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace palette::model {

using ApiIndex = uint32_t;  // index into Topology::apis
inline constexpr ApiIndex kNoApiIndex = 0xFFFFFFFFu;

struct Step {
  std::vector<ApiIndex> calls;  // sorted; several = concurrent; the same API may appear twice
  friend bool operator==(const Step&, const Step&) = default;
  friend auto operator<=>(const Step&, const Step&) = default;
};

struct PfaTransition {
  uint32_t step = 0;   // index into Pfa::steps
  uint32_t to = 0;     // next state
  double probability = 0;
  uint64_t count = 0;  // invocations that took it when learned
};

// Transition probabilities of one state in one context, aligned with PfaState::out, then FINISH.
struct PfaContext {
  ApiIndex caller = kNoApiIndex;   // kNoApiIndex: any caller
  int32_t structure_class = -1;    // -1: any class
  std::vector<double> probabilities;  // size out.size() + 1 (last = finish)
  uint64_t count = 0;
};

struct PfaState {
  std::vector<PfaTransition> out;
  double finish_probability = 0;
  uint64_t count = 0;  // invocations that passed through
  std::vector<PfaContext> contexts;  // sorted by (caller, structure_class)
};

struct PfaChoice {
  uint32_t step, to;
};

class Pfa {
 public:
  static constexpr uint32_t kStart = 0;

  std::vector<Step> steps;
  std::vector<PfaState> states;  // states[0] is START

  // The next transition from `state` given a uniform draw u in [0,1); nullopt means FINISH. Uses the
  // most specific context with probabilities (caller and class, then class, then caller, then base).
  std::optional<PfaChoice> choose(uint32_t state, ApiIndex caller, int32_t structure_class, double u) const;
  // Probability of a transition index (or out.size() for FINISH) in that context.
  double probability(uint32_t state, size_t transition, ApiIndex caller, int32_t structure_class) const;

  // Every state's probabilities sum to 1 (within 1e-9) and point to valid states and steps.
  // Throws palette::Error(bad_value) naming the state otherwise.
  void validate(const std::string& where) const;

  // The most likely path's length bound, to stop runaway loops: walks stop after this many steps.
  static constexpr uint32_t kMaxSteps = 10000;
};

}  // namespace palette::model
