// palette-service: one emulated service process (or placement group). Loads the topology every
// process of the emulation shares, serves its services' APIs on one port, calls its peers, records
// spans, and on SIGTERM/SIGINT stops, flushes and leaves its stats behind. The launcher (`palette
// emu`) starts these; on a testbed they can be started by hand or by any deployment tool:
//
//   palette-service --topology topology.yaml --service search --listen 10.0.0.2:7002
//     --peer geo=10.0.0.3:7003 --peer rate=10.0.0.3:7004 --seed 1 --work cpu --spans search.spans
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>

#include "palette/emu/example_topologies.hpp"
#include "palette/emu/service.hpp"
#include "palette/error.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace po = boost::program_options;
using namespace palette;
using namespace palette::emu;

namespace {

std::string name_for_logs = "palette-service";
std::mutex log_mutex;

void log_line(const std::string& message) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::localtime(&now));
  std::lock_guard lock(log_mutex);
  std::cerr << stamp << " " << name_for_logs << ": " << message << std::endl;
}

std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& key) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error(ErrorKind::bad_value, "expected NAME=VALUE, got \"" + text + "\"").at_key(key);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

int run(int argc, char** argv) {
  std::string topology_path, example, listen, calibration_text, work = "sleep", stats_path;
  std::vector<std::string> services, peers, work_for;
  int listen_fd = -1, ready_fd = -1;
  uint32_t concurrency = 0;
  int nice = 0;
  bool stop_on_eof = false;
  ServiceConfig config;
  po::options_description desc("palette-service options");
  desc.add_options()
    ("help,h", "show this help")
    ("name", po::value(&name_for_logs), "name in log lines")
    ("topology", po::value(&topology_path), "topology.yaml (the same file in every process)")
    ("example", po::value(&example), "a built-in example topology instead: chain:N[:WORK[:OVERHEAD]] or fanout10[:WORK[:OVERHEAD]]")
    ("service", po::value(&services)->composing(), "a service to host (repeat for a placement group)")
    ("listen", po::value(&listen), "HOST:PORT to serve on (default 127.0.0.1:0)")
    ("listen-fd", po::value(&listen_fd), "serve on this inherited listening socket instead")
    ("peer", po::value(&peers)->composing(), "NAME=HOST:PORT of a service this one calls (repeat; once per replica)")
    ("seed", po::value(&config.seed)->default_value(1), "experiment seed (the same everywhere)")
    ("work", po::value(&work)->default_value(work), "work spec: sleep, cpu or memory")
    ("work-for", po::value(&work_for)->composing(), "SERVICE=SPEC: another work spec for one service")
    ("calibration", po::value(&calibration_text), "cpu/memory calibration from the launcher (else measured at start)")
    ("threads", po::value(&config.threads)->default_value(1), "worker threads")
    ("concurrency", po::value(&concurrency), "requests per service at once (0 = unlimited; default: the topology's workers)")
    ("slice-us", po::value(&config.scheduling.slice_us)->default_value(config.scheduling.slice_us), "scheduler slice asked for, µs (0 = the kernel's)")
    ("nice", po::value(&nice), "nice value of the worker threads (below the current one needs CAP_SYS_NICE)")
    ("call-timeout", po::value(&config.call_timeout_s)->default_value(30), "seconds before a call fails with timeout")
    ("max-payload", po::value(&config.max_payload_bytes)->default_value(config.max_payload_bytes), "largest payload accepted, bytes")
    ("spans", po::value(&config.spans_path), "write spans to this file")
    ("stats", po::value(&stats_path), "write counters to this file at exit")
    ("ready-fd", po::value(&ready_fd), "write \"ready\" to this descriptor once serving")
    ("stop-on-stdin-eof", po::bool_switch(&stop_on_eof), "stop (as on SIGTERM) when stdin closes: how a launcher "
                                                          "stops a process it started through ssh");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << "usage: palette-service (--topology FILE | --example SPEC) --service NAME [options]\n\n" << desc << "\n";
    return 0;
  }
  po::notify(vm);
  const auto started = std::chrono::steady_clock::now();

  // SIGTERM/SIGINT are taken by sigwait below: block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  lower_timer_slack();

  model::Topology topology;
  if (!example.empty()) {
    topology = example_topology(example);
  } else if (!topology_path.empty()) {
    topology = model::load_topology_file(topology_path);
  } else {
    throw Error(ErrorKind::missing, "give --topology FILE or --example SPEC").at_key("--topology");
  }
  config.services = services;
  for (const auto& p : peers) {
    auto [name, where] = split_assignment(p, "--peer");
    config.peers[name].push_back(Endpoint::parse(where, "--peer"));  // repeated: its replicas
  }
  config.work = parse_work_kind(work);
  for (const auto& w : work_for) {
    auto [name, spec] = split_assignment(w, "--work-for");
    config.work_per_service[name] = parse_work_kind(spec);
  }
  if (vm.count("concurrency")) config.concurrency = concurrency;
  if (vm.count("nice")) config.scheduling.nice = nice;
  config.listen_fd = listen_fd;
  if (!listen.empty()) config.listen = Endpoint::parse(listen, "--listen");
  std::vector<WorkKind> kinds = {config.work};
  for (const auto& [n, k] : config.work_per_service) kinds.push_back(k);
  for (const auto& s : topology.services)
    if (!s.work.empty()) kinds.push_back(parse_work_kind(s.work));
  if (!calibration_text.empty()) {
    config.calibration = Calibration::parse(calibration_text);
  } else if (std::count(kinds.begin(), kinds.end(), WorkKind::cpu) || std::count(kinds.begin(), kinds.end(), WorkKind::memory)) {
    config.calibration = calibrate(kinds);
    log_line("calibrated: " + config.calibration.to_text());
  }
  config.log = log_line;

  Service service(topology, config);
  service.start();
  std::string hosted;
  for (const auto& s : services) hosted += (hosted.empty() ? "" : ", ") + s;
  log_line("serving " + hosted + " on port " + std::to_string(service.port()) + " (seed " + std::to_string(config.seed) +
           ", work " + work + ", " + std::to_string(config.threads) + " thread(s), " + config.scheduling.text() + ")");
  if (ready_fd >= 0) {
    std::string line = "ready " + std::to_string(service.port()) + "\n";
    ssize_t ignored = ::write(ready_fd, line.data(), line.size());
    (void)ignored;
    ::close(ready_fd);
  }

  if (stop_on_eof) {
    // A launcher that started this process remotely holds the other end of stdin: its closing (or the
    // connection's loss) is the stop signal no kill() of the launcher could deliver.
    std::thread([] {
      char buf[256];
      while (::read(0, buf, sizeof buf) > 0) {
      }
      ::kill(::getpid(), SIGTERM);
    }).detach();
  }
  int sig = 0;
  ::sigwait(&stop_signals, &sig);
  service.stop();
  ServiceStats stats = service.stats();
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  stats.cpu_s = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  stats.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!stats_path.empty()) write_service_stats(stats_path, stats);
  log_line("stopped by signal " + std::to_string(sig) + " after " + std::to_string(stats.invocations) + " invocations (" +
           std::to_string(stats.errors) + " errors, " + std::to_string(stats.timeouts) + " timeouts, " +
           std::to_string(stats.malformed_frames) + " malformed frames)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    log_line(std::string("error: ") + e.what());
  } catch (const po::error& e) {
    log_line(std::string(e.what()) + " (see palette-service --help)");
    return 2;
  } catch (const std::exception& e) {
    log_line(std::string("internal error: ") + e.what());
  }
  return 1;
}
