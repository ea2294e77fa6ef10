#include "runtime/limiter.hpp"

namespace palette::emu {

awaitable<void> Limiter::acquire() {
  asio::steady_timer timer(co_await asio::this_coro::executor, Clock::time_point::max());
  Waiter w{&timer};
  {
    std::lock_guard lock(m_);
    if (in_use_ < limit_) {
      ++in_use_;
      co_return;
    }
    waiting_.push_back(&w);
  }
  // release() cancels the timer through this thread's executor, which runs only once this coroutine
  // has suspended, so the grant cannot be missed.
  while (true) {
    error_code ec;
    co_await timer.async_wait(no_throw(ec));
    std::lock_guard lock(m_);
    if (w.granted) co_return;
  }
}

void Limiter::release() {
  std::lock_guard lock(m_);
  if (waiting_.empty()) {
    --in_use_;
    return;
  }
  Waiter* w = waiting_.front();  // the slot passes to the oldest waiter
  waiting_.pop_front();
  w->granted = true;
  asio::steady_timer* t = w->timer;
  asio::post(t->get_executor(), [t] { t->cancel(); });
}

}  // namespace palette::emu
