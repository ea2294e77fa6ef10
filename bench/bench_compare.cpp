// Comparison statistics on simulation-sized samples: KS and Wasserstein-1 of 1 M against 1 M
// latencies (the samples are sorted once, outside the timed loop: a Sample is sorted when built), the
// sort itself, and the whole compare() with its quantiles. Inputs are generated here (lognormal, fixed
// seeds). Run: build/bench/bench_compare --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <map>
#include <random>

#include "palette/report/cdf_plot.hpp"
#include "palette/stats/compare.hpp"

using namespace palette;

namespace {

std::vector<double> draws(uint64_t seed, size_t n, double mu) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(mu, 0.6);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

const stats::Sample& sample(int which, size_t n) {
  static std::map<std::pair<int, size_t>, stats::Sample> cache;
  auto key = std::make_pair(which, n);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, stats::Sample(draws(which == 0 ? 1 : 2, n, which == 0 ? 9.0 : 9.05))).first;
  return it->second;
}

void per_value_counters(benchmark::State& state, size_t n) {
  state.counters["values/s"] = benchmark::Counter(2.0 * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_KolmogorovSmirnov(benchmark::State& state) {
  auto n = static_cast<size_t>(state.range(0));
  const auto &a = sample(0, n), &b = sample(1, n);
  for (auto _ : state) benchmark::DoNotOptimize(stats::ks_statistic(a, b));
  per_value_counters(state, n);
}

void BM_Wasserstein(benchmark::State& state) {
  auto n = static_cast<size_t>(state.range(0));
  const auto &a = sample(0, n), &b = sample(1, n);
  for (auto _ : state) benchmark::DoNotOptimize(stats::wasserstein1(a, b));
  per_value_counters(state, n);
}

void BM_Compare(benchmark::State& state) {  // quantiles, mean, KS, p-value, Wasserstein
  auto n = static_cast<size_t>(state.range(0));
  const auto &a = sample(0, n), &b = sample(1, n);
  for (auto _ : state) benchmark::DoNotOptimize(stats::compare(a, b));
  per_value_counters(state, n);
}

void BM_SortIntoSample(benchmark::State& state) {  // what building both Samples costs
  auto n = static_cast<size_t>(state.range(0));
  const auto x = draws(1, n, 9.0), y = draws(2, n, 9.05);
  for (auto _ : state) {
    stats::Sample a(x), b(y);
    benchmark::DoNotOptimize(a.values().data());
    benchmark::DoNotOptimize(b.values().data());
  }
  per_value_counters(state, n);
}

void BM_CdfPlot(benchmark::State& state) {  // two 1 M-value curves into one SVG
  auto n = static_cast<size_t>(state.range(0));
  const auto &a = sample(0, n), &b = sample(1, n);
  size_t bytes = 0;
  for (auto _ : state) bytes = report::cdf_plot_svg({{"a", &a}, {"b", &b}}).size();
  per_value_counters(state, n);
  state.counters["svg_bytes"] = static_cast<double>(bytes);
}

}  // namespace

BENCHMARK(BM_KolmogorovSmirnov)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Wasserstein)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compare)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SortIntoSample)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CdfPlot)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
