#include "engine/simulator.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>

#include "engine/event_queue.hpp"
#include "engine/pool.hpp"
#include "engine/resources.hpp"
#include "engine/routes.hpp"
#include "engine/span_recorder.hpp"
#include "palette/error.hpp"
#include "palette/topology/model_sampling.hpp"

namespace palette::sim::engine {
namespace {

using model::ApiIndex;

enum Kind : uint32_t {
  kArrival = kFirstEngineKind,  // obj: PendingArrival — a request enters
  kCallArrived,                 // obj: Visit — its request message reached the service
  kBegin,                       // obj: Visit — a worker is free for it (after waiting in line)
  kGapDone,                     // obj: Visit, arg: gap
  kCpuPartDone,                 // obj: Visit, arg: gap — the CPU share of the gap is done; its wait follows
  kCallReturned,                // obj: Visit — the caller has the response
  kRequestCpuDone,              // obj: Visit — the CPU share of the caller-side call overhead is done
  kResponseCpuDone,             // obj: Visit — the CPU share of the callee-side call overhead is done
  kCallTimeout,                 // obj: Visit — its caller gives up on it (Edge::timeout_us)
};

// A request's or an invocation's outcome, worst wins: errors and timeouts travel up awaited calls.
enum class Outcome : uint8_t { ok, error, timeout };
Outcome worst(Outcome a, Outcome b) { return a > b ? a : b; }
model::RequestStatus status_of(Outcome o) {
  return o == Outcome::ok ? model::RequestStatus::ok : o == Outcome::error ? model::RequestStatus::error : model::RequestStatus::timeout;
}

struct RequestState;

// One API invocation in flight.
struct Visit {
  RequestState* request = nullptr;
  Visit* parent = nullptr;
  uint32_t parent_step = 0, parent_call = 0;
  ApiIndex api = 0;
  uint32_t service = 0, instance = 0, host = 0, depth = 1;
  model::CallContext context;
  bool awaited = true;
  bool returned = false, timed_out = false;  // to its caller: the response arrived / the caller gave up first
  Outcome outcome = Outcome::ok;
  double call_start = 0;       // when its caller issued the call
  double net_reference_s = 0;  // the idle time of its two messages in the reference deployment
  double call_overhead_s = 0;  // planned; half before the request message, half before the response
  double phase_wait_s = 0;  // the wait that follows the CPU share of an overhead half
  double request_bytes = 0, response_bytes = 0;
  model::InvocationPlan plan;
  uint32_t step = 0, pending = 0;  // current step; awaited calls not back yet
  uint32_t refs = 0;               // 1 until it has returned (root: completed), +1 per child alive
  double arrive = 0, begin = 0, finish = 0, step_start = 0, gap_wait_s = 0;
  double overhead_us = 0, absorbed_us = 0;  // live correction: lost so far, given back so far
  std::vector<double> expected_us;          // current step, per call: callee's own time + planned overhead
  int32_t span = -1;
  Visit* next_waiting = nullptr;
};

struct RequestState {
  uint64_t id = 0;
  ApiIndex root = 0;
  double arrival = 0;
  bool warmup = false, record = false;
  uint32_t user = 0;
  uint32_t live = 0;  // visits alive
  std::vector<SpanRecord> spans;
};

struct PendingArrival {
  model::Arrival a;
};

// One instance (replica) of a service: its workers and the line waiting for them.
struct InstanceState {
  uint32_t host = 0;
  uint32_t workers = 0;  // 0 = unbounded
  uint32_t busy = 0;
  Visit* head = nullptr;
  Visit* tail = nullptr;
};

struct ServiceState {
  uint32_t first_instance = 0, replicas = 1;
  uint32_t next_replica = 0;  // requests are spread over the replicas in turn
  bool sleep = false;         // its local work waits instead of taking a core (work spec)
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr int64_t kSpanEpochUs = 1700000000000000;  // simulated time 0, as a trace timestamp

}  // namespace

struct Simulator::Impl {
  Impl(const model::Topology& t, const SimSetup& s, const std::vector<HostSpec>& h, const Placement& placement, SimSinks k)
      : topology(t),
        setup(s),
        opts(s.options),
        hosts(h),
        where(placement),
        ref_hosts(s.options.network_reference ? s.options.network_reference->platform.expand_hosts(placement_units(t)) : h),
        ref_where(s.options.network_reference ? place_services(t, ref_hosts, s.options.network_reference->placement) : placement),
        ref_routes(s.options.network_reference ? s.options.network_reference->platform : s.platform, ref_hosts),
        sinks(std::move(k)),
        sampler(t, s.options.seed),
        schedule(s.workload, sampler),
        resources(s.platform, h, queue, Resources::Options{s.options.fast_path}),
        recorder(sinks.span_api_ids, s.options.seed, kSpanEpochUs),
        latencies(1e-4) {
    services.resize(t.services.size());
    for (size_t i = 0; i < t.services.size(); ++i) {
      const model::ServiceModel& m = t.services[i];
      uint32_t workers = m.workers;
      if (auto it = opts.workers.find(m.name); it != opts.workers.end()) workers = it->second;
      ServiceState& st = services[i];
      st.first_instance = static_cast<uint32_t>(instances.size());
      st.replicas = static_cast<uint32_t>(where.host[i].size());
      // The service's own work spec wins over the run's default; memory-bound work still holds a core.
      st.sleep = m.work == "sleep" || (m.work.empty() && opts.work == WorkMode::sleep);
      for (uint32_t host : where.host[i]) instances.push_back(InstanceState{host, workers, 0, nullptr, nullptr});
    }
  }

