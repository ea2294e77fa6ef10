#pragma once
// Learning the call structure (Pfa) of one API from its observed invocations, each a sequence of steps
// (ids into an alphabet of Steps), with a count. A prefix-tree acceptor (PTA) of the sequences is
// coarsened by ALERGIA state merging (Carrasco & Oncina 1994) in the red-blue framework:
//
//   * Order. START is red. Each round takes the blue state (a non-red child of a red state; always the
//     root of a tree) with the largest count, ties by shortlex order of its PTA prefix, so the decisions
//     with the most evidence come first and the rarest states meet the state cap last.
//   * Test. Two states are compatible when, for FINISH and for every step, their relative frequencies
//     f1/n1 and f2/n2 differ by at most sqrt(ln(2/a) / 2) * (1/sqrt(n1) + 1/sqrt(n2)) (Hoeffding),
//     and recursively so are their successors on every step both have. Pairs where either side was seen
//     fewer than `min_count` times are not tested (they pass). a = alpha when the blue state's tree
//     holds at most 10 frequencies to test (FINISH and each step, at each node seen min_count times);
//     with T > 10 of them a = alpha * 10 / T (Bonferroni), or else big subtrees of equivalent states
//     fail somewhere by chance and loops unroll into copies as the data grow. Larger alpha = a tighter
//     bound = fewer merges = more states; at alpha = 2 a small test merges only identical frequencies.
//   * Merge. The blue state is merged into the compatible red state whose next-step distribution is
//     nearest (L1, FINISH included; ties: the earlier red), by redirecting its parent's transition and
//     folding its tree in (counts add up; steps the red state lacks hang the blue's subtrees on it).
//     That is how loops appear: folding B·B·B... into the state reached by B gives a self-loop.
//   * Rare states. A blue state seen fewer than `min_count` times is not tested and never becomes red:
//     it is folded into the nearest red state. So rare paths join the common structure instead of each
//     growing its own chain, and the PFA still accepts them.
//   * Cap. A testable blue state compatible with no red one becomes red, unless there are already
//     `max_states` red states: then it too is folded into the nearest red state.
//
// The result is independent of the order of the input (the PTA is renumbered canonically) and its
// states are numbered breadth-first from START over transitions sorted by step id. Probabilities are
// the counts normalised per state, so every state's transitions and FINISH sum to 1 and every training
// sequence is accepted. Cost: O(total sequence length) to build the PTA, then a few tests per PTA state
// against at most `max_states` red states — learn on distinct sequences with counts.
//
//   std::vector<ObservedSequence> seqs = {{{0}, 400}, {{1, 1}, 150}, {{1}, 350}, {{2}, 100}};
//   Pfa pfa = learn_pfa(steps, seqs);
//   auto path = pfa_path(pfa, {1, 1});  // transition indices, then out.size() for FINISH
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "palette/topology/pfa.hpp"
#include "palette/topology/rng.hpp"

namespace palette::model {

struct ObservedSequence {
  std::vector<uint32_t> steps;  // ids into the alphabet, in time order; empty = no calls
  uint64_t count = 1;           // invocations that made exactly this sequence
};

struct PfaLearningOptions {
  double alpha = 0.05;  // ALERGIA confidence, in (0, 2]
  // With fewer observations the Hoeffding bound at alpha = 0.05 exceeds 0.43: only near-opposite
  // behaviour could be told apart, so such states are folded rather than tested.
  uint64_t min_count = 10;
  uint32_t max_states = 64;  // >= 1
};

struct PfaLearningStats {
  uint32_t pta_states = 0;    // states of the prefix tree, START included
  uint32_t merges = 0;        // blue states merged after passing the test
  uint32_t rare_folds = 0;    // blue states below min_count folded without a test
  uint32_t capped_folds = 0;  // blue states compatible with no red state, folded because of max_states
};

// The alphabet is copied into Pfa::steps unchanged, so step ids keep their meaning. Throws
// palette::Error(bad_value) on an option out of range, a step id outside the alphabet or an alphabet
// with a repeated step. No sequences (or only zero counts): START alone, finishing with probability 1.
Pfa learn_pfa(const std::vector<Step>& alphabet, const std::vector<ObservedSequence>& sequences,
              const PfaLearningOptions& options = {}, PfaLearningStats* stats = nullptr);

// The transitions an observed sequence takes: for each step the index into states[q].out, then
// out.size() for FINISH. nullopt when the Pfa does not accept it: a step has no transition, or the last
// state has finish probability 0.
std::optional<std::vector<uint32_t>> pfa_path(const Pfa& pfa, const std::vector<uint32_t>& steps);

// One sequence drawn from the base probabilities (no context); stops after Pfa::kMaxSteps steps.
std::vector<uint32_t> sample_pfa_sequence(const Pfa& pfa, Rng& rng);

struct PfaSequenceProbability {
  std::vector<uint32_t> steps;
  double probability = 0;
};
// The sequences the Pfa generates with probability >= min_probability (base probabilities), most
// probable first (ties in lexicographic order), at most max_sequences of them.
std::vector<PfaSequenceProbability> enumerate_pfa_sequences(const Pfa& pfa, double min_probability,
                                                           size_t max_sequences);

}  // namespace palette::model
