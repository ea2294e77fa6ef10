#include "palette/emu/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "palette/error.hpp"

namespace palette::emu {
namespace {

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  return -1;  // an old kernel: deaths are then found by polling waitpid
}

ChildExit from_status(int status) {
  ChildExit e;
  e.exited = true;
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
  return e;
}

}  // namespace

std::string ChildExit::describe() const {
  if (!exited) return "is still running";
  if (code >= 0) return "exited with status " + std::to_string(code);
  return "was killed by signal " + std::to_string(-code) + " (" + ::strsignal(-code) + ")";
}

ProcessGroup::~ProcessGroup() {
  for (size_t k = 0; k < children_.size(); ++k) {
    Child& c = children_[k];
    if (!c.exit) {
      ::kill(c.pid, SIGKILL);
      int st = 0;
      while (::waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
      }
    }
    if (c.pidfd >= 0) ::close(c.pidfd);
  }
}

size_t ProcessGroup::spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) throw Error(ErrorKind::internal, "no program to start for " + spec.name);
  // Everything the child needs is prepared before fork(): between fork and exec it may only make
  // async-signal-safe calls (this process has other threads).
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string exec_failed = "palette: cannot execute " + spec.argv[0] + "\n";
  int log = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(spec.log_path);
  // Park the inherited fds above any target number first, so no dup2 clobbers another's source.
  std::vector<std::pair<int, int>> moved;
  int highest_target = 2;
  for (const auto& [target, ours] : spec.fds) {
    moved.emplace_back(target, ::fcntl(ours, F_DUPFD_CLOEXEC, 100));
    highest_target = std::max(highest_target, target);
  }
  auto release = [&] {
    ::close(log);
    for (const auto& m : moved)
      if (m.second >= 0) ::close(m.second);
  };
  for (const auto& m : moved)
    if (m.second < 0) {
      release();
      throw Error(ErrorKind::io, std::string("cannot pass a descriptor to ") + spec.name + ": " + std::strerror(errno));
    }
  const pid_t parent = ::getpid();
  const pid_t group = pgid_;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, group);  // group 0: a new group led by this first child
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the launcher died before the line above
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the launcher blocks the signals it waits for
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    for (const auto& [target, fd] : moved) ::dup2(fd, target);  // dup2 clears close-on-exec
    for (int fd = 3; fd <= highest_target; ++fd) {
      bool wanted = std::any_of(moved.begin(), moved.end(), [&](const auto& m) { return m.first == fd; });
      if (!wanted) ::close(fd);
    }
    ::close_range(static_cast<unsigned>(highest_target + 1), ~0U, 0);
    ::execv(argv[0], argv.data());
    ssize_t ignored = ::write(2, exec_failed.data(), exec_failed.size());
    (void)ignored;
    ::_exit(127);
  }
  const int fork_errno = errno;
  release();
  if (pid < 0) throw Error(ErrorKind::io, "cannot start " + spec.name + ": " + std::strerror(fork_errno));
  if (pgid_ == 0) pgid_ = pid;
  ::setpgid(pid, pgid_);  // also from here: whichever of the two runs first, the child is in the group
  Child c;
  c.name = spec.name;
  c.log_path = spec.log_path;
  c.pid = pid;
  c.pidfd = open_pidfd(pid);
  children_.push_back(std::move(c));
  return children_.size() - 1;
}

ChildExit ProcessGroup::poll_exit(size_t k) {
  Child& c = children_[k];
  if (c.exit) return *c.exit;
  int st = 0;
  pid_t r = ::waitpid(c.pid, &st, WNOHANG);
  if (r == c.pid) c.exit = from_status(st);
  return c.exit ? *c.exit : ChildExit{};
}

std::string ProcessGroup::log_tail(size_t k, size_t lines) const {
  std::ifstream in(children_[k].log_path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 16384);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t start = text.size();
  for (size_t n = 0; n < lines && start > 0; ++n) {
    size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
  }
  if (start < text.size() && text[start] == '\n') ++start;
  return text.substr(start);
}

void ProcessGroup::signal_all(int sig) {
  if (pgid_ > 0) ::kill(-pgid_, sig);
  for (size_t k = 0; k < children_.size(); ++k)  // a child that could not join the group
    if (!poll_exit(k).exited) ::kill(children_[k].pid, sig);
}

std::vector<size_t> ProcessGroup::terminate(std::chrono::milliseconds grace) {
  signal_all(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto running = [&] {
    size_t n = 0;
    for (size_t k = 0; k < children_.size(); ++k) n += !poll_exit(k).exited;
    return n;
  };
  while (running() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<size_t> killed;
  for (size_t k = 0; k < children_.size(); ++k) {
    if (poll_exit(k).exited) continue;
    killed.push_back(k);
    ::kill(children_[k].pid, SIGKILL);
    int st = 0;
    while (::waitpid(children_[k].pid, &st, 0) < 0 && errno == EINTR) {
    }
    children_[k].exit = from_status(st);
  }
  return killed;
}

}  // namespace palette::emu
