#include "palette/emu/launcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "launcher/groups.hpp"
#include "launcher/remote.hpp"
#include "launcher/results.hpp"
#include "launcher/signal_watch.hpp"
#include "launcher/supervision.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/emu/process.hpp"
#include "palette/error.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace fs = std::filesystem;

namespace palette::emu {
namespace {

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

// Our ends of the readiness and stdin pipes, and listening sockets not yet handed over, whatever happens.
struct CloseDescriptors {
  std::vector<Group>& groups;
  ~CloseDescriptors() {
    for (auto& g : groups) {
      if (g.ready_read >= 0) ::close(g.ready_read);
      if (g.socket.fd >= 0) ::close(g.socket.fd);
      if (g.stdin_write >= 0) ::close(g.stdin_write);
    }
  }
};

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(ErrorKind::io, std::string("cannot make a pipe: ") + std::strerror(errno));
}

// Starts a group's process. Here, its listening socket is fd 3 and a readiness pipe fd 4. On a remote
// host, through the host's launch command: its stdin is a pipe we hold (closing it stops the process
// there), and its stdout, relayed by the launch command, is the readiness pipe.
void spawn(ProcessGroup& pg, Group& g, std::vector<std::string> argv, const std::string& dir) {
  if (g.remote()) argv = remote_argv(*g.host, argv);
  int ready[2];
  make_pipe(ready);
  g.ready_read = ready[0];
  int handed = g.socket.fd;  // the child's other descriptor, ours to close once it has it
  std::vector<std::pair<int, int>> fds = {{3, g.socket.fd}, {4, ready[1]}};
  if (g.remote()) {
    int in[2];
    try {
      make_pipe(in);
    } catch (...) {
      ::close(ready[1]);
      throw;
    }
    g.stdin_write = in[1];
    handed = in[0];
    fds = {{0, in[0]}, {1, ready[1]}};
  }
  ChildSpec spec{g.name, std::move(argv), dir + "/logs/" + g.name + ".log", std::move(fds)};
  try {
    g.child = pg.spawn(spec);
  } catch (...) {
    ::close(ready[1]);
    if (g.remote()) ::close(handed);  // a listening socket is left to CloseDescriptors
    throw;
  }
  ::close(ready[1]);
  ::close(handed);  // the child has it now
  if (!g.remote()) g.socket.fd = -1;
}

// Closes the stdin of every remote process (they stop, flushing their spans) and waits up to `grace_s`
// for their launch commands to return, before the local processes get SIGTERM.
void stop_remote(ProcessGroup& pg, std::vector<Group>& groups, double grace_s) {
  bool any = false;
  for (auto& g : groups)
    if (g.stdin_write >= 0) {
      ::close(g.stdin_write);
      g.stdin_write = -1;
      any = true;
    }
  if (!any) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  auto running = [&] {
    for (const auto& g : groups)
      if (g.remote() && !pg.poll_exit(g.child).exited) return true;
    return false;
  };
  while (running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// Where what the launch commands of a host's file transfers say goes.
std::string host_log(const std::string& dir, const EmuHost& host) { return dir + "/logs/host-" + host.name + ".log"; }

// Brings a stopped remote process's spans and stats back to where the local ones are.
void fetch_remote_files(const std::vector<Group>& groups, const EmuOptions& o, std::string& failure) {
  for (const auto& g : groups) {
    if (!g.remote()) continue;
    std::vector<std::pair<std::string, std::string>> files = {{"/logs/" + g.name + ".stats", "stats"}};
    if (o.spans) files.emplace_back("/spans/" + g.name + ".spans", "spans");
    for (const auto& [rel, what] : files) {
      try {
        run_on_host(*g.host, "cat " + shell_quote(g.host->workdir + rel), host_log(o.output_dir, *g.host), "",
                    o.output_dir + rel);
      } catch (const Error& e) {
        std::filesystem::remove(o.output_dir + rel);
        if (failure.empty()) failure = "could not fetch the " + what + " of " + g.name + ": " + e.what();
      }
    }
  }
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
  if (hosts.empty() && !host_of.empty())
    throw Error(ErrorKind::bad_value, "places processes on hosts, but no hosts are given").at_key("host_of");
  std::set<std::string> names;
  for (const auto& h : hosts) {
    if (h.name.empty()) throw Error(ErrorKind::bad_value, "a host needs a name").at_key("hosts");
    if (!names.insert(h.name).second) throw Error(ErrorKind::bad_value, "host \"" + h.name + "\" given twice").at_key("hosts");
    if (h.address.empty()) throw Error(ErrorKind::bad_value, "needs an address").at_key("hosts." + h.name + ".address");
    if (h.remote() && h.workdir.empty()) throw Error(ErrorKind::bad_value, "needs a workdir").at_key("hosts." + h.name + ".workdir");
    if (h.remote() && h.first_port == 0) throw Error(ErrorKind::bad_value, "must be a port > 0").at_key("hosts." + h.name + ".first_port");
  }
  for (const auto& [what, where] : host_of)
    if (!names.count(where)) throw Error(ErrorKind::bad_value, "no host \"" + where + "\"").at_key("host_of." + what);
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
  assign_hosts(groups, options);
  CloseDescriptors close_descriptors{groups};
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
  std::vector<const EmuHost*> remote_hosts;
  for (auto& g : groups) {
    if (!g.host) g.endpoint = Endpoint{options.host, 0};
    if (!g.remote()) {
      g.socket = open_listening_socket(Endpoint{g.endpoint.host, 0});
      g.endpoint.port = g.socket.port;
    } else if (std::find(remote_hosts.begin(), remote_hosts.end(), g.host) == remote_hosts.end()) {
      remote_hosts.push_back(g.host);
    }
    for (const auto& s : g.services) peers[s].push_back(g.endpoint);
  }
  // Each remote host gets its folders and this run's topology.yaml.
  for (const EmuHost* h : remote_hosts) {
    const std::string w = shell_quote(h->workdir);
    run_on_host(*h, "mkdir -p " + w + "/spans " + w + "/logs && rm -f " + w + "/spans/* " + w + "/logs/*.stats && cat > " + w +
                        "/topology.yaml",
                host_log(dir, *h), topology_file);
  }
  SignalWatch signals;
  ProcessGroup pg;
  for (auto& g : groups) spawn(pg, g, service_argv(options, g, binary, topology_file, peers, calibration, dir), dir);
  report.processes = groups.size();
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
  stop_remote(pg, groups, options.shutdown_grace_s);
  auto killed = pg.terminate(std::chrono::milliseconds(static_cast<int64_t>(options.shutdown_grace_s * 1000)));
  if (failure.empty()) {
    for (size_t k : killed)
      failure = "service process " + pg.name(k) + " did not stop within " + std::to_string(options.shutdown_grace_s) + " s of SIGTERM";
    for (const auto& g : groups) {
      ChildExit e = pg.poll_exit(g.child);
      if (e.exited && e.code != 0 && failure.empty()) failure = died_message(pg, g, e, "at shutdown");
    }
  }

  stage("collecting results");
  fetch_remote_files(groups, options, failure);
  model::RunResults results("emu", topology);
  collect_results(topology, options, groups, load, calibration, results, report, failure);
  results.write(dir);
  report.files.push_back("latencies.csv");
  report.files.push_back("summary.json");
  if (!failure.empty()) throw Error(ErrorKind::io, failure);
  return report;
}

}  // namespace palette::emu
