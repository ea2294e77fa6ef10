#include "palette/emu/load_generator.hpp"

#include <algorithm>
#include <optional>

#include "net/channel.hpp"
#include "palette/error.hpp"
#include "runtime/timing.hpp"

namespace palette::emu {

struct LoadGenerator::Impl {
  Impl(const model::Topology& t, const model::Sampler& s, model::WorkloadSpec w, LoadOptions o)
      : topology(t), sampler(s), spec(std::move(w)), options(std::move(o)), schedule(spec, sampler) {}

  const model::Topology& topology;
  const model::Sampler& sampler;
  model::WorkloadSpec spec;
  LoadOptions options;
  model::ArrivalSchedule schedule;  // validates the workload
  asio::io_context ctx{1};
  std::vector<std::vector<std::unique_ptr<Channel>>> channels;  // by service, replica; after ctx: destroyed first
  std::vector<size_t> next_replica;
  std::optional<asio::steady_timer> pacer;
  Clock::time_point t0;
  std::vector<std::optional<model::RequestResult>> results;  // by request id
  std::vector<double> excess;
  uint64_t outstanding = 0, users_active = 0;
  bool issuing = true, aborting = false, finished = false;
  double max_lag_us = 0;
  WakeMargin margin;
  Clock::time_point last_answer;


  void maybe_finish() {
    if (!issuing && outstanding == 0 && users_active == 0 && !finished) {
      finished = true;
      ctx.stop();
    }
  }

  // Sends one request at its intended time and records how it went. The caller counts it in
  // `outstanding` before it runs (a spawned coroutine starts later).
  awaitable<void> request(model::Arrival a) {
    if (results.size() <= a.request_id) {
      results.resize(a.request_id + 1);
      excess.resize(a.request_id + 1, 0.0);
    }
    const auto intended = plus_us(t0, a.time_us);
    RequestFrame f;
    f.api = a.draw.root;
    f.trace = TraceContext{LoadGenerator::trace_id(sampler.seed(), a.request_id), 0, 1};
    f.baggage = a.draw.context();
    // A replayed arrival may enter by an API of a service with no endpoint: that request fails.
    const uint32_t service = topology.apis[a.draw.root].service;
    auto& replicas = channels[service];
    Channel* ch = replicas.empty() ? nullptr : replicas[next_replica[service]++ % replicas.size()].get();
    std::unique_ptr<PendingCall> call;
    CallResult r;
    if (ch) {
      call = ch->start(f, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_s)));
      co_await Channel::wait(*call);
      r = call->result;
    } else {
      r.received = Clock::now();
    }
    model::RequestResult out;
    out.request_id = a.request_id;
    out.root = a.draw.root;
    out.start_us = a.time_us;
    out.latency_us = us_between(intended, r.received);
    out.status = r.status == Status::ok ? model::RequestStatus::ok
                 : r.status == Status::timeout ? model::RequestStatus::timeout
                                               : model::RequestStatus::error;
    out.warmup = a.warmup;
    results[a.request_id] = out;
    excess[a.request_id] = r.excess_us;
    last_answer = std::max(last_answer, r.received);
    --outstanding;
    maybe_finish();
  }

  // Waits on `timer` until an arrival's intended time (returns false if aborted meanwhile). Sending
  // precisely on time matters even though latency runs from the intended time: a request sent late
  // would count the generator's own lateness as the system's latency.
  awaitable<bool> wait_for(asio::steady_timer& timer, double time_us) {
    const auto when = plus_us(t0, time_us);
    if (when > Clock::now() && !co_await precise_wait_until(timer, when, margin)) co_return false;
    max_lag_us = std::max(max_lag_us, us_between(when, Clock::now()));
    co_return !aborting;
  }

  awaitable<void> open_loop() {
    while (auto a = schedule.next()) {
      if (!co_await wait_for(*pacer, a->time_us)) break;
      ++outstanding;
      asio::co_spawn(ctx, request(*a), asio::detached);
    }
    issuing = false;
    maybe_finish();
  }

  awaitable<void> user(model::Arrival a) {
    asio::steady_timer think(ctx);  // an abort does not cut a think time short: its grace covers it
    for (;;) {
      if (!co_await wait_for(think, a.time_us)) break;
      ++outstanding;
      co_await request(a);
      if (aborting) break;
      auto next = schedule.after_completion(a.user, us_between(t0, Clock::now()));
      if (!next) break;
      a = *next;
    }
    --users_active;
    maybe_finish();
  }

  awaitable<void> closed_loop() {
    auto first = schedule.first_requests();
    users_active = first.size();
    for (const auto& a : first) asio::co_spawn(ctx, user(a), asio::detached);
    issuing = false;
    maybe_finish();
    co_return;
  }
};