  // ---- arrivals and requests ----

  void push_arrival(const model::Arrival& a) {
    PendingArrival* p = arrivals.get();
    p->a = a;
    queue.push(a.time_us * 1e-6, Continuation{kArrival, 0, p});
  }

  void arrival(PendingArrival* p) {
    const model::Arrival a = p->a;
    arrivals.put(p);
    if (setup.workload.arrivals != model::ArrivalProcess::closed)
      if (auto next = schedule.next()) push_arrival(*next);
    ++issued;
    if (issued - completed > opts.max_in_flight)
      throw Error(ErrorKind::bad_value, "more than " + std::to_string(opts.max_in_flight) + " requests in flight at " +
                                            std::to_string(now) + " s of simulated time: the system is overloaded")
          .at_key("max_in_flight")
          .with_hint("lower the rate or add capacity");
    RequestState* r = requests.get();
    r->id = a.request_id;
    r->root = a.draw.root;
    r->arrival = now;
    r->warmup = a.warmup;
    r->user = a.user;
    r->live = 0;
    r->spans.clear();
    r->record = false;
    if (sinks.spans && !a.warmup && (opts.spans < 0 || static_cast<int64_t>(spans_started) < opts.spans)) {
      r->record = true;
      ++spans_started;
    }
    Visit* v = new_visit(r, nullptr, a.draw.root, a.draw.context(), 1);
    if (r->record) v->span = add_span(r, -1, v->api);
    admit(v);
  }

  void request_done(Visit* root) {
    RequestState* r = root->request;
    ++completed;
    model::RequestResult rr;
    rr.request_id = r->id;
    rr.root = r->root;
    rr.start_us = r->arrival * 1e6;
    rr.latency_us = (now - r->arrival) * 1e6;
    rr.warmup = r->warmup;
    rr.status = status_of(root->outcome);
    if (sinks.results) sinks.results->add_request(rr);
    if (r->warmup) {
      ++warmup_requests;
    } else {
      ++reported;
      if (rr.status == model::RequestStatus::ok) {
        latency_sum_us += rr.latency_us;
        latencies.add(rr.latency_us);
      } else {
        ++failed;
      }
      if (sinks.keep) sinks.keep->push_back(rr);
    }
    if (setup.workload.arrivals == model::ArrivalProcess::closed)
      if (auto next = schedule.after_completion(r->user, now * 1e6)) push_arrival(*next);
  }

