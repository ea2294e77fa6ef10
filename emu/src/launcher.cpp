#include "palette/emu/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "palette/emu/load_generator.hpp"
#include "palette/emu/process.hpp"
#include "palette/emu/service.hpp"
#include "palette/emu/sockets.hpp"
#include "palette/emu/span_log.hpp"
#include "palette/error.hpp"
#include "palette/results/run_results.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace fs = std::filesystem;

namespace palette::emu {
namespace {

using Clock = std::chrono::steady_clock;

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

struct Group {
  std::string name;                   // the process's name: its service, or "a+b" for a group
  std::vector<std::string> services;
  ListeningSocket socket;
  int ready_read = -1;                // our end of the readiness pipe
  size_t child = 0;                   // index in the ProcessGroup
  bool ready = false;
};

std::string signal_name(int sig) { return std::string(::strsignal(sig)) + " (signal " + std::to_string(sig) + ")"; }

std::string died_message(ProcessGroup& pg, const Group& g, const ChildExit& e, const std::string& when) {
  std::string tail = pg.log_tail(g.child);
  return "service process " + g.name + " (pid " + std::to_string(pg.pid(g.child)) + ") " + e.describe() + " " + when +
         (tail.empty() ? std::string("; its log is empty") : "; its log ends with:\n" + tail);
}

void check_output_dir(const std::string& dir, bool force) {
  if (dir.empty()) throw Error(ErrorKind::missing, "give an output folder").at_key("output");
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw Error(ErrorKind::bad_value, "exists and is not a folder").at_file(dir);
    if (!force && !fs::is_empty(dir, ec))
      throw Error(ErrorKind::bad_value, "is not empty; not overwriting it").at_file(dir).with_hint("pass --force to write into it anyway");
  }
  fs::create_directories(fs::path(dir) / "logs", ec);
  if (ec) throw Error(ErrorKind::io, "cannot create: " + ec.message()).at_file(dir);
}

// The processes to start: placement groups (the options', then the topology's `group`s), one process
// per service otherwise, each as many times as its members' largest replica count.
std::vector<Group> make_groups(const model::Topology& t, const EmuOptions& o) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> sets;  // name, services
  std::vector<char> placed(t.services.size(), 0);
  for (const auto& names : o.placement) {
    std::pair<std::string, std::vector<uint32_t>> set;
    for (const auto& n : names) {
      uint32_t s = t.find_service(n);
      if (s == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + n + "\" in the topology").at_key("placement");
      if (placed[s]) throw Error(ErrorKind::bad_value, "service \"" + n + "\" placed twice").at_key("placement");
      placed[s] = 1;
      set.first += (set.first.empty() ? "" : "+") + n;
      set.second.push_back(s);
    }
    if (!set.second.empty()) sets.push_back(set);
  }
  std::map<std::string, size_t> by_group;
  for (uint32_t s = 0; s < t.services.size(); ++s) {
    if (placed[s]) continue;
    const std::string& g = t.services[s].group;
    if (g.empty()) {
      sets.push_back({t.services[s].name, {s}});
    } else {
      auto [it, fresh] = by_group.emplace(g, sets.size());
      if (fresh) sets.push_back({g, {}});
      sets[it->second].second.push_back(s);
    }
  }
  std::vector<Group> groups;
  for (const auto& [name, members] : sets) {
    uint32_t instances = 1;
    for (uint32_t s : members) instances = std::max(instances, t.services[s].replicas);
    for (uint32_t i = 0; i < instances; ++i) {
      Group g;
      g.name = instances > 1 ? name + "#" + std::to_string(i) : name;
      for (uint32_t s : members)
        if (std::max(1u, t.services[s].replicas) > i) g.services.push_back(t.services[s].name);
      groups.push_back(std::move(g));
    }
  }
  return groups;
}

