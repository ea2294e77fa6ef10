#pragma once
// Limiter: at most `limit` requests of a service run at once, across all its threads; the others
// wait in arrival order. This is the service's queueing (a model's `workers`), which the emulation
// must show, so the wait counts in the callee's own time and is never absorbed by live correction.
#include <cstdint>
#include <deque>
#include <mutex>

#include "net/asio.hpp"

namespace palette::emu {

class Limiter {
 public:
  explicit Limiter(uint32_t limit) : limit_(limit) {}
  awaitable<void> acquire();
  void release();
  uint32_t limit() const { return limit_; }

 private:
  struct Waiter {
    asio::steady_timer* timer;
    bool granted = false;
  };
  std::mutex m_;
  uint32_t limit_, in_use_ = 0;
  std::deque<Waiter*> waiting_;
};

}  // namespace palette::emu
