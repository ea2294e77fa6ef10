// PFA learning time for one API with 1 M invocations over a few hundred distinct step sequences. Two
// data sets: `Sampled`, 1 M invocations drawn from an 8-state automaton (about 250 distinct
// sequences; the learner should give the automaton back), and `Zipf`, the first 300 distinct
// sequences of a 10-state automaton with counts ∝ 1/rank — counts no small automaton generates, so
// the state cap binds. Both as the fitter passes them (distinct, with counts); Zipf also with one
// entry per invocation. Target (issue 3): well under a second.
//   build/bench/bench_pfa_learning --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>

#include "palette/topology/pfa_learning.hpp"

using namespace palette::model;

namespace {

constexpr uint64_t kInvocations = 1000000;
constexpr size_t kDistinct = 300;

// 12 steps over 9 APIs: single calls, two concurrent fan-outs and a double call.
std::vector<Step> alphabet() {
  std::vector<Step> steps;
  for (ApiIndex a = 0; a < 9; ++a) steps.push_back(Step{{a}});
  steps.push_back(Step{{1, 2}});
  steps.push_back(Step{{3, 4, 5}});
  steps.push_back(Step{{6, 6}});
  return steps;
}

// A random automaton over those steps (some concurrent): 1–3 transitions per state (self-loops allowed)
// and the given finish odds; its sequences are what an API with retries, optional calls and
// pagination produces.
Pfa source_automaton(uint64_t seed, size_t states, double finish_lo, double finish_hi) {
  Rng rng(seed);
  Pfa p;
  p.steps = alphabet();
  p.states.resize(states);
  for (PfaState& s : p.states) {
    s.finish_probability = finish_lo + (finish_hi - finish_lo) * rng.uniform();
    const uint64_t n = 1 + rng.below(3);
    std::map<uint32_t, uint32_t> step_to;
    for (uint64_t k = 0; k < n; ++k) step_to[static_cast<uint32_t>(rng.below(p.steps.size()))] = static_cast<uint32_t>(rng.below(p.states.size()));
    for (const auto& [step, to] : step_to)
      s.out.push_back(PfaTransition{step, to, (1 - s.finish_probability) / static_cast<double>(step_to.size()), 0});
  }
  p.states[0].finish_probability = 0.02;  // START rarely finishes without calls
  const double rest = 0.98 / static_cast<double>(p.states[0].out.size());
  for (auto& t : p.states[0].out) t.probability = rest;
  return p;
}

// The first kDistinct distinct sampled sequences, the i-th with count ∝ 1/(i+1), kInvocations in all.
std::vector<ObservedSequence> zipf_sequences() {
  const Pfa source = source_automaton(17, 10, 0.15, 0.45);
  Rng rng(5);
  std::map<std::vector<uint32_t>, size_t> seen;
  std::vector<ObservedSequence> out;
  while (out.size() < kDistinct)
    if (auto s = sample_pfa_sequence(source, rng); seen.emplace(s, out.size()).second) out.push_back({s, 0});
  double h = 0;
  for (size_t i = 0; i < out.size(); ++i) h += 1.0 / static_cast<double>(i + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].count = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(kInvocations) / (h * static_cast<double>(i + 1))));
    total += out[i].count;
  }
  out[0].count += kInvocations - total;  // exactly kInvocations (the rounding only ever loses)
  return out;
}

// kInvocations sampled from an 8-state automaton, aggregated.
std::vector<ObservedSequence> sampled_sequences() {
  const Pfa source = source_automaton(19, 8, 0.4, 0.7);
  Rng rng(5);
  std::map<std::vector<uint32_t>, uint64_t> counts;
  for (uint64_t i = 0; i < kInvocations; ++i) ++counts[sample_pfa_sequence(source, rng)];
  std::vector<ObservedSequence> out;
  for (auto& [steps, count] : counts) out.push_back({steps, count});
  return out;
}


void report(benchmark::State& state, const Pfa& pfa, const PfaLearningStats& stats, size_t distinct) {
  state.counters["distinct"] = static_cast<double>(distinct);
  state.counters["states"] = static_cast<double>(pfa.states.size());
  state.counters["pta_states"] = stats.pta_states;
  state.counters["rare_folds"] = stats.rare_folds;
  state.counters["invocations/s"] = benchmark::Counter(static_cast<double>(kInvocations), benchmark::Counter::kIsIterationInvariantRate);
}

void learn(benchmark::State& state, const std::vector<ObservedSequence>& data, size_t distinct) {
  const auto steps = alphabet();
  Pfa pfa;
  PfaLearningStats stats;
  for (auto _ : state) {
    pfa = learn_pfa(steps, data, {}, &stats);
    benchmark::DoNotOptimize(pfa);
  }
  report(state, pfa, stats, distinct);
}

void BM_LearnPfaSampled(benchmark::State& state) {
  const auto data = sampled_sequences();
  learn(state, data, data.size());
}

void BM_LearnPfaZipf(benchmark::State& state) {
  const auto data = zipf_sequences();
  learn(state, data, data.size());
}

void BM_LearnPfaZipfOnePerInvocation(benchmark::State& state) {
  std::vector<ObservedSequence> data;
  data.reserve(kInvocations);
  for (const auto& s : zipf_sequences())
    for (uint64_t k = 0; k < s.count; ++k) data.push_back({s.steps, 1});
  learn(state, data, kDistinct);
}

}  // namespace

BENCHMARK(BM_LearnPfaSampled)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LearnPfaZipf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LearnPfaZipfOnePerInvocation)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
