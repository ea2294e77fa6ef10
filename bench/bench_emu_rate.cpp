// The highest rate a 10-service topology (fanout10: 9 calls per request, depth 3, 100 µs of work per
// service) sustains on this machine, one process per service as `palette emu` runs it, open-loop
// Poisson load. Two answers from one ramp (x1.25 per point, up to where the median latency doubles or
// requests fail):
//   - max_rate_p99: the highest rate whose p99 stays under twice the idle p99 (issue 5's criterion);
//   - max_rate_p50: the highest rate whose median stays under 1.5x the idle median.
// The machine is shared and a p99 is the 1% worst: each point runs >= 2000 requests and keeps the
// better of two tries, the idle figures are the median of three runs; with other engineers' builds
// on the same two cores the p99 criterion still moves with them (cpu_pressure_pct says how much).
#include <benchmark/benchmark.h>

#include <algorithm>
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

// The better (lower p99) of two runs at a rate, each of at least 2000 requests.
Point best_of_two(const std::string& example, emu::WorkKind work, double rate) {
  const double seconds = std::max(4.0, 2000.0 / rate);
  Point a = run_at(example, work, rate, seconds), b = run_at(example, work, rate, seconds);
  if (a.failed != b.failed) return a.failed < b.failed ? a : b;
  return a.p99 <= b.p99 ? a : b;
}

void BM_MaxRate(benchmark::State& state, emu::WorkKind work) {
  const std::string example = "fanout10:100:0";
  Point idle, at_p99, at_p50;
  int points = 0;
  bench::CpuPressure pressure;
  for (auto _ : state) {
    std::vector<Point> idles;
    for (int k = 0; k < 3; ++k) idles.push_back(run_at(example, work, 50, 8));
    std::sort(idles.begin(), idles.end(), [](const Point& a, const Point& b) { return a.p99 < b.p99; });
    idle = idles[1];
    at_p99 = at_p50 = idle;
    for (double rate = 100; rate < 20000; rate *= 1.25, ++points) {
      Point p = best_of_two(example, work, rate);
      if (p.failed > 0 || p.p50 > 2 * idle.p50) break;
      if (p.p99 < 2 * idle.p99) at_p99 = p;
      if (p.p50 < 1.5 * idle.p50) at_p50 = p;
    }
  }
  state.counters["idle_p50_us"] = idle.p50;
  state.counters["idle_p99_us"] = idle.p99;
  state.counters["max_rate_p99"] = at_p99.rate;
  state.counters["p99_at_max_rate_p99_us"] = at_p99.p99;
  state.counters["max_rate_p50"] = at_p50.rate;
  state.counters["p50_at_max_rate_p50_us"] = at_p50.p50;
  state.counters["points"] = points;
  state.counters["cpu_pressure_pct"] = pressure.share();
}

}  // namespace

BENCHMARK_CAPTURE(BM_MaxRate, sleep, emu::WorkKind::sleep)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MaxRate, cpu, emu::WorkKind::cpu)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