  // The request's last visit is gone: its spans are complete.
  void request_finished(RequestState* r) {
    if (r->record) sinks.spans->add(recorder.build(r->id, r->spans));
    requests.put(r);
  }

  int32_t add_span(RequestState* r, int32_t parent, ApiIndex api) {
    SpanRecord rec;
    rec.api = api;
    rec.parent = parent;
    rec.call_start_s = now;
    rec.arrive_s = now;
    r->spans.push_back(rec);
    return static_cast<int32_t>(r->spans.size() - 1);
  }

  // ---- visits ----

  Visit* new_visit(RequestState* r, Visit* parent, ApiIndex api, const model::CallContext& ctx, uint32_t depth) {
    Visit* v = visit_pool.get();
    v->request = r;
    v->parent = parent;
    v->api = api;
    v->service = topology.apis[api].service;
    ServiceState& s = services[v->service];
    v->instance = s.first_instance + (s.replicas > 1 ? s.next_replica++ % s.replicas : 0);
    v->host = instances[v->instance].host;
    v->returned = v->timed_out = false;
    v->outcome = Outcome::ok;
    v->call_start = now;
    v->depth = depth;
    v->context = ctx;
    v->awaited = true;
    v->call_overhead_s = 0;
    v->request_bytes = v->response_bytes = 0;
    v->refs = 1;
    v->arrive = now;
    v->span = -1;
    v->next_waiting = nullptr;
    ++r->live;
    ++visits;
    return v;
  }

  void unref(Visit* v) {
    while (v && --v->refs == 0) {
      Visit* parent = v->parent;
      RequestState* r = v->request;
      visit_pool.put(v);
      if (--r->live == 0) request_finished(r);
      v = parent;
    }
  }

  void admit(Visit* v) {
    v->arrive = now;
    InstanceState& s = instances[v->instance];
    if (s.workers == 0 || s.busy < s.workers) {
      ++s.busy;
      begin(v);
      return;
    }
    if (s.tail) s.tail->next_waiting = v;
    else s.head = v;
    s.tail = v;
  }

  void begin(Visit* v) {
    v->begin = now;
    // A server span starts when a worker takes the call, as instrumented servers record it; the
    // wait before shows on the caller's side. The root's span is the request as its client saw it.
    if (v->span >= 0 && v->parent) v->request->spans[static_cast<size_t>(v->span)].arrive_s = now;
    queue_wait_us += (now - v->arrive) * 1e6;
    v->plan = sampler.plan(v->api, v->context);
    v->step = 0;
    v->overhead_us = v->absorbed_us = 0;
    run_gap(v, 0);
  }

  void run_gap(Visit* v, uint32_t g) {
    const double planned = v->plan.gaps_us[g];
    double gap_us = planned;
    if (opts.correction && g > 0) {
      double unabsorbed = 0;
      gap_us = sampler.correct_gap(v->plan, g, v->overhead_us, v->absorbed_us, &unabsorbed);
      v->absorbed_us += planned - gap_us;
    }
    if (!(gap_us > 0)) {
      gap_done(v, g);
      return;
    }
    const double s = gap_us * 1e-6;
    if (services[v->service].sleep || opts.cpu_fraction <= 0) {
      queue.push(now + s, Continuation{kGapDone, g, v});
      return;
    }
    const double cpu = s * opts.cpu_fraction;
    const double wait = s - cpu;
    if (wait > 0) {
      v->gap_wait_s = wait;
      resources.compute(v->host, now, cpu, Continuation{kCpuPartDone, g, v});
    } else {
      resources.compute(v->host, now, cpu, Continuation{kGapDone, g, v});
    }
  }

  void gap_done(Visit* v, uint32_t g) {
    if (g < v->plan.steps.size()) issue_step(v, g);
    else finish(v);
  }

