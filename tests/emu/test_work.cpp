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
  for (double target : {100.0, 1000.0, 10000.0}) {
    const int runs = target > 5000 ? 5 : 15;
    const double took = median_run(w, WorkKind::sleep, target, runs);
    EXPECT_NEAR(took, target, 0.25 * target) << "sleep " << target << " us";
  }
  // cpu and memory work are calibrated on this machine, and what a unit costs moves with what the
  // other vCPU does: on this machine kind the two slow each other by up to ~2.5x, even in CPU time. A
  // calibration taken while the other vCPU was busy and runs made while it is idle (or the reverse)
  // miss by that much without anything being wrong. So each kind is calibrated right before it is
  // measured, and measured again (recalibrated) up to three times: only an error that persists — a
  // unit or scale error — fails. bench_emu_work gives the real accuracy.
  for (WorkKind kind : {WorkKind::cpu, WorkKind::memory}) {
    for (double target : {100.0, 1000.0, 10000.0}) {
      const int runs = target > 5000 ? 5 : 15;
      double took = 0;
      for (int attempt = 0; attempt < 3; ++attempt) {
        BlockingWork fresh(calibrate({kind}));
        took = median_run(fresh, kind, target, runs);
        if (took >= 0.75 * target && took <= 3.0 * target) break;
      }
      EXPECT_GE(took, 0.75 * target) << to_string(kind) << " " << target << " us";
      EXPECT_LE(took, 3.0 * target) << to_string(kind) << " " << target << " us";
    }
  }
}

TEST(Work, UncalibratedWorkIsAnError) {
  BlockingWork w(Calibration{});
  EXPECT_THROW(w.run(WorkKind::cpu, 10), Error);
  EXPECT_GE(w.run(WorkKind::sleep, 50), 50.0);  // sleep needs no calibration
}
