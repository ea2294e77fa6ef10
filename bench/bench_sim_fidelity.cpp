// Simulation fidelity (issue 4): every dataset of ../shared/data/traces that palette can read is
// fitted and simulated at its traced rate (default platform): root latency CDF against the traces
// (KS, p50/p99 error). Datasets of fewer than 100 traces are reported as skipped.
// On the DeathStarBench hotel traces, fit at load 25, then
//   - what-if: at the request rates of load 100 and load 150, against those traces, with the
//     capacity of the traced deployment taken three ways:
//       inferred:   what the load-25 traces say (infer_capacity: no worker limit seen) on the default
//                   platform (one 4-core host per service);
//       given:      a capacity a user might state — each service on its own single-core host;
//       calibrated: the CPU share of local work and call overhead fitted at load 100 (least KS) on a
//                   shared host (all services on one single-core host, as pods share a node), then used
//                   to predict load 150 (and, for reference, load 100 itself).
// Counters: ks, p50_err, p99_err (signed, simulation relative to traces), share. One iteration each.
// Run: build/bench/bench_sim_fidelity --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <map>

#include "palette/error.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/sim/capacity.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/fit.hpp"
#include "trace_level.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

const test::TraceLevel& level(int load) {
  static std::map<int, test::TraceLevel> levels;
  auto it = levels.find(load);
  if (it != levels.end()) return it->second;
  return levels
      .emplace(load, test::load_trace_level(std::string(PALETTE_SHARED_TRACES) + "/dsb-hotel-jaeger/hotel_load" + std::to_string(load) + ".jaeger.json"))
      .first->second;
}

const model::Topology& topology25() {
  static const model::Topology t = model::fit_topology(level(25).traces, {});
  return t;
}

void report(benchmark::State& state, const std::vector<double>& sim, const std::vector<double>& real, double share = -1) {
  stats::Sample a(real), b(sim);
  state.counters["ks"] = stats::ks_statistic(a, b);
  state.counters["p50_err"] = b.quantile(0.5) / a.quantile(0.5) - 1;
  state.counters["p99_err"] = b.quantile(0.99) / a.quantile(0.99) - 1;
  if (share >= 0) state.counters["share"] = share;
}

std::vector<double> run(const SimSetup& base, double rate) {
  SimSetup s = base;
  s.workload.rate_per_s = rate;
  s.workload.requests = 50000;
  s.workload.warmup_s = 1;
  s.options.keep_requests = true;
  std::vector<double> out;
  for (const auto& q : simulate(topology25(), s).requests) out.push_back(q.latency_us);
  return out;
}

SimSetup inferred() {
  SimSetup s;
  apply_inferred_capacity(infer_capacity(level(25).traces, topology25()), s);
  return s;
}

SimSetup given() {
  SimSetup s;
  s.platform.hosts[0].cores = 1;
  return s;
}

SimSetup shared_host() {
  SimSetup s;
  s.platform.hosts[0].cores = 1;
  s.placement = parse_placement("packed:1");
  return s;
}

double calibrated_share() {
  static const double share = calibrate_cpu_share(topology25(), shared_host(), level(100).rate_per_s, level(100).root_us).share;
  return share;
}

void BM_TracedRate(benchmark::State& state, const std::string& relative) {
  const std::string path = std::string(PALETTE_SHARED_TRACES) + "/" + relative;
  test::TraceLevel l;
  try {
    l = test::load_trace_level(path);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  if (l.traces.traces.size() < 100) {
    state.SkipWithError(("skipped: " + std::to_string(l.traces.traces.size()) + " traces read: too few for a latency CDF (the Zipkin samples are single traces of ten different systems)").c_str());
    return;
  }
  const model::Topology t = model::fit_topology(l.traces, {});
  for (auto _ : state) {
    SimSetup s;
    s.workload.rate_per_s = t.arrival_rate_per_s;
    s.workload.requests = 50000;
    s.workload.warmup_s = 1;
    s.options.keep_requests = true;
    std::vector<double> sim;
    for (const auto& q : simulate(t, s).requests)
      if (q.status == model::RequestStatus::ok) sim.push_back(q.latency_us);
    report(state, sim, l.root_us);
  }
  state.counters["rate"] = t.arrival_rate_per_s;
  state.counters["traces"] = static_cast<double>(l.traces.traces.size());
}

void BM_WhatIf(benchmark::State& state, const std::string& way, int load) {
  const test::TraceLevel& target = level(load);
  for (auto _ : state) {
    if (way == "inferred") {
      report(state, run(inferred(), target.rate_per_s), target.root_us);
    } else if (way == "given") {
      SimSetup s = given();
      s.options.allow_overload = true;
      report(state, run(s, target.rate_per_s), target.root_us);
    } else {
      SimSetup s = shared_host();
      s.options.cpu_fraction = s.options.overhead_cpu_fraction = calibrated_share();
      report(state, run(s, target.rate_per_s), target.root_us, calibrated_share());
    }
  }
  state.counters["rate"] = target.rate_per_s;
}

}  // namespace

BENCHMARK_CAPTURE(BM_TracedRate, hotel25, std::string("dsb-hotel-jaeger/hotel_load25.jaeger.json"))->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_TracedRate, hotel100, std::string("dsb-hotel-jaeger/hotel_load100.jaeger.json"))->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_TracedRate, hotel150, std::string("dsb-hotel-jaeger/hotel_load150.jaeger.json"))->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_TracedRate, onlineboutique_faultfree, std::string("nezha-onlineboutique-csv/faultfree_2022-08-23_17_00_trace.csv"))->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_TracedRate, zipkin_samples, std::string("zipkin-lens-production-samples"))->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, inferred_100, std::string("inferred"), 100)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, inferred_150, std::string("inferred"), 150)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, given_100, std::string("given"), 100)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, given_150, std::string("given"), 150)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, calibrated_100, std::string("calibrated"), 100)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_WhatIf, calibrated_150, std::string("calibrated"), 150)->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
