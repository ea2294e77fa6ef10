// The runtime of one API invocation: plan, work, calls, live correction, answer, spans.
#include <algorithm>

#include "palette/error.hpp"
#include "runtime/worker.hpp"

namespace palette::emu {
namespace {

int64_t to_ns(double us) { return static_cast<int64_t>(std::max(0.0, us) * 1000.0); }

uint32_t payload_size(int64_t modelled, uint32_t max_payload) {
  return static_cast<uint32_t>(std::clamp<int64_t>(modelled, 0, max_payload));
}

// A timeout anywhere below wins over an error: it says more about what happened.
Status worse(Status a, Status b) {
  if (a == Status::timeout || b == Status::timeout) return Status::timeout;
  if (a != Status::ok || b != Status::ok) return Status::error;
  return Status::ok;
}

// The work of a cpu or memory gap is cut into slices of this long; between slices the thread serves
// others, so requests on one thread share it as threads share a core (processor sharing), and a long
// computation never keeps a response waiting in the socket.
constexpr double kSliceUs = 200;

}  // namespace

struct Worker::Outcome {
  Status status = Status::ok;
  // Runtime overhead in this invocation and below that no gap could absorb: what this runtime adds
  // to the invocation's latency beyond the model.
  double excess_us = 0;
};

struct Worker::StepOutcome {
  Status status = Status::ok;
  // Per call, what the model accounts for: the callee's own time less the runtime overhead it could
  // not absorb, plus the modelled call overhead.
  std::vector<double> expected_us;
};

awaitable<void> Worker::work(WorkKind kind, double us) {
  if (kind == WorkKind::sleep) {
    co_await precise_wait_until(plus_us(Clock::now(), us), margin_);
    co_return;
  }
  uint64_t units = units_.units_for(kind, us);
  const uint64_t slice = std::max<uint64_t>(1, units_.units_for(kind, kSliceUs));
  while (units > 0) {
    uint64_t n = std::min(units, slice);
    if (kind == WorkKind::cpu) units_.run_cpu(n);
    else units_.run_memory(n);
    units -= n;
    if (units > 0) co_await asio::post(ctx_, asio::use_awaitable);
  }
}

awaitable<void> Worker::invoke(std::shared_ptr<Connection> conn, RequestFrame request, Clock::time_point received) {
  const uint32_t service = shared_.topology.apis[request.api].service;
  Limiter* limiter = shared_.limiter_of_service[service].get();
  // The clock of live correction starts when the request arrived, so that a late wake-up counts as lost
  // time; but queueing for the limiter is this service's own time (the model's `workers`): not lost.
  Clock::time_point start = received;
  if (limiter) {
    const auto queued = Clock::now();
    co_await limiter->acquire();
    start += Clock::now() - queued;
  }
  Outcome outcome;
  std::string failure;
  try {
    outcome = co_await run_plan(request, start);
  } catch (const std::exception& e) {
    outcome.status = Status::error;
    failure = e.what();
  }
  if (limiter) limiter->release();
  if (!failure.empty()) shared_.log("invocation of " + shared_.topology.api_label(request.api) + " failed: " + failure);
  const auto end = Clock::now();

  ResponseFrame response;
  response.call_id = request.call_id;
  response.status = outcome.status;
  response.server_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - received).count();
  response.excess_ns = to_ns(outcome.excess_us);
  response.response_bytes = request.response_bytes;
  respond(conn, response);

  ++shared_.invocations;
  if (outcome.status == Status::timeout) ++shared_.timeouts;
  else if (outcome.status != Status::ok) ++shared_.errors;
  shared_.unabsorbed_ns += to_ns(outcome.excess_us);
  if (shared_.spans) {
    SpanRecord s;
    s.trace_hi = request.trace.trace_id.hi;
    s.trace_lo = request.trace.trace_id.lo;
    s.span_id = server_span_id(request.baggage.key);
    s.parent_id = request.trace.parent_span_id;
    s.start_us = shared_.clock.wall_us(received);
    s.duration_us = std::max<int64_t>(0, shared_.clock.wall_us(end) - s.start_us);
    s.api = request.api;
    s.caller = request.baggage.caller;
    s.request_bytes = request.request_bytes;
    s.response_bytes = request.response_bytes;
    s.side = SpanSide::server;
    s.status = static_cast<uint8_t>(outcome.status);
    shared_.spans->add(s);
  }
}

