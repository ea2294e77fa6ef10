// Per-hop overhead of the emulation runtime (issue 5 target: p50 <= 50 µs per hop on loopback): a
// chain of n services with no work and no modelled overhead, one closed-loop user, so a request's
// latency is the runtime's own cost — the load generator's round trip to s0 plus n-1 hops. The hop
// cost is the difference to a chain of one, divided by n-1.
#include <benchmark/benchmark.h>

#include "emu_support.hpp"
#include "palette/emu/example_topologies.hpp"

using namespace palette;

namespace {

void BM_HopOverhead(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const uint64_t requests = 3000;
  emu::ServiceConfig base;
  bench::LatencySummary one, chain;
  bench::CpuPressure pressure;
  for (auto _ : state) {
    one = bench::run_in_process(emu::chain_topology(1, 0, 0), base, bench::closed_loop(requests));
    chain = bench::run_in_process(emu::chain_topology(n, 0, 0), base, bench::closed_loop(requests));
  }
  const double hops = static_cast<double>(n - 1);
  state.counters["rtt_p50_us"] = one.p50;
  state.counters["chain_p50_us"] = chain.p50;
  state.counters["chain_p99_us"] = chain.p99;
  state.counters["hop_p50_us"] = (chain.p50 - one.p50) / hops;
  state.counters["hop_p99_us"] = (chain.p99 - one.p99) / hops;
  state.counters["cpu_pressure_pct"] = pressure.share();
  state.counters["failed"] = static_cast<double>(one.failed + chain.failed);
}

}  // namespace

BENCHMARK(BM_HopOverhead)->Arg(2)->Arg(5)->Arg(10)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