  void issue_step(Visit* v, uint32_t k) {
    const model::StepPlan& step = v->plan.steps[k];
    v->step = k;
    v->step_start = now;
    v->expected_us.assign(step.calls.size(), 0.0);
    v->pending = 0;
    for (uint32_t j = 0; j < step.calls.size(); ++j) {
      if (v->depth >= model::ModelSampler::kMaxDepth) {
        ++truncated;
        continue;
      }
      const model::CallPlan& c = step.calls[j];
      if (c.awaited) ++v->pending;
      start_call(v, k, j, c);
    }
    if (v->pending == 0) step_done(v);
  }

  void start_call(Visit* p, uint32_t k, uint32_t j, const model::CallPlan& c) {
    Visit* ch = new_visit(p->request, p, c.callee, c.context, p->depth + 1);
    ch->parent_step = k;
    ch->parent_call = j;
    ch->awaited = c.awaited;
    ch->call_overhead_s = c.overhead_us * 1e-6;
    ch->request_bytes = static_cast<double>(c.request_bytes);
    ch->response_bytes = static_cast<double>(c.response_bytes);
    const uint32_t from = reference_host(p), to = reference_host(ch);
    ch->net_reference_s = ref_routes.idle_time(from, to, ch->request_bytes) + ref_routes.idle_time(to, from, ch->response_bytes);
    ++p->refs;
    if (c.timeout_us > 0 && c.awaited) {
      ++ch->refs;  // the timer's
      queue.push(now + c.timeout_us * 1e-6, Continuation{kCallTimeout, 0, ch});
    }
    if (p->request->record) {
      ch->span = add_span(p->request, p->span, c.callee);
      SpanRecord& rec = p->request->spans.back();
      rec.request_bytes = c.request_bytes;
      rec.response_bytes = c.response_bytes;
    }
    send_message(ch, true);
  }

  // Where a visit's instance ran in the reference deployment (its replica there, or the last one).
  uint32_t reference_host(const Visit* v) const {
    const auto& replicas = ref_where.host[v->service];
    const uint32_t r = v->instance - services[v->service].first_instance;
    return replicas[std::min<size_t>(r, replicas.size() - 1)];
  }

  // One of a call's two messages, after its half of the call overhead: the CPU share of that half on
  // the sending host, the rest as a wait folded into the message's delay.
  void send_message(Visit* v, bool request) {
    const double half = v->call_overhead_s / 2;
    const Visit* sender = request ? v->parent : v;
    const double cpu = services[sender->service].sleep ? 0.0 : half * opts.overhead_cpu_fraction;
    const uint32_t from = sender->host;
    if (cpu > 0) {
      v->phase_wait_s = half - cpu;
      resources.compute(from, now, cpu, Continuation{request ? kRequestCpuDone : kResponseCpuDone, 0, v});
      return;
    }
    message_after(v, request, half);
  }

  void message_after(Visit* v, bool request, double delay) {
    if (request) resources.send(v->parent->host, v->host, now, delay, v->request_bytes, Continuation{kCallArrived, 0, v});
    else resources.send(v->host, v->parent->host, now, delay, v->response_bytes, Continuation{kCallReturned, 0, v});
  }

  void overhead_cpu_done(Visit* v, bool request) {
    message_after(v, request, v->phase_wait_s);
  }

  void step_done(Visit* v) {
    const model::StepPlan& step = v->plan.steps[v->step];
    const double measured_us = (now - v->step_start) * 1e6;
    v->overhead_us += measured_us - sampler.compose_step(v->api, step, v->expected_us);
    run_gap(v, v->step + 1);
  }

