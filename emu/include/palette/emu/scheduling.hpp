#pragma once
// Scheduling: how the threads of an emulation ask the kernel to treat them. An emulated service
// mostly waits and must wake on time; on a machine whose cores are busy with other work (a shared
// testbed, other builds) a woken thread can wait milliseconds for a core, which the traced system
// never did. Two knobs, per thread:
//   - slice_us: the scheduler slice asked for (Linux >= 6.12, EEVDF: sched_attr.sched_runtime of a
//     normal task). A short slice gives an earlier deadline, so a waking service preempts long-running
//     work instead of queueing behind it; services that compute share cores in finer turns. Harmless
//     where unsupported (older kernels ignore it).
//   - nice: a lower nice value (needs CAP_SYS_NICE to go below the current one).
// Measured on the 2-core dev machine at ~98% CPU pressure from other processes, hotel topology, one
// closed-loop user: KS of the root latency vs pure model sampling 0.12-0.18 with neither, 0.10 with a
// 100 µs slice, 0.06 with the slice and nice -10 (SCHED_FIFO: 0.05).
//
//   Scheduling s;  s.slice_us = 100;  s.nice = -10;
//   std::string problem = apply_to_this_thread(s);   // "" when everything was applied
#include <optional>
#include <string>

namespace palette::emu {

struct Scheduling {
  double slice_us = 100;     // 0: leave the kernel's default
  std::optional<int> nice;   // unset: leave as is

  std::string text() const;  // "slice 100 us, nice -10"
};

// Applies to the calling thread (threads it creates afterwards inherit it). Returns what could not be
// applied and why, or "" — a refusal is not an error: the emulation runs, less shielded.
std::string apply_to_this_thread(const Scheduling& scheduling);

// Applies a Scheduling for its lifetime and restores the thread's previous one.
class ScopedScheduling {
 public:
  explicit ScopedScheduling(const Scheduling& scheduling);
  ~ScopedScheduling();
  ScopedScheduling(const ScopedScheduling&) = delete;
  ScopedScheduling& operator=(const ScopedScheduling&) = delete;
  const std::string& problem() const { return problem_; }

 private:
  bool saved_ = false;
  unsigned char previous_[64] = {};  // the thread's sched_attr before
  std::string problem_;
};

}  // namespace palette::emu