LoadGenerator::LoadGenerator(const model::Topology& topology, const model::Sampler& sampler, model::WorkloadSpec workload,
                             LoadOptions options)
    : impl_(std::make_unique<Impl>(topology, sampler, std::move(workload), std::move(options))) {
  Impl& m = *impl_;
  m.channels.resize(topology.services.size());
  m.next_replica.assign(topology.services.size(), 0);
  for (const auto& root : topology.roots) {
    const std::string& name = topology.services[topology.apis[root.api].service].name;
    if (!m.options.endpoints.count(name) || m.options.endpoints.at(name).empty())
      throw Error(ErrorKind::missing, "no endpoint for root service \"" + name + "\"").at_key("endpoints");
  }
  for (const auto& [name, replicas] : m.options.endpoints) {
    uint32_t s = topology.find_service(name);
    if (s == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("endpoints");
    for (const auto& endpoint : replicas) {
      error_code ec;
      auto address = asio::ip::make_address(endpoint.host, ec);
      if (ec) throw Error(ErrorKind::bad_value, "\"" + endpoint.host + "\" is not an IP address").at_key("endpoints");
      ChannelOptions o;
      o.lanes = std::max(1u, m.options.connections);
      o.log = m.options.log;
      m.channels[s].push_back(std::make_unique<Channel>(m.ctx, tcp::endpoint(address, endpoint.port), name, o));
    }
  }
  m.pacer.emplace(m.ctx);
}

LoadGenerator::~LoadGenerator() = default;

Id128 LoadGenerator::trace_id(uint64_t seed, uint64_t request_id) {
  // As ModelSampler::sample names the trace of the same request.
  model::Rng idr = model::Rng::for_key(seed, model::request_key(request_id) ^ 0x7EA7EA7EULL);
  uint64_t hi = idr.next() | 1;
  return Id128{hi, idr.next()};
}

LoadResult LoadGenerator::run() {
  Impl& m = *impl_;
  lower_timer_slack();
  ScopedScheduling scheduling(m.options.scheduling);
  if (!scheduling.problem().empty() && m.options.log) m.options.log(scheduling.problem());
  m.t0 = Clock::now();
  m.last_answer = m.t0;
  if (m.spec.arrivals == model::ArrivalProcess::closed) asio::co_spawn(m.ctx, m.closed_loop(), asio::detached);
  else asio::co_spawn(m.ctx, m.open_loop(), asio::detached);
  m.ctx.run();

  LoadResult out;
  out.aborted = m.aborting;
  out.max_send_lag_us = m.max_lag_us;
  out.wall_s = us_between(m.t0, m.last_answer) / 1e6;
  for (uint64_t id = 0; id < m.results.size(); ++id) {
    model::RequestResult r;
    if (m.results[id]) {
      r = *m.results[id];
    } else {
      // Issued but not answered when an abort's grace ran out.
      r.request_id = id;
      r.status = model::RequestStatus::error;
      ++out.unanswered;
    }
    out.requests.push_back(r);
    out.excess_us.push_back(m.excess[id]);
  }
  return out;
}

void LoadGenerator::abort() {
  Impl* m = impl_.get();
  asio::post(m->ctx, [m] {
    if (m->aborting || m->finished) return;
    m->aborting = true;
    m->issuing = false;
    m->pacer->cancel();
    auto grace = std::make_shared<asio::steady_timer>(m->ctx, std::chrono::duration_cast<Clock::duration>(
                                                                  std::chrono::duration<double>(m->options.abort_grace_s)));
    grace->async_wait([m, grace](error_code) {
      m->finished = true;
      m->ctx.stop();
    });
    m->maybe_finish();
  });
}

}  // namespace palette::emu
