// Simulation speed against emulation speed for the same topology and load (issue 4's ratio): the
// emulation serves its requests in real time, one process per service, and pays start-up and teardown;
// the simulation runs the same workload (same arrivals, same seed) as fast as it can. Reported:
//   emu_wall_s    the whole `palette emu` run (spawn, readiness, load, teardown)
//   sim_wall_s    the whole simulate() call (fork, platform, run, result), timed here
//   speedup       emu_wall_s / sim_wall_s: how many emulations' worth of experiments a simulation buys
//   emu_p50_ms, sim_p50_ms, p50_gap    the two backends' median latency, as a sanity check
// The machine is shared: compare the ratio, not the seconds.
//
//   build/bench/bench_sim_vs_emu --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>

#include "palette/emu/example_topologies.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/sim/simulation.hpp"

using namespace palette;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_SimVsEmu(benchmark::State& state, const std::string& example) {
  const double rate = static_cast<double>(state.range(0));
  const auto requests = static_cast<uint64_t>(state.range(1));
  const model::Topology topology = emu::example_topology(example);
  model::WorkloadSpec w;
  w.arrivals = model::ArrivalProcess::poisson;
  w.rate_per_s = rate;
  w.requests = requests;
  w.warmup_s = 0.5;
  double emu_wall = 0, sim_wall = 0, emu_p50 = 0, sim_p50 = 0;
  for (auto _ : state) {
    emu::EmuOptions o;
    o.output_dir = (std::filesystem::temp_directory_path() / "palette-bench-sim-vs-emu").string();
    std::filesystem::remove_all(o.output_dir);
    o.workload = w;
    o.spans = false;
    auto t0 = std::chrono::steady_clock::now();
    const emu::EmuReport e = emu::run_emulation(topology, o);
    emu_wall = seconds_since(t0);
    emu_p50 = e.p50_us;
    std::filesystem::remove_all(o.output_dir);

    sim::SimSetup s;
    s.workload = w;
    s.options.work = sim::WorkMode::sleep;  // the emulation above sleeps its work too
    t0 = std::chrono::steady_clock::now();
    const sim::SimResult r = sim::simulate(topology, s);
    sim_wall = seconds_since(t0);
    sim_p50 = r.stats.p50_us;
  }
  state.counters["emu_wall_s"] = emu_wall;
  state.counters["sim_wall_s"] = sim_wall;
  state.counters["speedup"] = emu_wall / sim_wall;
  state.counters["emu_p50_ms"] = emu_p50 / 1e3;
  state.counters["sim_p50_ms"] = sim_p50 / 1e3;
  state.counters["p50_gap"] = sim_p50 / emu_p50 - 1;
}

}  // namespace

// 10 services, 9 calls per request, 100 µs of work each: 200 req/s is well inside what this machine
// carries (bench_emu_rate), so the emulation is not the one queueing.
BENCHMARK_CAPTURE(BM_SimVsEmu, fanout10, std::string("fanout10:100:0"))
    ->Args({200, 4000})
    ->Args({200, 20000})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
