// The highest rate a 10-service topology (fanout10: 9 calls per request, depth 3, 100 µs of work per
// service) sustains on this machine with its p99 under twice its idle p99 (issue 5), one process per
// service as `palette emu` runs it, open-loop Poisson load. Ramps the rate up (x1.5) until a run
// misses the bound (or fails requests), then bisects between the last good and the first bad rate.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "emu_support.hpp"
#include "palette/emu/example_topologies.hpp"
#include "palette/emu/launcher.hpp"

using namespace palette;

namespace {

struct Point {
  double rate = 0, p50 = 0, p99 = 0;
  uint64_t failed = 0;
};

Point run_at(const std::string& example, emu::WorkKind work, double rate, double seconds) {
  static int run = 0;
  emu::EmuOptions o;
  o.output_dir = (std::filesystem::temp_directory_path() / ("palette-bench-emu-rate-" + std::to_string(++run))).string();
  std::filesystem::remove_all(o.output_dir);
  o.work = work;
  o.spans = false;
  o.workload.arrivals = model::ArrivalProcess::poisson;
  o.workload.rate_per_s = rate;
  o.workload.duration_s = seconds;
  o.workload.warmup_s = 0.5;
  o.request_timeout_s = 5;
  emu::EmuReport r = emu::run_emulation(emu::example_topology(example), o);
  std::filesystem::remove_all(o.output_dir);
  return Point{rate, r.p50_us, r.p99_us, r.failed};
}

void BM_MaxRate(benchmark::State& state, emu::WorkKind work) {
  const std::string example = "fanout10:100:0";
  Point idle, best;
  int runs = 0;
  bench::CpuPressure pressure;
  for (auto _ : state) {
    idle = run_at(example, work, 20, 10);
    const double bound = 2 * idle.p99;
    auto good = [&](const Point& p) { return p.failed == 0 && p.p99 < bound; };
    double rate = 100, bad = 0;
    best = idle;
    for (;; rate *= 1.5, ++runs) {
      Point p = run_at(example, work, rate, 4);
      if (!good(p)) {
        bad = rate;
        break;
      }
      best = p;
    }
    for (int k = 0; k < 3; ++k, ++runs) {  // bisect
      double mid = (best.rate + bad) / 2;
      Point p = run_at(example, work, mid, 4);
      if (good(p)) best = p;
      else bad = mid;
    }
  }
  state.counters["idle_p50_us"] = idle.p50;
  state.counters["idle_p99_us"] = idle.p99;
  state.counters["max_rate_per_s"] = best.rate;
  state.counters["p50_at_max_us"] = best.p50;
  state.counters["p99_at_max_us"] = best.p99;
  state.counters["cpu_pressure_pct"] = pressure.share();
  state.counters["runs"] = runs;
}

}  // namespace

BENCHMARK_CAPTURE(BM_MaxRate, sleep, emu::WorkKind::sleep)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MaxRate, cpu, emu::WorkKind::cpu)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
