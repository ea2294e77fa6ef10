#pragma once
// Work specs: how an emulated service spends the local work the model gives it.
//   - sleep:  a wait (the service does nothing, as when blocked on a disk or a lock). To be accurate to
//             the µs, it sleeps until just before the target — the margin learnt from how late this
//             thread's wake-ups come — and spins the rest. Timer slack is lowered to 1 ns per thread.
//   - cpu:    real computation (8×8 matrix products), as many units as take the modelled time on an
//             idle core; when services share a core it takes longer, which is the contention the
//             emulation must show.
//   - memory: memory-bound streaming (reading every cache line) over a buffer of twice the
//             last-level cache, calibrated likewise.
// Calibration measures the ns per unit of cpu and memory work once (take the fastest of several
// trials: the uncontended cost); the launcher calibrates and hands the figures to every service it
// starts on the same machine.
//
//   Calibration c = calibrate({WorkKind::cpu});   BlockingWork w(c);   w.run(WorkKind::cpu, 250.0);
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace palette::emu {

enum class WorkKind { sleep, cpu, memory };
const char* to_string(WorkKind k);
WorkKind parse_work_kind(const std::string& text);  // throws Error(bad_value)

struct Calibration {
  double cpu_ns_per_unit = 0;     // 0 = not calibrated
  double memory_ns_per_unit = 0;
  uint64_t memory_buffer_bytes = 0;

  // "cpu=83.1,memory=412.7,buffer=67108864" — how the launcher passes it on a command line.
  std::string to_text() const;
  static Calibration parse(const std::string& text);  // throws Error(bad_value)
};

using SteadyTime = std::chrono::steady_clock::time_point;

// Sets this thread's timer slack to 1 ns (the default 50 µs makes every sleep late by tens of µs).
void lower_timer_slack();

// Spins until the steady clock reaches `deadline`.
void spin_until(SteadyTime deadline);

// How early to wake before a deadline: a running estimate of the ~90th percentile of wake-up
// lateness, plus a little. Wake-ups later than the margin cannot be fixed by spinning.
class WakeMargin {
 public:
  explicit WakeMargin(double initial_us = 60) : estimate_us_(initial_us) {}
  double margin_us() const;
  void observe(double lateness_us);  // how late the wake-up came after the time asked for

 private:
  double estimate_us_;
};

// The computation units. One per thread (the memory cursor is per thread; the buffer is shared).
class WorkUnits {
 public:
  explicit WorkUnits(const Calibration& calibration);
  ~WorkUnits();
  WorkUnits(const WorkUnits&) = delete;
  WorkUnits& operator=(const WorkUnits&) = delete;

  // Units that take `us` on an idle core; throws Error(bad_value) when that kind was not calibrated.
  uint64_t units_for(WorkKind kind, double us) const;
  void run_cpu(uint64_t units);
  void run_memory(uint64_t units);
  const Calibration& calibration() const { return calibration_; }

 private:
  struct State;
  Calibration calibration_;
  std::unique_ptr<State> state_;
};

// Measures the kinds asked for (sleep needs nothing). Takes ~0.2 s per kind on an idle core.
Calibration calibrate(const std::vector<WorkKind>& kinds);

// The size of the last-level cache (sysfs), or 32 MiB when it cannot be read.
uint64_t last_level_cache_bytes();

// Work on the calling thread, blocking it: for tests, benchmarks and calibration checks (services run
// their work asynchronously, see service.hpp). Returns the µs it took.
class BlockingWork {
 public:
  explicit BlockingWork(const Calibration& calibration) : units_(calibration) {}
  double run(WorkKind kind, double us);

 private:
  WorkUnits units_;
  WakeMargin margin_{40};
};

}  // namespace palette::emu
