#pragma once
// Learning one API's Pfa from its observed step sequences: a prefix-tree acceptor of the sequences
// (with their counts), coarsened by ALERGIA state merging. pfa_path replays a sequence through the
// result, which the fitter uses to count transitions per context.
//
//   Pfa pfa = learn_pfa(alphabet, {{{0, 1}, 40}, {{0}, 60}}, {});
//   auto path = pfa_path(pfa, {0, 1});   // transition indices, ending with FINISH (= out.size())
#include <cstdint>
#include <optional>
#include <vector>

#include "palette/topology/pfa.hpp"

namespace palette::model {

struct WeightedSequence {
  std::vector<uint32_t> steps;  // indices into the alphabet
  uint64_t weight = 1;
};

struct PfaLearnOptions {
  double alpha = 0.05;  // ALERGIA confidence: smaller merges more readily
};

Pfa learn_pfa(const std::vector<Step>& alphabet, const std::vector<WeightedSequence>& sequences,
              const PfaLearnOptions& options);

// The transitions an observed sequence takes (the last one FINISH, = states[q].out.size()), or nullopt
// if the automaton does not accept it.
std::optional<std::vector<uint32_t>> pfa_path(const Pfa& pfa, const std::vector<uint32_t>& steps);

}  // namespace palette::model