  void finish(Visit* v) {
    v->finish = now;
    if (v->plan.inject_error) v->outcome = worst(v->outcome, Outcome::error);
    InstanceState& s = instances[v->instance];
    --s.busy;
    if (s.head) {
      // The next in line starts from the queue, not from here: no recursion through a long line.
      Visit* w = s.head;
      s.head = w->next_waiting;
      if (!s.head) s.tail = nullptr;
      w->next_waiting = nullptr;
      ++s.busy;
      queue.push(now, Continuation{kBegin, 0, w});
    }
    overhead_sum_us += v->overhead_us;
    unabsorbed_sum_us += std::max(0.0, v->overhead_us - v->absorbed_us);
    if (!v->request->warmup && sinks.results) sinks.results->add_invocation(v->api, (now - v->arrive) * 1e6);
    if (v->span >= 0) {
      SpanRecord& rec = v->request->spans[static_cast<size_t>(v->span)];
      rec.finish_s = now;
      rec.error = rec.error || v->outcome != Outcome::ok;
    }
    if (v->parent) {
      send_message(v, false);
    } else {
      request_done(v);
      unref(v);
    }
  }

  void returned(Visit* v) {
    if (v->timed_out) {  // its caller gave up on it already
      unref(v);
      return;
    }
    v->returned = true;
    Visit* p = v->parent;
    if (v->span >= 0) v->request->spans[static_cast<size_t>(v->span)].call_end_s = now;
    if (v->awaited) {
      p->outcome = worst(p->outcome, v->outcome);
      // An awaited call holds its caller in this step, so the caller is still there. Expected: all
      // of the call's time but the network the plan already held (the reference's idle message
      // time) — queueing, contention and a slower or faster network than the reference all stay.
      p->expected_us[v->parent_call] = (now - v->call_start - v->net_reference_s) * 1e6;
      if (--p->pending == 0) step_done(p);
    }
    unref(v);
  }

  // The caller stops waiting: the call counts as done now, with the caller's own status timeout.
  void timed_out(Visit* v) {
    if (!v->returned) {
      v->timed_out = true;
      Visit* p = v->parent;
      p->outcome = worst(p->outcome, Outcome::timeout);
      if (v->span >= 0) {
        SpanRecord& rec = v->request->spans[static_cast<size_t>(v->span)];
        rec.call_end_s = now;
        rec.error = true;
      }
      p->expected_us[v->parent_call] = (now - v->call_start) * 1e6;  // waited as long as it was allowed to
      if (--p->pending == 0) step_done(p);
    }
    unref(v);
  }

  void dispatch(const Continuation& c) {
    auto* v = static_cast<Visit*>(c.obj);
    switch (c.kind) {
      case kArrival: arrival(static_cast<PendingArrival*>(c.obj)); break;
      case kCallArrived: admit(v); break;
      case kBegin: begin(v); break;
      case kGapDone: gap_done(v, c.arg); break;
      case kCpuPartDone: queue.push(now + v->gap_wait_s, Continuation{kGapDone, c.arg, v}); break;
      case kCallReturned: returned(v); break;
      case kRequestCpuDone: overhead_cpu_done(v, true); break;
      case kResponseCpuDone: overhead_cpu_done(v, false); break;
      case kCallTimeout: timed_out(v); break;
      default: throw Error(ErrorKind::internal, "unknown simulation event " + std::to_string(c.kind));
    }
  }

  void report_progress(double wall) {
    SimProgress p;
    p.issued = issued;
    p.completed = completed;
    p.expected = setup.workload.arrivals == model::ArrivalProcess::replay && setup.workload.requests == 0
                     ? setup.workload.recorded.size()
                     : setup.workload.requests;
    p.sim_time_s = now;
    p.wall_s = wall;
    sinks.progress(p);
  }

