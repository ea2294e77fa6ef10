// Simulation speed (issue 4): simulated requests and events per wall second, CPU µs per service visit
// and peak memory, for 10 k / 100 k / 1 M requests.
//   tree20:  a 20-service, depth-4 call tree (1 -> 3 -> 9 -> 7), every request visits every service:
//            19 calls with 1 kB each way, exponential local work (mean 400 µs, half before the calls
//            and half after), 50 µs call overhead; one 4-core host per service, 10 Gbps / 25 µs star; 400
//            requests/s (each host ~4% busy). Target: 1 M requests in < 60 s on one core.
//   traced27: a topology fitted from synthetic traces with ~27 calls per request (the model's
//            contexts, classes and patterns in the loop). Target: >= 10 000 requests per wall second.
//   hotel:   fitted from DeathStarBench hotel traces (load 25), at 100 requests/s.
// Variants: fast path off (every burst and transfer in SimGrid), constant network (no sharing),
// busy: 1-core hosts at 1500 requests/s (each ~60% busy: bursts often share a core, in SimGrid).
// Each iteration is one simulation; counters come from the simulation's own clock (the loop only,
// not the fork or the topology fit). Run: build/bench/bench_sim --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <filesystem>

#include "palette/ingest/ingest.hpp"
#include "palette/ingest/synthetic.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/topology/fit.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

const model::Topology& tree20() {
  static const model::Topology t = [] {
    test::TopologyBuilder b;
    std::vector<model::ApiIndex> api;
    for (int i = 0; i < 20; ++i) api.push_back(b.api(b.service("svc" + std::to_string(i)), "op", test::exponential_us(400)));
    for (int i = 0; i < 20; ++i) {
      std::vector<std::vector<model::ApiIndex>> steps;
      for (int k = 3 * i + 1; k <= 3 * i + 3 && k < 20; ++k) {
        steps.push_back({api[static_cast<size_t>(k)]});
        b.edge(api[static_cast<size_t>(i)], api[static_cast<size_t>(k)], 50, 1000, 1000);
      }
      std::vector<double> gaps(steps.size() + 1, 0.0);
      gaps.front() = 0.5;
      gaps.back() += 0.5;
      if (!steps.empty()) b.steps(api[static_cast<size_t>(i)], steps, gaps);
    }
    b.root(api[0]);
    return b.build();
  }();
  return t;
}

const model::Topology& traced27() {
  static const model::Topology t = [] {
    ingest::TraceSet set;
    ingest::SyntheticSpec spec;
    spec.services = 20;
    spec.apis_per_service = 2;
    spec.depth = 6;
    spec.max_callees = 3;
    spec.call_probability = 0.9;
    spec.traces = 3000;
    ingest::generate_synthetic(spec, set.catalog, [&](CallTree&& tree) { set.traces.push_back(std::move(tree)); });
    return model::fit_topology(set, {});
  }();
  return t;
}

const model::Topology& hotel() {
  static const model::Topology t = [] {
    auto set = ingest::load_traces({std::string(PALETTE_SHARED_TRACES) + "/dsb-hotel-jaeger/hotel_load25.jaeger.json"}, {});
    return model::fit_topology(set, {});
  }();
  return t;
}

void report(benchmark::State& state, const SimStats& s) {
  const double requests = static_cast<double>(s.requests + s.warmup_requests);
  state.counters["requests"] = requests;
  state.counters["visits/req"] = static_cast<double>(s.visits) / requests;
  state.counters["req/wall_s"] = requests / s.wall_s;
  state.counters["req/cpu_s"] = requests / s.cpu_s;
  state.counters["events/cpu_s"] = static_cast<double>(s.events) / s.cpu_s;
  state.counters["cpu_us/visit"] = s.cpu_s * 1e6 / static_cast<double>(s.visits);
  state.counters["cpu_s"] = s.cpu_s;
  state.counters["rss_MB"] = static_cast<double>(s.peak_rss_bytes) / 1e6;
  state.counters["simgrid_share"] = static_cast<double>(s.bursts_in_simgrid + s.transfers_in_simgrid) /
                                    std::max(1.0, static_cast<double>(s.bursts + s.transfers));
  state.counters["p50_ms"] = s.p50_us / 1e3;
  state.counters["sg_runs/req"] = static_cast<double>(s.simgrid_rounds) / requests;
  state.counters["events/req"] = static_cast<double>(s.events) / requests;
  // Simulated seconds per wall second; bench_sim_vs_emu measures the ratio to a real emulation.
  state.counters["x_realtime"] = s.sim_time_s / s.wall_s;
}

enum Variant { normal, no_fast_path, constant_network, one_core };

void BM_Sim(benchmark::State& state, const model::Topology& (*topology)(), double rate, Variant variant) {
  const model::Topology& t = topology();
  SimSetup setup;
  setup.workload.rate_per_s = rate;
  setup.workload.requests = static_cast<uint64_t>(state.range(0));
  setup.options.fast_path = variant != no_fast_path;
  if (variant == constant_network) setup.platform.network = NetworkModel::constant;
  if (variant == one_core) setup.platform.hosts[0].cores = 1;
  SimStats last;
  for (auto _ : state) {
    last = simulate(t, setup).stats;
    state.SetIterationTime(last.wall_s);
  }
  report(state, last);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Sim, tree20, tree20, 400.0, normal)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, tree20_no_fast_path, tree20, 400.0, no_fast_path)->Arg(10000)->Arg(100000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, tree20_busy_one_core, tree20, 1500.0, one_core)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, tree20_constant_network, tree20, 400.0, constant_network)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, traced27, traced27, 200.0, normal)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, hotel, hotel, 100.0, normal)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