std::vector<std::string> service_argv(const EmuOptions& o, const Group& g, const std::string& binary,
                                      const std::string& topology_file, const Endpoints& peers,
                                      const Calibration& calibration, const std::string& dir) {
  std::vector<std::string> a = {binary, "--name", g.name, "--topology", topology_file};
  for (const auto& s : g.services) a.insert(a.end(), {"--service", s});
  a.insert(a.end(), {"--listen-fd", "3", "--ready-fd", "4", "--seed", std::to_string(o.seed), "--work", to_string(o.work),
                     "--threads", std::to_string(o.threads), "--call-timeout", std::to_string(o.call_timeout_s),
                     "--stats", dir + "/logs/" + g.name + ".stats"});
  for (const auto& [s, k] : o.work_per_service) a.insert(a.end(), {"--work-for", s + "=" + to_string(k)});
  if (o.concurrency) a.insert(a.end(), {"--concurrency", std::to_string(*o.concurrency)});
  a.insert(a.end(), {"--slice-us", std::to_string(o.scheduling.slice_us)});
  if (o.scheduling.nice) a.insert(a.end(), {"--nice", std::to_string(*o.scheduling.nice)});
  for (const auto& [s, replicas] : peers)
    for (const auto& e : replicas) a.insert(a.end(), {"--peer", s + "=" + e.text()});
  if (calibration.cpu_ns_per_unit > 0 || calibration.memory_ns_per_unit > 0)
    a.insert(a.end(), {"--calibration", calibration.to_text()});
  if (o.spans) a.insert(a.end(), {"--spans", dir + "/spans/" + g.name + ".spans"});
  return a;
}

// Waits until every group has said it is ready. Throws Error when one dies, a signal arrives or the
// deadline passes.
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

// Watches the processes and the signals while the load runs; the first event aborts the load.
class Monitor {
 public:
  Monitor(ProcessGroup& pg, const std::vector<Group>& groups, SignalWatch& signals, LoadGenerator& gen, double failure_grace_s)
      : pg_(pg), groups_(groups), signals_(signals), gen_(gen), failure_grace_s_(failure_grace_s), stop_(::eventfd(0, EFD_CLOEXEC)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Monitor() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    ssize_t ignored = ::write(stop_, &one, sizeof one);
    (void)ignored;
    thread_.join();
    ::close(stop_);
  }
  std::string failure() {
    std::lock_guard lock(m_);
    return failure_;
  }

