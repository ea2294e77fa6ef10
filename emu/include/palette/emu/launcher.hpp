#pragma once
// The launcher: runs one emulation end to end on this machine, as `palette emu` does.
//   1. opens a listening socket per process (one per service, or per placement group, times its
//      replicas) on the host (loopback by default), so every port is known before anything starts;
//   2. writes the topology into the output folder (every service loads that one file), calibrates cpu
//      and memory work once, and starts one palette-service per process (ProcessGroup: one process
//      group, parent-death signal, logs per process), handing each its socket;
//   3. waits until each says it is ready (or dies: then its log tail is the error);
//   4. runs the load generator while watching the processes and SIGINT/SIGTERM: a signal stops the
//      load at once; a service that dies stops it a moment later (failure_grace_s), so that the
//      requests it fails are in the results;
//   5. stops the services (SIGTERM: they flush their spans; SIGKILL after a grace period), merges the
//      spans into one trace file, and writes latencies.csv and summary.json (the simulator's keys,
//      plus the emulator's numbers under "extra").
// On a failure in step 4 the partial results are still written; then an Error says what happened.
// No child outlives run_emulation, whatever happens to it.
//
// Across a testbed (`hosts`): a process placed on a host with a `launch` command is started through it
// (e.g. "ssh -o BatchMode=yes node1": the command gets one shell command line as its last argument).
// The topology is copied there first (through the same command, on its stdin), the service listens
// on the host's address at a port from `first_port` on, says "ready" on its stdout (which the launch
// command relays), stops when its stdin closes (so closing our end of the pipe stops it there, where no
// signal of ours reaches), and its spans and stats are fetched back with `cat` once it has stopped.
// A host without a launch command runs its processes here, listening on its address.
//
//   EmuOptions o;  o.output_dir = "results/emu";  o.workload.rate_per_s = 50;  o.workload.requests = 2000;
//   EmuReport r = run_emulation(topology, o);
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "palette/emu/scheduling.hpp"
#include "palette/emu/work.hpp"
#include "palette/topology/topology.hpp"
#include "palette/workload/workload.hpp"

namespace palette::emu {

// A machine of the testbed. Its processes listen on `address`; peers and the load generator reach them
// there.
struct EmuHost {
  std::string name;
  std::string address = "127.0.0.1";
  std::string launch;                        // "" = this machine; else runs a shell command line there
  std::string binary;                        // palette-service there; "" = the path found here
  std::string workdir = "/tmp/palette-emu";  // there: topology.yaml, spans/, logs/
  uint16_t first_port = 17000;               // its processes listen on first_port, first_port + 1, ...
  bool remote() const { return !launch.empty(); }
};

struct EmuOptions {
  std::string output_dir;
  bool force = false;          // write into an output folder that is not empty
  model::WorkloadSpec workload;
  uint64_t seed = 1;           // the model's draws (the workload has its own seed)
  WorkKind work = WorkKind::sleep;
  std::map<std::string, WorkKind> work_per_service;
  uint32_t threads = 1;        // worker threads per process
  Scheduling scheduling;       // of the services' threads and of the load generator
  std::optional<uint32_t> concurrency;  // per service; unset: the topology's workers
  // Services that share a process, beyond the topology's own `group`s; the others get one each.
  // A service with `replicas: n` runs in n processes (its group's too: instance i hosts the members
  // with more than i replicas), and callers spread their calls over them.
  std::vector<std::vector<std::string>> placement;
  std::string host = "127.0.0.1";  // where the processes listen when `hosts` is empty
  // The testbed: processes go to the host `host_of` names for their group (or for any of its
  // services), the others round-robin over `hosts` in order. Empty: all on this machine at `host`.
  std::vector<EmuHost> hosts;
  std::map<std::string, std::string> host_of;
  std::string service_binary;  // "" = $PALETTE_SERVICE, else palette-service beside this executable
  double startup_timeout_s = 60;
  double call_timeout_s = 30;     // service to service
  double request_timeout_s = 30;  // load generator to root
  double shutdown_grace_s = 5;
  // After a service dies, the load goes on this long — its requests fail and are recorded — before
  // the run stops.
  double failure_grace_s = 1;
  bool spans = true;
  std::string trace_format = "jaeger";  // or "otlp"
  uint32_t connections = 1;       // load generator connections per root service

  void validate(const model::Topology& topology) const;  // throws Error(bad_value) naming the option
};

struct EmuReport {
  std::string output_dir;
  uint64_t requests = 0, ok = 0, failed = 0;  // reported requests (warm-up left out)
  uint64_t processes = 0, traces = 0;
  double wall_s = 0;
  double p50_us = 0, p99_us = 0;
  std::vector<std::string> files;  // written, relative to output_dir
};

using EmuProgressFn = std::function<void(const std::string& stage)>;

EmuReport run_emulation(const model::Topology& topology, const EmuOptions& options, const EmuProgressFn& progress = {});

// Where palette-service is: `configured`, else $PALETTE_SERVICE, else beside the running executable
// (or in ../emu/ of it, as in the build tree). Throws Error(missing).
std::string find_service_binary(const std::string& configured);

}  // namespace palette::emu