  SimStats run() {
    using clock = std::chrono::steady_clock;
    const auto wall0 = clock::now();
    const double cpu0 = cpu_seconds();
    double next_report = opts.progress_interval_s;
    if (setup.workload.arrivals == model::ArrivalProcess::closed) {
      for (const model::Arrival& a : schedule.first_requests()) push_arrival(a);
    } else if (auto first = schedule.next()) {
      push_arrival(*first);
    }
    const double inf = std::numeric_limits<double>::infinity();
    uint64_t events = 0;
    while (true) {
      if (resources.busy() && resources.advance(queue.empty() ? inf : queue.top_time())) continue;
      if (queue.empty()) break;
      const Event e = queue.pop();
      now = e.t;
      ++events;
      if (e.what.kind < kFirstEngineKind) {
        Continuation c;
        if (resources.handle(e, now, &c)) dispatch(c);
      } else {
        dispatch(e.what);
      }
      if ((events & 8191) == 0 && sinks.progress) {
        double wall = std::chrono::duration<double>(clock::now() - wall0).count();
        if (wall >= next_report) {
          report_progress(wall);
          next_report = wall + opts.progress_interval_s;
        }
      }
    }
    SimStats st;
    st.wall_s = std::chrono::duration<double>(clock::now() - wall0).count();
    st.cpu_s = cpu_seconds() - cpu0;
    if (sinks.progress) report_progress(st.wall_s);
    st.requests = reported;
    st.warmup_requests = warmup_requests;
    st.visits = visits;
    st.truncated_calls = truncated;
    st.events = events;
    st.sim_time_s = now;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    st.peak_rss_bytes = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
    st.failed_requests = failed;
    if (reported > failed) {
      st.mean_latency_us = latency_sum_us / static_cast<double>(reported - failed);
      st.p50_us = latencies.quantile(0.5);
      st.p90_us = latencies.quantile(0.9);
      st.p99_us = latencies.quantile(0.99);
      st.p999_us = latencies.quantile(0.999);
    }
    if (visits > 0) {
      st.network_overhead_us = overhead_sum_us / static_cast<double>(visits);
      st.unabsorbed_overhead_us = unabsorbed_sum_us / static_cast<double>(visits);
      st.queue_wait_us = queue_wait_us / static_cast<double>(visits);
    }
    const ResourceStats& rs = resources.stats();
    st.bursts = rs.bursts;
    st.bursts_in_simgrid = rs.bursts_in_simgrid;
    st.transfers = rs.transfers;
    st.transfers_in_simgrid = rs.transfers_in_simgrid;
    st.simgrid_rounds = rs.simgrid_advances;
    for (size_t h = 0; h < hosts.size(); ++h) {
      HostUsage u;
      u.name = hosts[h].name;
      u.cores = hosts[h].cores;
      u.utilisation = now > 0 ? rs.busy_core_s[h] / (hosts[h].cores * now) : 0.0;
      for (size_t s = 0; s < where.host.size(); ++s)
        for (size_t r = 0; r < where.host[s].size(); ++r)
          if (where.host[s][r] == h)
            u.services.push_back(topology.services[s].name + (where.host[s].size() > 1 ? "#" + std::to_string(r) : ""));
      st.hosts.push_back(std::move(u));
    }
    return st;
  }

  const model::Topology& topology;
  const SimSetup& setup;
  const SimOptions& opts;
  const std::vector<HostSpec>& hosts;
  const Placement& where;
  const std::vector<HostSpec> ref_hosts;
  const Placement ref_where;
  const Routes ref_routes;
  SimSinks sinks;
  model::Sampler sampler;
  model::ArrivalSchedule schedule;
  EventQueue queue;
  Resources resources;
  SpanRecorder recorder;
  std::vector<ServiceState> services;
  std::vector<InstanceState> instances;
  Pool<Visit> visit_pool;
  Pool<RequestState> requests;
  Pool<PendingArrival> arrivals;
  double now = 0;
  uint64_t issued = 0, completed = 0, reported = 0, failed = 0, warmup_requests = 0, visits = 0, truncated = 0, spans_started = 0;
  double latency_sum_us = 0, overhead_sum_us = 0, unabsorbed_sum_us = 0, queue_wait_us = 0;
  stats::QuantileSketch latencies;
};

Simulator::Simulator(const model::Topology& topology, const SimSetup& setup, const std::vector<HostSpec>& hosts,
                     const Placement& placement, SimSinks sinks)
    : impl_(std::make_unique<Impl>(topology, setup, hosts, placement, std::move(sinks))) {}
Simulator::~Simulator() = default;
SimStats Simulator::run() { return impl_->run(); }

}  // namespace palette::sim::engine
