#pragma once
// Service: one emulated service process (or placement group: several services of the topology in one
// process) serving its APIs on one TCP port. Each request is a coroutine on one of the worker threads:
// it asks the shared model Sampler for its plan (the same plan the simulator gets for the same seed
// and invocation key), runs the local-work gaps with the configured work spec, issues each step's
// calls together and waits for them (suspended: no thread is held), pads each call to its modelled
// overhead, applies live correction to the gaps still to run, and answers with its status, its own
// time and the overhead it could not absorb. Spans go to a per-process span file.
//
// palette-service is this class behind a command line; tests and benchmarks host services in-process.
//
//   ServiceConfig c;  c.services = {"frontend"};  c.peers = {{"search", Endpoint::parse("127.0.0.1:7002")}};
//   Service s(topology, c);  s.start();  ... uint16_t p = s.port(); ...  s.stop();
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "palette/emu/endpoint.hpp"
#include "palette/emu/log.hpp"
#include "palette/emu/scheduling.hpp"
#include "palette/emu/wire.hpp"
#include "palette/emu/work.hpp"
#include "palette/topology/topology.hpp"

namespace palette::emu {

struct ServiceConfig {
  std::vector<std::string> services;      // the services this process hosts (names in the topology)
  Endpoints peers;                        // where the services it calls listen (its own may be listed)
  Endpoint listen;                        // bind here (port 0: any free port), unless listen_fd >= 0
  int listen_fd = -1;                     // a listening socket handed over (the service owns it from then on)
  uint64_t seed = 1;                      // the experiment seed: the same one everywhere
  WorkKind work = WorkKind::sleep;        // for services whose topology entry names no `work`
  std::map<std::string, WorkKind> work_per_service;  // overrides `work` and the topology
  Calibration calibration;                // needed for cpu and memory work
  uint32_t threads = 1;                   // worker threads, each with its own event loop
  Scheduling scheduling;                  // of the worker threads (scheduling.hpp)
  // Requests of one hosted service running at once; unset: the topology's `workers` (0 = no limit).
  std::optional<uint32_t> concurrency;
  double call_timeout_s = 30;             // a call not answered by then fails with `timeout`
  uint32_t max_payload_bytes = wire::kDefaultMaxPayloadBytes;
  std::string spans_path;                 // "" = no spans
  LogFn log;                              // run-time problems; may be empty

  // Names known, peers for every callee service, threads > 0, ...; throws Error(bad_value).
  void validate(const model::Topology& topology) const;
};

struct ServiceStats {
  uint64_t invocations = 0;       // completed, any status
  uint64_t errors = 0, timeouts = 0;
  uint64_t bad_requests = 0;      // valid frames for an API this process does not host
  uint64_t malformed_frames = 0;  // each closed its connection
  uint64_t connections = 0;       // accepted
  double unabsorbed_us = 0;       // overhead live correction could not absorb, summed over invocations
  uint64_t span_records = 0;
  double cpu_s = 0, wall_s = 0;   // of the whole process (filled in by palette-service at exit)
};

// What a service process leaves behind at exit for the launcher: one "key value" line per field.
void write_service_stats(const std::string& path, const ServiceStats& stats);  // throws Error(io)
ServiceStats read_service_stats(const std::string& path);                     // throws Error(io / malformed)

class Service {
 public:
  // Loads nothing and starts nothing: checks the config and binds the listening socket.
  // The topology must outlive the service. Throws Error.
  Service(const model::Topology& topology, ServiceConfig config);
  ~Service();  // stop()s if needed (errors are swallowed; call stop() to see them)
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  uint16_t port() const;
  void start();  // runs the worker threads; returns at once
  // Stops accepting and serving, joins the threads and closes the span file. Requests still in
  // flight are abandoned. Throws Error(io) if spans could not be written.
  void stop();
  ServiceStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::emu
