// Work specs: sleep, cpu and memory work of 100 µs, 1 ms and 10 ms land near the target. Only gross
// errors fail (the machine is shared and noisy); bench_emu_work reports the real accuracy.
#include <gtest/gtest.h>

#include <time.h>

#include <algorithm>

#include "palette/emu/work.hpp"
#include "palette/error.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// The median of a few runs: a run that lost the core to another process is an outlier, not an error.
// Sleep is timed on the wall clock; cpu and memory work by the CPU time the thread spent, so that
// other engineers' builds on this 2-core machine (which stretch the wall time, as contention should)
// do not fail the test.
double median_run(BlockingWork& w, WorkKind kind, double us, int runs) {
  std::vector<double> took;
  for (int k = 0; k < runs; ++k) {
    double cpu = thread_cpu_us();
    double wall = w.run(kind, us);
    took.push_back(kind == WorkKind::sleep ? wall : thread_cpu_us() - cpu);
  }
  std::nth_element(took.begin(), took.begin() + runs / 2, took.end());
  return took[static_cast<size_t>(runs / 2)];
}

const Calibration& shared_calibration() {
  static Calibration c = calibrate({WorkKind::cpu, WorkKind::memory});
  return c;
}

}  // namespace

TEST(Work, CalibrationIsPlausibleAndRoundTripsAsText) {
  const Calibration& c = shared_calibration();
  EXPECT_GT(c.cpu_ns_per_unit, 5);      // an 8x8 product is hundreds of flops
  EXPECT_LT(c.cpu_ns_per_unit, 5000);
  EXPECT_GT(c.memory_ns_per_unit, 20);  // a page of read-modify-write
  EXPECT_LT(c.memory_ns_per_unit, 50000);
  EXPECT_GE(c.memory_buffer_bytes, 2 * last_level_cache_bytes() > (512u << 20) ? (512u << 20) : 2 * last_level_cache_bytes());
  Calibration back = Calibration::parse(c.to_text());
  EXPECT_DOUBLE_EQ(back.cpu_ns_per_unit, c.cpu_ns_per_unit);
  EXPECT_DOUBLE_EQ(back.memory_ns_per_unit, c.memory_ns_per_unit);
  EXPECT_EQ(back.memory_buffer_bytes, c.memory_buffer_bytes);
  EXPECT_THROW(Calibration::parse("cpu=fast"), Error);
  EXPECT_THROW(Calibration::parse("gpu=1"), Error);
  EXPECT_THROW(parse_work_kind("disk"), Error);
}

TEST(Work, EachSpecLandsNearTheTarget) {
  lower_timer_slack();
  BlockingWork w(shared_calibration());
  for (WorkKind kind : {WorkKind::sleep, WorkKind::cpu, WorkKind::memory}) {
    for (double target : {100.0, 1000.0, 10000.0}) {
      int runs = target > 5000 ? 5 : 15;
      double took = median_run(w, kind, target, runs);
      if (kind == WorkKind::sleep) {
        EXPECT_NEAR(took, target, 0.25 * target) << "sleep " << target << " us";
      } else {
        // Calibration keeps the fastest trial (an idle core). On this machine the two vCPUs slow each
        // other down by up to ~2.5x when both are busy — even in CPU time — so only a unit or scale
        // error (too short, or far too long) fails here; bench_emu_work gives the real figure.
        EXPECT_GE(took, 0.75 * target) << to_string(kind) << " " << target << " us";
        EXPECT_LE(took, 3.0 * target) << to_string(kind) << " " << target << " us";
      }
    }
  }
}

TEST(Work, UncalibratedWorkIsAnError) {
  BlockingWork w(Calibration{});
  EXPECT_THROW(w.run(WorkKind::cpu, 10), Error);
  EXPECT_GE(w.run(WorkKind::sleep, 50), 50.0);  // sleep needs no calibration
}
