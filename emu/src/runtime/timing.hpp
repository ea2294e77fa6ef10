#pragma once
// Time on a service thread: precise asynchronous waits (a timer to just before the deadline, then a
// spin, so the thread is free for other requests during the wait), and wall-clock span timestamps
// derived from the steady clock (one reading of the wall clock per process, so span times never jump).
#include <cstdint>

#include "net/asio.hpp"
#include "palette/emu/work.hpp"

namespace palette::emu {

// Waits on `timer` until `deadline`, to within about a µs: the timer wakes the thread just before it
// (`margin` learns how late this thread's timers fire), a spin does the rest. Returns false, without
// spinning, when the timer was cancelled.
inline awaitable<bool> precise_wait_until(asio::steady_timer& timer, Clock::time_point deadline, WakeMargin& margin) {
  auto wake = deadline - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::micro>(margin.margin_us()));
  if (wake > Clock::now()) {
    timer.expires_at(wake);
    error_code ec;
    co_await timer.async_wait(no_throw(ec));
    if (ec == asio::error::operation_aborted) co_return false;
    margin.observe(us_between(wake, Clock::now()));
  }
  spin_until(deadline);
  co_return true;
}

inline awaitable<void> precise_wait_until(Clock::time_point deadline, WakeMargin& margin) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  co_await precise_wait_until(timer, deadline, margin);
}

class WallClock {
 public:
  WallClock();
  int64_t wall_us(Clock::time_point t) const;  // µs since the Unix epoch

 private:
  Clock::time_point steady0_;
  int64_t wall0_us_;
};

}  // namespace palette::emu
