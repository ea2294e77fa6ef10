#pragma once
// Watching the service processes of a run: readiness at start, then deaths and signals while the
// load runs.
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "launcher/groups.hpp"
#include "launcher/signal_watch.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/emu/process.hpp"

namespace palette::emu {

// "service process X (pid N) was killed by signal 9 (Killed) <when>; its log ends with: ..."
std::string died_message(ProcessGroup& pg, const Group& g, const ChildExit& e, const std::string& when);
std::string signal_name(int sig);

// Waits until every group has said it is ready. Throws Error when one dies, a signal arrives or the
// deadline passes.
void wait_ready(ProcessGroup& pg, std::vector<Group>& groups, SignalWatch& signals, double timeout_s);

// Watches the processes and the signals while the load runs, on a thread of its own. A signal stops
// the load at once; a dead service stops it `failure_grace_s` later, so that the requests it fails
// are in the results.
class Monitor {
 public:
  Monitor(ProcessGroup& pg, const std::vector<Group>& groups, SignalWatch& signals, LoadGenerator& gen,
          double failure_grace_s);
  ~Monitor() { stop(); }
  void stop();
  std::string failure();  // "" when nothing happened

 private:
  void run();
  void fail(std::string why, double grace_s);

  ProcessGroup& pg_;
  const std::vector<Group>& groups_;
  SignalWatch& signals_;
  LoadGenerator& gen_;
  double failure_grace_s_;
  int stop_;  // an eventfd
  std::mutex m_;
  std::string failure_;
  std::thread thread_;
};

}  // namespace palette::emu
