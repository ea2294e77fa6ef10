// Fitting time against input size, and pure model sampling speed, on synthetic traces of a wide
// system (250 services x 4 APIs, depth 5: ~1000 APIs) generated in memory. Issue 3's target: 10 M spans
// into a 1000-API topology in < 60 s on 2 cores (run with --benchmark_filter=Fit/10000000 for that
// point; the default run stops at 2 M spans).
#include <benchmark/benchmark.h>

#include "palette/ingest/synthetic.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"

using namespace palette;

namespace {

ingest::TraceSet traces_with_spans(uint64_t spans) {
  ingest::TraceSet set;
  ingest::SyntheticSpec spec;
  spec.services = 250;
  spec.apis_per_service = 4;
  spec.depth = 5;
  spec.traces = spans / 20 + 1;  // ~21 spans per trace
  uint64_t made = 0;
  ingest::generate_synthetic(spec, set.catalog, [&](CallTree&& t) {
    if (made >= spans) return;
    made += t.span_count;
    set.traces.push_back(std::move(t));
  });
  return set;
}

void BM_Fit(benchmark::State& state) {
  auto set = traces_with_spans(static_cast<uint64_t>(state.range(0)));
  uint64_t spans = 0;
  for (const auto& t : set.traces) spans += t.span_count;
  size_t apis = 0;
  for (auto _ : state) {
    model::Topology t = model::fit_topology(set, {});
    apis = t.apis.size();
  }
  state.counters["spans"] = static_cast<double>(spans);
  state.counters["apis"] = static_cast<double>(apis);
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Sample(benchmark::State& state) {
  static const model::Topology topology = model::fit_topology(traces_with_spans(500000), {});
  Catalog catalog;
  model::ModelSampler ms(topology, 1, catalog);
  uint64_t r = 0, nodes = 0;
  for (auto _ : state) {
    CallTree t = ms.sample(r++, 0);
    nodes += t.nodes.size();
  }
  state.counters["traces/s"] = benchmark::Counter(static_cast<double>(r), benchmark::Counter::kIsRate);
  state.counters["calls/trace"] = static_cast<double>(nodes) / static_cast<double>(r);
}

}  // namespace

BENCHMARK(BM_Fit)->Arg(200000)->Arg(2000000)->Arg(10000000)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_Sample)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
