#pragma once
// Worker: one thread of a service process, with its own event loop, its own connections to the
// services it calls and its own work units. A connection accepted by the process is handed to one
// worker, which reads its requests and runs each as a coroutine (invocation.cpp) on this thread, so
// nothing of a request is ever shared between threads but the limiter and the span log.
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "net/channel.hpp"
#include "palette/emu/service.hpp"
#include "palette/emu/span_log.hpp"
#include "palette/topology/sampler.hpp"
#include "runtime/limiter.hpp"
#include "runtime/timing.hpp"

namespace palette::emu {

// What the workers of one process share: read-only after start, but for the counters, the limiters
// and the span log (all thread-safe).
struct ServiceShared {
  ServiceShared(const model::Topology& t, ServiceConfig c);

  const model::Topology& topology;
  ServiceConfig config;
  model::Sampler sampler;
  std::vector<char> hosted_api;                     // by API index
  std::vector<WorkKind> work_of_service;            // by service index
  std::vector<std::vector<tcp::endpoint>> peer_of_service;  // one per replica
  std::vector<std::unique_ptr<Limiter>> limiter_of_service;
  std::unique_ptr<SpanLog> spans;
  WallClock clock;
  Clock::duration call_timeout;

  std::atomic<uint64_t> invocations{0}, errors{0}, timeouts{0}, bad_requests{0}, malformed{0}, connections{0};
  std::atomic<int64_t> unabsorbed_ns{0};

  void log(const std::string& message) const {
    if (config.log) config.log(message);
  }
};

class Worker {
 public:
  explicit Worker(ServiceShared& shared);
  ~Worker();

  asio::io_context& context() { return ctx_; }
  // Serves an accepted connection (thread-safe: the work is posted to this worker's loop).
  void adopt(tcp::socket socket, const std::string& peer);
  void start();
  void stop();  // stops the loop and joins the thread

 private:
  struct Outcome;
  struct StepOutcome;
  awaitable<void> read_requests(std::shared_ptr<Connection> conn, std::string peer);
  awaitable<void> invoke(std::shared_ptr<Connection> conn, RequestFrame request, Clock::time_point received);
  awaitable<Outcome> run_plan(const RequestFrame& request, Clock::time_point start);
  awaitable<StepOutcome> run_step(const RequestFrame& request, const model::InvocationPlan& plan, size_t k);
  awaitable<void> finish_unawaited(std::unique_ptr<PendingCall> call, SpanRecord span);
  awaitable<void> work(WorkKind kind, double us);
  Channel& channel(uint32_t service);
  void respond(const std::shared_ptr<Connection>& conn, const ResponseFrame& response);

  ServiceShared& shared_;
  asio::io_context ctx_{1};
  // Declared after ctx_, so destroyed before it: coroutine frames the context still holds then find
  // their calls already detached from these channels. By service, then replica.
  std::vector<std::vector<std::unique_ptr<Channel>>> channels_;
  std::vector<size_t> next_replica_;
  WorkUnits units_;
  WakeMargin margin_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

}  // namespace palette::emu