awaitable<Worker::Outcome> Worker::run_plan(const RequestFrame& request, Clock::time_point start) {
  const model::Sampler& sampler = shared_.sampler;
  const model::InvocationPlan plan = sampler.plan(request.api, request.baggage);
  const WorkKind kind = shared_.work_of_service[shared_.topology.apis[request.api].service];
  Outcome out;
  double gaps_us = 0, expected_us = 0, absorbed_us = 0;
  // Live correction (Sampler::correct_gap): the time lost so far to what the traced system did not do
  // — this runtime's per-hop and scheduling costs, timer lateness, and what callees could not absorb
  // of theirs — comes out of the gaps still to run. Callees' own times (their queueing and contention
  // included) and the work actually done are not lost time, so they are never absorbed.
  auto lost_us = [&] { return us_between(start, Clock::now()) - gaps_us - expected_us; };
  for (size_t k = 0; k <= plan.steps.size(); ++k) {
    const double gap = sampler.correct_gap(plan, k, lost_us(), absorbed_us, nullptr);
    absorbed_us += plan.gaps_us[k] - gap;
    if (gap > 0) {
      const auto t = Clock::now();
      co_await work(kind, gap);
      const double took = us_between(t, Clock::now());
      // A sleep that overran did so through timer lateness, not contention: count the overrun as lost
      // time. cpu and memory work count whole: running long on a shared core is contention.
      gaps_us += kind == WorkKind::sleep ? std::min(took, gap) : took;
    }
    if (k == plan.steps.size()) break;
    StepOutcome step = co_await run_step(request, plan, k);
    expected_us += sampler.compose_step(request.api, plan.steps[k], step.expected_us);
    if (step.status != Status::ok) {
      out.status = step.status;  // fail fast: the rest of the plan does not run
      break;
    }
  }
  // Measured after the last gap, so that its own overrun counts too.
  out.excess_us = std::max(0.0, lost_us() - absorbed_us);
  if (plan.inject_error && out.status == Status::ok) out.status = Status::error;  // an injected failure
  co_return out;
}

awaitable<Worker::StepOutcome> Worker::run_step(const RequestFrame& request, const model::InvocationPlan& plan, size_t k) {
  const model::StepPlan& step = plan.steps[k];
  const uint32_t max_payload = shared_.config.max_payload_bytes;
  StepOutcome out;
  out.expected_us.assign(step.calls.size(), 0.0);
  std::vector<std::unique_ptr<PendingCall>> calls(step.calls.size());
  std::vector<SpanRecord> spans(step.calls.size());
  for (size_t j = 0; j < step.calls.size(); ++j) {
    const model::CallPlan& c = step.calls[j];
    RequestFrame f;
    f.api = c.callee;
    f.trace = TraceContext{request.trace.trace_id, client_span_id(c.context.key), request.trace.flags};
    f.baggage = c.context;
    f.request_bytes = payload_size(c.request_bytes, max_payload);
    f.response_bytes = payload_size(c.response_bytes, max_payload);
    // The edge's own timeout (an intervention) when it has one, else the service's.
    const Clock::duration timeout = c.timeout_us > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::micro>(c.timeout_us))
                                                     : shared_.call_timeout;
    calls[j] = channel(shared_.topology.apis[c.callee].service).start(f, timeout);
    SpanRecord& s = spans[j];
    s.trace_hi = f.trace.trace_id.hi;
    s.trace_lo = f.trace.trace_id.lo;
    s.span_id = f.trace.parent_span_id;
    s.parent_id = server_span_id(request.baggage.key);
    s.api = c.callee;
    s.caller = request.api;
    s.request_bytes = f.request_bytes;
    s.response_bytes = f.response_bytes;
    s.side = SpanSide::client;
  }
  for (size_t j = 0; j < step.calls.size(); ++j)
    if (!step.calls[j].awaited) asio::co_spawn(ctx_, finish_unawaited(std::move(calls[j]), spans[j]), asio::detached);

  // The step ends when its last awaited call does. Each call is padded to what the model makes of it:
  // its modelled overhead (the network and client library of the traced system) on top of the
  // callee's own time less the runtime overhead the callee could not absorb — so the padding absorbs
  // this hop's cost and what is left of the callee's first. What exceeds the padding is lost time for
  // live correction.
  auto end = Clock::now();
  std::vector<Clock::time_point> call_end(step.calls.size());
  for (size_t j = 0; j < step.calls.size(); ++j) {
    if (!step.calls[j].awaited) continue;
    co_await Channel::wait(*calls[j]);
    const CallResult& r = calls[j]->result;
    out.status = worse(out.status, r.status);
    out.expected_us[j] = std::max(0.0, r.server_us - r.excess_us) + step.calls[j].overhead_us;
    call_end[j] = r.status == Status::ok ? std::max(r.received, plus_us(r.sent, out.expected_us[j])) : r.received;
    end = std::max(end, call_end[j]);
  }
  if (out.status == Status::ok && end > Clock::now()) co_await precise_wait_until(end, margin_);
  if (shared_.spans) {
    for (size_t j = 0; j < step.calls.size(); ++j) {
      if (!step.calls[j].awaited) continue;
      SpanRecord& s = spans[j];
      s.start_us = shared_.clock.wall_us(calls[j]->result.sent);
      s.duration_us = std::max<int64_t>(0, shared_.clock.wall_us(call_end[j]) - s.start_us);
      s.status = static_cast<uint8_t>(calls[j]->result.status);
      shared_.spans->add(s);
    }
  }
  co_return out;
}

awaitable<void> Worker::finish_unawaited(std::unique_ptr<PendingCall> call, SpanRecord span) {
  // Nobody waits for a fire-and-forget call; it is still answered, and its span recorded.
  co_await Channel::wait(*call);
  if (!shared_.spans) co_return;
  span.start_us = shared_.clock.wall_us(call->result.sent);
  span.duration_us = std::max<int64_t>(0, shared_.clock.wall_us(call->result.received) - span.start_us);
  span.status = static_cast<uint8_t>(call->result.status);
  shared_.spans->add(span);
}

}  // namespace palette::emu
