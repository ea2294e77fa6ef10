#pragma once
// ProcessGroup: the child processes of one emulation, started so that none can outlive it.
//   - every child is in one new process group, so one kill() reaches them all (and a Ctrl-C at the
//     terminal reaches only the launcher, which then tears them down in order);
//   - every child has PR_SET_PDEATHSIG = SIGKILL, so even a launcher killed with SIGKILL takes its
//     children with it (the kernel sends it when the thread that forked exits: fork from the thread
//     that will wait for them, as run_emulation does);
//   - the destructor SIGKILLs and reaps whatever is left.
// Each child's stdout and stderr go to its own log file, whose tail explains a death; a pidfd per
// child lets the launcher poll() for deaths alongside its other events.
//
//   ProcessGroup g;
//   size_t k = g.spawn({"frontend", {"/path/palette-service", "--service", "frontend"}, "logs/frontend.log", {{3, fd}}});
//   ... poll(g.pidfd(k)) ...   g.terminate(std::chrono::seconds(5));
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace palette::emu {

struct ChildSpec {
  std::string name;                       // for messages
  std::vector<std::string> argv;          // argv[0] is the executable's path
  std::string log_path;                   // stdout and stderr (appended)
  std::vector<std::pair<int, int>> fds;   // {fd number in the child, fd of ours}: inherited
};

struct ChildExit {
  bool exited = false;  // false: still running
  int code = 0;         // exit code, or -signal when killed by a signal
  std::string describe() const;  // "exited with status 1", "was killed by signal 9 (Killed)"
};

class ProcessGroup {
 public:
  ProcessGroup() = default;
  ~ProcessGroup();  // SIGKILL and reap every child still there
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // Starts a child (fork + exec); returns its index. Throws Error(io) when it cannot be started
  // (an exec failure shows as an exit with status 127 and a line in its log).
  size_t spawn(const ChildSpec& spec);

  size_t size() const { return children_.size(); }
  const std::string& name(size_t k) const { return children_[k].name; }
  pid_t pid(size_t k) const { return children_[k].pid; }
  int pidfd(size_t k) const { return children_[k].pidfd; }  // readable once the child has exited
  // Reaps the child if it has exited (non-blocking).
  ChildExit poll_exit(size_t k);
  // The last `lines` lines of the child's log.
  std::string log_tail(size_t k, size_t lines = 20) const;

  void signal_all(int sig);
  // SIGTERM to all, wait up to `grace` for every child to exit, then SIGKILL the rest; reaps all.
  // Returns the children that had to be killed.
  std::vector<size_t> terminate(std::chrono::milliseconds grace);

 private:
  struct Child {
    std::string name, log_path;
    pid_t pid = -1;
    int pidfd = -1;
    std::optional<ChildExit> exit;
  };
  std::vector<Child> children_;
  pid_t pgid_ = 0;
};

}  // namespace palette::emu