 private:
  // Records the failure and stops the load, at once or after `grace_s` (unless a signal or the end
  // of the run comes first), so that the requests a dead service fails are recorded as errors.
  void fail(std::string why, double grace_s = 0) {
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
  void run() {
    for (;;) {
      std::vector<pollfd> fds = {{stop_, POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
      for (const auto& g : groups_)
        if (pg_.pidfd(g.child) >= 0) fds.push_back({pg_.pidfd(g.child), POLLIN, 0});
      ::poll(fds.data(), fds.size(), 100);  // the timeout covers kernels without pidfds
      if (fds[0].revents) return;
      if (fds[1].revents) {
        if (int sig = signals_.take()) return fail("interrupted by " + signal_name(sig) + "; partial results written");
      }
      for (const auto& g : groups_) {
        ChildExit e = pg_.poll_exit(g.child);
        if (e.exited) return fail(died_message(pg_, g, e, "during the run; the load was stopped"), failure_grace_s_);
      }
    }
  }
  ProcessGroup& pg_;
  const std::vector<Group>& groups_;
  SignalWatch& signals_;
  LoadGenerator& gen_;
  double failure_grace_s_;
  int stop_;
  std::mutex m_;
  std::string failure_;
  std::thread thread_;
};

std::string workload_text(const model::WorkloadSpec& w) {
  std::string s = to_string(w.arrivals);
  if (w.arrivals == model::ArrivalProcess::closed) s += " users=" + std::to_string(w.users);
  else if (w.arrivals != model::ArrivalProcess::replay) s += " rate=" + std::to_string(w.rate_per_s) + "/s";
  if (w.requests) s += " requests=" + std::to_string(w.requests);
  if (w.duration_s > 0) s += " duration=" + std::to_string(w.duration_s) + "s";
  return s;
}

}  // namespace

void EmuOptions::validate(const model::Topology& t) const {
  workload.validate();
  if (threads == 0) throw Error(ErrorKind::bad_value, "must be at least 1").at_key("threads");
  if (connections == 0) throw Error(ErrorKind::bad_value, "must be at least 1").at_key("connections");
  for (double v : {startup_timeout_s, call_timeout_s, request_timeout_s})
    if (!(v > 0)) throw Error(ErrorKind::bad_value, "timeouts must be > 0").at_key("timeout");
  if (!(shutdown_grace_s >= 0)) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("shutdown_grace");
  if (!(failure_grace_s >= 0)) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("failure_grace");
  if (trace_format != "jaeger" && trace_format != "otlp")
    throw Error(ErrorKind::bad_value, "\"" + trace_format + "\"").at_key("trace_format").with_hint("jaeger or otlp");
  for (const auto& [name, kind] : work_per_service)
    if (t.find_service(name) == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("work");
}

std::string find_service_binary(const std::string& configured) {
  auto usable = [](const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; };
  if (!configured.empty()) {
    if (!usable(configured)) throw Error(ErrorKind::missing, "not an executable").at_file(configured).at_key("service_binary");
    return configured;
  }
  if (const char* env = std::getenv("PALETTE_SERVICE"); env && *env) {
    if (!usable(env)) throw Error(ErrorKind::missing, "not an executable").at_file(env).at_key("PALETTE_SERVICE");
    return env;
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {self.parent_path() / "palette-service", self.parent_path().parent_path() / "emu" / "palette-service"})
      if (usable(p)) return p.string();
  }
  throw Error(ErrorKind::missing, "cannot find the palette-service executable")
      .with_hint("install it beside palette, or set PALETTE_SERVICE to its path");
}

EmuReport run_emulation(const model::Topology& topology, const EmuOptions& options, const EmuProgressFn& progress) {
  auto stage = [&](const std::string& s) {
    if (progress) progress(s);
  };
  options.validate(topology);
  const std::string binary = find_service_binary(options.service_binary);
  std::vector<Group> groups = make_groups(topology, options);
  check_output_dir(options.output_dir, options.force);
  const std::string& dir = options.output_dir;
  EmuReport report;
  report.output_dir = dir;
  if (options.spans) fs::create_directories(fs::path(dir) / "spans");

  // Calibrate here, once, before the services load the machine.
  std::vector<WorkKind> kinds = {options.work};
  for (const auto& [s, k] : options.work_per_service) kinds.push_back(k);
  for (const auto& s : topology.services)
    if (!s.work.empty()) kinds.push_back(parse_work_kind(s.work));
  Calibration calibration;
  if (std::count(kinds.begin(), kinds.end(), WorkKind::cpu) || std::count(kinds.begin(), kinds.end(), WorkKind::memory)) {
    stage("calibrating work");
    calibration = calibrate(kinds);
  }
  // Every service loads this very file: the same topology everywhere, and a record of the run.
  const std::string topology_file = dir + "/topology.yaml";
  model::save_topology_file(topology, topology_file);
  report.files.push_back("topology.yaml");

  stage("starting " + std::to_string(groups.size()) + " service processes");
  Endpoints peers;
  for (auto& g : groups) {
    g.socket = open_listening_socket(Endpoint{options.host, 0});
    for (const auto& s : g.services) peers[s].push_back(Endpoint{options.host, g.socket.port});
  }
  SignalWatch signals;
  ProcessGroup pg;
  for (auto& g : groups) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw Error(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
    g.ready_read = ready[0];
    ChildSpec spec{g.name, service_argv(options, g, binary, topology_file, peers, calibration, dir),
                   dir + "/logs/" + g.name + ".log", {{3, g.socket.fd}, {4, ready[1]}}};
    try {
      g.child = pg.spawn(spec);
    } catch (...) {
      ::close(ready[1]);
      throw;
    }
    ::close(ready[1]);
    ::close(g.socket.fd);  // the child has it now
    g.socket.fd = -1;
  }
  report.processes = groups.size();
  struct CloseReady {
    std::vector<Group>& groups;
    ~CloseReady() {
      for (auto& g : groups) {
        if (g.ready_read >= 0) ::close(g.ready_read);
        if (g.socket.fd >= 0) ::close(g.socket.fd);
      }
    }
  } close_ready{groups};
  wait_ready(pg, groups, signals, options.startup_timeout_s);

  stage("running " + workload_text(options.workload));
  model::Sampler sampler(topology, options.seed);
  LoadOptions lo;
  lo.endpoints = peers;
  lo.timeout_s = options.request_timeout_s;
  lo.connections = options.connections;
  lo.scheduling = options.scheduling;
  LoadGenerator gen(topology, sampler, options.workload, lo);
  std::string failure;
  LoadResult load;
  {
    Monitor monitor(pg, groups, signals, gen, options.failure_grace_s);
    load = gen.run();
    monitor.stop();
    failure = monitor.failure();
  }

  stage("stopping the services");
  auto killed = pg.terminate(std::chrono::milliseconds(static_cast<int64_t>(options.shutdown_grace_s * 1000)));
  if (failure.empty()) {
    for (size_t k : killed)
      failure = "service process " + pg.name(k) + " did not stop within " + std::to_string(options.shutdown_grace_s) + " s of SIGTERM";
    for (const auto& g : groups) {
      ChildExit e = pg.poll_exit(g.child);
      if (e.exited && e.code != 0 && failure.empty()) failure = died_message(pg, g, e, "at shutdown");
    }
  }

  // Results: what the load generator measured, what the services counted, and their spans.
  model::RunResults results("emu", topology);
  std::vector<double> ok_latency, excess;
  for (size_t k = 0; k < load.requests.size(); ++k) {
    const auto& r = load.requests[k];
    results.add_request(r);
    if (r.warmup) continue;
    ++report.requests;
    if (r.status == model::RequestStatus::ok) {
      ++report.ok;
      ok_latency.push_back(r.latency_us);
      excess.push_back(load.excess_us[k]);
    } else {
      ++report.failed;
    }
  }
  const stats::Sample latency(ok_latency), unabsorbed(excess);
  report.p50_us = latency.quantile(0.5);
  report.p99_us = latency.quantile(0.99);
  report.wall_s = load.wall_s;
  double excess_sum = 0, latency_sum = 0;
  for (size_t k = 0; k < excess.size(); ++k) {
    excess_sum += excess[k];
    latency_sum += ok_latency[k];
  }
  results.set_extra("unabsorbed_overhead_us_mean", excess.empty() ? 0.0 : unabsorbed.mean());
  results.set_extra("unabsorbed_overhead_us_p50", unabsorbed.quantile(0.5));
  results.set_extra("unabsorbed_overhead_us_p99", unabsorbed.quantile(0.99));
  results.set_extra("unabsorbed_overhead_share", latency_sum > 0 ? excess_sum / latency_sum : 0.0);
  results.set_extra("max_send_lag_us", load.max_send_lag_us);
  results.set_extra("wall_s", load.wall_s);
  results.set_extra("unanswered_requests", static_cast<double>(load.unanswered));
  results.set_extra("processes", static_cast<double>(groups.size()));
  if (calibration.cpu_ns_per_unit > 0) results.set_extra("cpu_ns_per_unit", calibration.cpu_ns_per_unit);
  if (calibration.memory_ns_per_unit > 0) results.set_extra("memory_ns_per_unit", calibration.memory_ns_per_unit);
  double malformed = 0, cpu_s = 0;
  for (const auto& g : groups) {
    try {
      ServiceStats s = read_service_stats(dir + "/logs/" + g.name + ".stats");
      malformed += static_cast<double>(s.malformed_frames);
      cpu_s += s.cpu_s;
      if (s.wall_s > 0) results.set_host_utilisation(g.name, s.cpu_s / s.wall_s);
    } catch (const Error&) {
      // a process that died left no stats; the failure message says why
    }
  }
  results.set_extra("malformed_frames", malformed);
  results.set_extra("services_cpu_s", cpu_s);
  results.set_info("seed", std::to_string(options.seed));
  results.set_info("workload", workload_text(options.workload));
  results.set_info("work", to_string(options.work));
  results.set_info("topology", "topology.yaml");
  results.set_info("threads_per_process", std::to_string(options.threads));
  results.set_info("scheduling", options.scheduling.text());
  results.set_info("host", options.host);
  if (!failure.empty()) results.set_info("failure", failure);

  if (options.spans) {
    stage("merging spans");
    std::vector<std::string> files;
    for (const auto& g : groups) {
      std::string f = dir + "/spans/" + g.name + ".spans";
      if (fs::exists(f)) files.push_back(f);
    }
    const std::string traces = "traces." + options.trace_format + ".json";
    try {
      MergeReport m = merge_span_files(files, topology, dir + "/" + traces, options.trace_format);
      report.traces = m.traces;
      report.files.push_back(traces);
      for (size_t a = 0; a < m.server_latencies_us.size(); ++a)
        for (double v : m.server_latencies_us[a]) results.add_invocation(static_cast<model::ApiIndex>(a), v);
      results.set_extra("span_records", static_cast<double>(m.records));
      results.set_extra("traces", static_cast<double>(m.traces));
    } catch (const Error& e) {
      // The latencies are still worth writing; the run fails with both reasons.
      failure += (failure.empty() ? "" : "; also, ") + std::string("the spans could not be merged: ") + e.what();
      results.set_info("failure", failure);
    }
  }
  results.write(dir);
  report.files.push_back("latencies.csv");
  report.files.push_back("summary.json");
  if (!failure.empty()) throw Error(ErrorKind::io, failure);
  return report;
}

}  // namespace palette::emu
