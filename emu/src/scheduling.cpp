#include "palette/emu/scheduling.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace palette::emu {
namespace {

// struct sched_attr of the kernel ABI (glibc 2.36 has no wrapper).
struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};
static_assert(sizeof(SchedAttr) <= 64);

bool get_attr(SchedAttr* a) {
  std::memset(a, 0, sizeof *a);
  return ::syscall(SYS_sched_getattr, 0, a, sizeof *a, 0) == 0;
}

bool set_attr(SchedAttr a) {
  a.size = sizeof a;
  a.flags = 0;
  return ::syscall(SYS_sched_setattr, 0, &a, 0) == 0;
}

}  // namespace

std::string Scheduling::text() const {
  std::string s = slice_us > 0 ? "slice " + std::to_string(std::lround(slice_us)) + " us" : "default slice";
  if (nice) s += ", nice " + std::to_string(*nice);
  return s;
}

std::string apply_to_this_thread(const Scheduling& s) {
  if (!(s.slice_us > 0) && !s.nice) return "";
  SchedAttr a;
  if (!get_attr(&a)) return std::string("cannot read the scheduling attributes: ") + std::strerror(errno);
  if (a.policy != SCHED_OTHER && a.policy != SCHED_BATCH) return "";  // real-time or deadline: leave alone
  SchedAttr want = a;
  want.policy = SCHED_OTHER;
  // The kernel takes slices of 0.1 to 100 ms.
  if (s.slice_us > 0) want.runtime = static_cast<uint64_t>(std::clamp(s.slice_us, 100.0, 100000.0) * 1000.0);
  if (s.nice) want.nice = *s.nice;
  if (set_attr(want)) return "";
  std::string why = std::strerror(errno);
  if (s.nice && *s.nice < a.nice) {
    want.nice = a.nice;  // without the right to raise priority, at least the slice
    if (set_attr(want)) return "nice " + std::to_string(*s.nice) + " refused (" + why + "); slice applied";
  }
  return "scheduling (" + s.text() + ") refused: " + why;
}

ScopedScheduling::ScopedScheduling(const Scheduling& s) {
  SchedAttr a;
  if (get_attr(&a)) {
    std::memcpy(previous_, &a, sizeof a);
    saved_ = true;
  }
  problem_ = apply_to_this_thread(s);
}

ScopedScheduling::~ScopedScheduling() {
  if (!saved_) return;
  SchedAttr a;
  std::memcpy(&a, previous_, sizeof a);
  set_attr(a);  // going back up in nice needs no right; if it fails, nothing better can be done
}

}  // namespace palette::emu
