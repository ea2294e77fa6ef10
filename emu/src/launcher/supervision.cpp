#include "launcher/supervision.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "palette/error.hpp"

namespace palette::emu {

using Clock = std::chrono::steady_clock;

std::string signal_name(int sig) { return std::string(::strsignal(sig)) + " (signal " + std::to_string(sig) + ")"; }

std::string died_message(ProcessGroup& pg, const Group& g, const ChildExit& e, const std::string& when) {
  std::string tail = pg.log_tail(g.child);
  return "service process " + g.name + " (pid " + std::to_string(pg.pid(g.child)) + ") " + e.describe() + " " + when +
         (tail.empty() ? std::string("; its log is empty") : "; its log ends with:\n" + tail);
}

void wait_ready(ProcessGroup& pg, std::vector<Group>& groups, SignalWatch& signals, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> owner;
    for (size_t k = 0; k < groups.size(); ++k)
      if (!groups[k].ready) {
        fds.push_back({groups[k].ready_read, POLLIN, 0});
        owner.push_back(k);
      }
    if (fds.empty()) return;
    fds.push_back({signals.fd(), POLLIN, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      std::string late;
      for (size_t k : owner) late += (late.empty() ? "" : ", ") + groups[k].name;
      throw Error(ErrorKind::io, "service process(es) " + late + " not ready after " + std::to_string(timeout_s) + " s")
          .with_hint("see " + std::string("their logs under the output folder's logs/"));
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno != EINTR) throw Error(ErrorKind::io, std::string("poll failed: ") + std::strerror(errno));
    if (fds.back().revents) {
      int sig = signals.take();
      if (sig) throw Error(ErrorKind::io, "interrupted by " + signal_name(sig) + " while starting the services");
    }
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Group& g = groups[owner[i]];
      char buf[64];
      ssize_t got = ::read(g.ready_read, buf, sizeof buf);
      if (got > 0) {
        g.ready = true;  // "ready\n"
        continue;
      }
      // The pipe closed without a word: the process is gone (or going).
      ChildExit e;
      for (int tries = 0; tries < 200 && !(e = pg.poll_exit(g.child)).exited; ++tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      throw Error(ErrorKind::io, died_message(pg, g, e, "while starting"));
    }
  }
}

Monitor::Monitor(ProcessGroup& pg, const std::vector<Group>& groups, SignalWatch& signals, LoadGenerator& gen,
                 double failure_grace_s)
    : pg_(pg), groups_(groups), signals_(signals), gen_(gen), failure_grace_s_(failure_grace_s), stop_(::eventfd(0, EFD_CLOEXEC)) {
  thread_ = std::thread([this] { run(); });
}

void Monitor::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t ignored = ::write(stop_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  ::close(stop_);
}

std::string Monitor::failure() {
  std::lock_guard lock(m_);
  return failure_;
}

void Monitor::fail(std::string why, double grace_s) {
  {
    std::lock_guard lock(m_);
    failure_ = std::move(why);
  }
  if (grace_s > 0) {
    std::vector<pollfd> fds = {{stop_, POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
    ::poll(fds.data(), fds.size(), static_cast<int>(grace_s * 1000));
    if (fds[0].revents) return;
  }
  gen_.abort();
}

void Monitor::run() {
  for (;;) {
    std::vector<pollfd> fds = {{stop_, POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
    for (const auto& g : groups_)
      if (pg_.pidfd(g.child) >= 0) fds.push_back({pg_.pidfd(g.child), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 100);  // the timeout covers kernels without pidfds
    if (fds[0].revents) return;
    if (fds[1].revents) {
      if (int sig = signals_.take()) return fail("interrupted by " + signal_name(sig) + "; partial results written", 0);
    }
    for (const auto& g : groups_) {
      ChildExit e = pg_.poll_exit(g.child);
      if (e.exited) return fail(died_message(pg_, g, e, "during the run; the load was stopped"), failure_grace_s_);
    }
  }
}

}  // namespace palette::emu
