#pragma once
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace palette::emu {

// SIGINT and SIGTERM are blocked for the run and read from a signalfd, so that a Ctrl-C stops the
// load and tears the services down in order instead of killing the launcher halfway. The mask is
// restored at the end; a signal that arrived is reported, not re-delivered.
class SignalWatch {
 public:
  SignalWatch() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~SignalWatch() {
    timespec zero{0, 0};
    while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    if (fd_ >= 0) ::close(fd_);
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  int fd() const { return fd_; }
  // The signal that arrived, or 0.
  int take() {
    signalfd_siginfo info{};
    if (fd_ >= 0 && ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    return 0;
  }

 private:
  sigset_t set_, old_;
  int fd_ = -1;
};

}  // namespace palette::emu
