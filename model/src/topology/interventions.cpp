#include "palette/topology/interventions.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "palette/error.hpp"
#include "palette/topology/model_sampling.hpp"
#include "palette/topology/rng.hpp"
#include "palette/topology/sampler.hpp"

namespace palette::model {
namespace {

std::string fmt(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}

uint32_t service_index(const Topology& t, const std::string& name) {
  uint32_t s = t.find_service(name);
  if (s == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service named \"" + name + "\"");
  return s;
}

// Draws local work from a context, in a latency class (uniformly when the context has no classes).
double draw_work(const WorkContext& w, uint32_t cls, Rng& rng) {
  double u = cls < w.classes.size() ? normal_cdf(w.classes[cls].mean + w.classes[cls].stddev * rng.normal()) : rng.uniform();
  return w.work_us.quantile(u);
}

size_t pick(const std::vector<double>& weights, double u) {
  double acc = 0;
  for (size_t k = 0; k < weights.size(); ++k)
    if (u < (acc += weights[k])) return k;
  return weights.size() - 1;
}

// Removes `callees` from the caller's steps, edges and dependencies (steps may become empty: the
// sampler skips them and merges their gaps).
void cut_calls(Topology& t, ApiIndex caller, const std::set<ApiIndex>& callees) {
  ApiModel& a = t.apis[caller];
  for (Step& s : a.pfa.steps)
    s.calls.erase(std::remove_if(s.calls.begin(), s.calls.end(), [&](ApiIndex c) { return callees.count(c) > 0; }),
                  s.calls.end());
  auto& deps = a.gcm.dependencies;
  deps.erase(std::remove_if(deps.begin(), deps.end(), [&](const Dependency& d) { return callees.count(d.callee) > 0; }),
             deps.end());
  t.edges.erase(std::remove_if(t.edges.begin(), t.edges.end(),
                               [&](const Edge& e) { return e.caller == caller && callees.count(e.callee) > 0; }),
                t.edges.end());
}

// Folds the latency of the caller's calls to `removed` into its local work: per work context and per
// latency class, local work plus what those calls added to the invocation's timeline (each step's
// length with them minus without them), drawn from the original model. Each context learns from the
// invocations it actually serves: requests are walked from the roots and every invocation of the
// caller is credited to the context the sampler's back-off chose for it; contexts that walk reaches
// too rarely (fallbacks for unseen callers) are filled from plans drawn in their own context.
void absorb_calls(Topology& t, const Topology& original, ApiIndex caller, const std::set<ApiIndex>& removed, uint64_t seed) {
  Sampler sampler(original, seed);
  const auto& work = original.apis[caller].gcm.work;
  const size_t contexts = work.size();
  const size_t want = 2000;
  std::vector<std::vector<std::pair<double, uint32_t>>> samples(contexts);  // (new local work, class)
  // What the removed calls added to an invocation's timeline: each step's length with them minus
  // without them.
  auto added_by = [&](const InvocationPlan& plan) {
    double added = 0;
    for (const StepPlan& step : plan.steps) {
      double with = 0, without = 0;
      for (const CallPlan& call : step.calls) {
        if (!call.awaited) continue;
        double latency = call.overhead_us + sample_latency(sampler, call.callee, call.context, 2);
        with = std::max(with, latency);
        if (!removed.count(call.callee)) without = std::max(without, latency);
      }
      added += with - without;
    }
    return added;
  };
  auto credit = [&](const InvocationPlan& plan, const CallContext& ctx) {
    size_t i = static_cast<size_t>(&original.apis[caller].gcm.work_context(ctx.caller, plan.pattern) - work.data());
    if (samples[i].size() >= want) return;
    samples[i].emplace_back(plan.local_work_us + added_by(plan), ctx.latency_class);
  };
  // Walk requests: the real mix of callers, patterns and classes.
  for (uint64_t r = 0; r < 50000; ++r) {
    bool full = true;
    for (const auto& s : samples) full = full && s.size() >= want;
    if (full) break;
    RequestDraw req = sampler.draw_request(r);
    std::vector<std::pair<ApiIndex, CallContext>> todo{{req.root, req.context()}};
    size_t guard = 0;
    while (!todo.empty() && ++guard < 20000) {
      auto [api, ctx] = todo.back();
      todo.pop_back();
      InvocationPlan plan = sampler.plan(api, ctx);
      if (api == caller) credit(plan, ctx);
      for (const auto& step : plan.steps)
        for (const auto& c : step.calls) todo.emplace_back(c.callee, c.context);
    }
  }
  // Contexts the walk left short: plans drawn in the context itself.
  Rng rng = Rng::for_key(seed, child_key(caller, 0, 0xAB50));
  for (size_t i = 0; i < contexts; ++i) {
    for (int attempt = 0; samples[i].size() < 200 && attempt < 20000; ++attempt) {
      auto cls = static_cast<uint32_t>(pick(original.latency_class_weights, rng.uniform()));
      auto sc = static_cast<uint32_t>(pick(original.structure_class_weights, rng.uniform()));
      CallContext ctx{work[i].caller, cls, sc, rng.next()};
      InvocationPlan plan = sampler.plan(caller, ctx);
      if (work[i].pattern >= 0 && plan.pattern != work[i].pattern) continue;
      size_t before = samples[i].size();
      credit(plan, ctx);
      if (samples[i].size() == before) {  // the back-off chose another context: credit it here anyway
        samples[i].emplace_back(draw_work(work[i], cls, rng) + added_by(plan), cls);
      }
    }
  }
  ApiModel& api = t.apis[caller];
  for (size_t i = 0; i < contexts; ++i) {
    WorkContext& w = api.gcm.work[i];
    if (samples[i].empty()) continue;
    std::vector<double> all;
    std::vector<std::vector<double>> by_class(std::max<size_t>(1, w.classes.size()));
    for (const auto& [x, cls] : samples[i]) {
      all.push_back(x);
      by_class[w.classes.empty() || cls >= w.classes.size() ? 0 : cls].push_back(x);
    }
    w.work_us = Distribution::from_samples(all);
    // The new distribution's classes: where each class's draws now sit in normal-score space.
    for (size_t k = 0; k < w.classes.size(); ++k) {
      if (by_class[k].size() < 2) continue;
      double s1 = 0, s2 = 0;
      for (double x : by_class[k]) {
        double z = normal_quantile(std::clamp(w.work_us.cdf(x), 0.0005, 0.9995));
        s1 += z;
        s2 += z * z;
      }
      double m = s1 / static_cast<double>(by_class[k].size());
      double var = s2 / static_cast<double>(by_class[k].size()) - m * m;
      w.classes[k] = LatentParams{m, std::max(0.05, std::sqrt(std::max(0.0, var)))};
    }
  }
}

}  // namespace

ApiIndex api_by_label(const Topology& t, const std::string& label) {
  for (size_t a = 0; a < t.apis.size(); ++a)
    if (t.api_label(static_cast<ApiIndex>(a)) == label) return static_cast<ApiIndex>(a);
  throw Error(ErrorKind::bad_value, "no API \"" + label + "\"").with_hint("APIs are named service:operation; see palette show");
}

Target Target::parse(const Topology& t, const std::string& text) {
  Target target;
  target.text = text;
  for (size_t a = 0; a < t.apis.size(); ++a)
    if (t.api_label(static_cast<ApiIndex>(a)) == text) {
      target.apis.push_back(static_cast<ApiIndex>(a));
      return target;
    }
  uint32_t s = t.find_service(text);
  if (s != UINT32_MAX) {
    for (size_t a = 0; a < t.apis.size(); ++a)
      if (t.apis[a].service == s) target.apis.push_back(static_cast<ApiIndex>(a));
    if (!target.apis.empty()) return target;
  }
  throw Error(ErrorKind::bad_value, "\"" + text + "\" is neither an API nor a service of the topology")
      .with_hint("an API is service:operation, a service its name; see palette show");
}

std::string scale_local_work(Topology& t, const Target& target, double factor) {
  if (!(factor >= 0) || !std::isfinite(factor)) throw Error(ErrorKind::bad_value, "factor must be >= 0").at_key("factor");
  for (ApiIndex a : target.apis)
    for (auto& w : t.apis[a].gcm.work) w.work_us.scale(factor);
  return "local work of " + target.text + " x" + fmt(factor);
}

std::string shift_local_work(Topology& t, const Target& target, double delta_us) {
  for (ApiIndex a : target.apis)
    for (auto& w : t.apis[a].gcm.work) w.work_us.shift(delta_us);
  return "local work of " + target.text + (delta_us >= 0 ? " +" : " ") + fmt(delta_us) + " us (never below 0)";
}

std::string set_local_work(Topology& t, const Target& target, const Distribution& work_us) {
  if (work_us.empty()) throw Error(ErrorKind::bad_value, "an empty distribution").at_key("work_us");
  for (ApiIndex a : target.apis) {
    Gcm& g = t.apis[a].gcm;
    g.work.clear();
    g.work.push_back(WorkContext{kNoApiIndex, -1, work_us, {}});
  }
  return "local work of " + target.text + " set (p50 " + fmt(work_us.quantile(0.5)) + " us, p99 " +
         fmt(work_us.quantile(0.99)) + " us), drawn independently";
}

double call_probability(const Topology& t, ApiIndex caller, ApiIndex callee, uint64_t seed, int samples) {
  // Walk sampled requests from the roots: the share of the caller's invocations that call the callee.
  Sampler sampler(t, seed);
  uint64_t seen = 0, calling = 0;
  for (int r = 0; r < samples && seen < static_cast<uint64_t>(samples); ++r) {
    RequestDraw req = sampler.draw_request(static_cast<uint64_t>(r));
    std::vector<std::pair<ApiIndex, CallContext>> todo{{req.root, req.context()}};
    while (!todo.empty() && todo.size() < 100000) {
      auto [api, ctx] = todo.back();
      todo.pop_back();
      InvocationPlan plan = sampler.plan(api, ctx);
      bool calls = false;
      for (const auto& step : plan.steps)
        for (const auto& c : step.calls) {
          calls = calls || c.callee == callee;
          todo.emplace_back(c.callee, c.context);
        }
      if (api == caller) {
        ++seen;
        calling += calls;
      }
    }
  }
  if (seen == 0) {  // not reached from the roots: the caller's own plans
    for (int j = 0; j < samples; ++j) {
      InvocationPlan plan = sampler.plan(caller, CallContext{kNoApiIndex, 0, 0, static_cast<uint64_t>(j) * 7919 + 1});
      bool calls = false;
      for (const auto& step : plan.steps)
        for (const auto& c : step.calls) calls = calls || c.callee == callee;
      ++seen;
      calling += calls;
    }
  }
  return static_cast<double>(calling) / static_cast<double>(seen);
}

std::string set_call_probability(Topology& t, ApiIndex caller, ApiIndex callee, double p, uint64_t seed) {
  if (!(p >= 0 && p <= 1)) throw Error(ErrorKind::bad_value, "must be in [0, 1]").at_key("probability");
  Edge* e = t.edge(caller, callee);
  if (!e) {
    if (p > 0) add_edge(t, caller, callee, p);
    return "calls " + t.api_label(caller) + " -> " + t.api_label(callee) + " made with probability " + fmt(p) + " (new)";
  }
  e->keep_probability = 1;
  e->add_probability = 0;
  double now = call_probability(t, caller, callee, seed);
  e = t.edge(caller, callee);
  if (p <= now) e->keep_probability = now > 0 ? p / now : 0;
  else e->add_probability = now < 1 ? (p - now) / (1 - now) : 0;
  return "calls " + t.api_label(caller) + " -> " + t.api_label(callee) + ": probability " + fmt(now) + " -> " + fmt(p);
}

RemoveMode parse_remove_mode(const std::string& text) {
  if (text == "drop") return RemoveMode::drop;
  if (text == "absorb") return RemoveMode::absorb;
  throw Error(ErrorKind::bad_value, "expected drop or absorb, got \"" + text + "\"").at_key("mode");
}

std::string remove_api(Topology& t, const Target& target, RemoveMode mode, uint64_t seed) {
  std::set<ApiIndex> removed(target.apis.begin(), target.apis.end());
  const Topology original = t;
  std::set<ApiIndex> callers;
  for (const Edge& e : t.edges)
    if (removed.count(e.callee) && !removed.count(e.caller)) callers.insert(e.caller);
  for (ApiIndex c : callers) {
    if (mode == RemoveMode::absorb) absorb_calls(t, original, c, removed, seed);
    cut_calls(t, c, removed);
  }
  // Roots: the removed ones leave the mix.
  auto& roots = t.roots;
  roots.erase(std::remove_if(roots.begin(), roots.end(), [&](const RootShare& r) { return removed.count(r.api) > 0; }),
              roots.end());
  if (roots.empty()) throw Error(ErrorKind::bad_value, "removing " + target.text + " leaves no root API to send requests to");
  double sum = 0;
  for (const auto& r : roots) sum += r.share;
  for (auto& r : roots) r.share /= sum;
  double head = 0;
  for (size_t i = 0; i + 1 < roots.size(); ++i) head += roots[i].share;
  roots.back().share = 1 - head;
  for (ApiIndex a : removed) cut_calls(t, a, [&] {
    std::set<ApiIndex> all;
    for (const Edge& e : t.edges)
      if (e.caller == a) all.insert(e.callee);
    return all;
  }());
  size_t dropped = compact_topology(t);
  return "removed " + target.text + " (" + std::to_string(removed.size()) + " APIs; callers " +
         (mode == RemoveMode::absorb ? "absorb" : "drop") + " the calls; " + std::to_string(dropped) +
         " APIs left the topology in all)";
}

std::string remove_edge(Topology& t, ApiIndex caller, ApiIndex callee) {
  if (!t.edge(caller, callee))
    throw Error(ErrorKind::bad_value, "there is no call " + t.api_label(caller) + " -> " + t.api_label(callee));
  std::string what = "removed the calls " + t.api_label(caller) + " -> " + t.api_label(callee);
  cut_calls(t, caller, {callee});
  size_t dropped = compact_topology(t);
  if (dropped) what += " (" + std::to_string(dropped) + " APIs no longer reachable dropped)";
  return what;
}

std::string add_edge(Topology& t, ApiIndex caller, ApiIndex callee, double probability, const Distribution* overhead_us) {
  if (!(probability >= 0 && probability <= 1)) throw Error(ErrorKind::bad_value, "must be in [0, 1]").at_key("probability");
  if (caller >= t.apis.size() || callee >= t.apis.size()) throw Error(ErrorKind::bad_value, "unknown API");
  if (Edge* e = t.edge(caller, callee)) {
    e->add_probability = probability;
    return "calls " + t.api_label(caller) + " -> " + t.api_label(callee) + " added with probability " + fmt(probability);
  }
  Edge e;
  e.caller = caller;
  e.callee = callee;
  e.add_probability = probability;
  if (overhead_us) {
    e.overhead_us = *overhead_us;
  } else {
    std::vector<double> medians;
    for (const Edge& other : t.edges)
      if (other.callee == callee) medians.push_back(other.overhead_us.quantile(0.5));
    std::sort(medians.begin(), medians.end());
    e.overhead_us = Distribution::constant(medians.empty() ? 0.0 : medians[medians.size() / 2]);
  }
  auto at = std::lower_bound(t.edges.begin(), t.edges.end(), std::make_pair(caller, callee),
                             [](const Edge& x, const std::pair<ApiIndex, ApiIndex>& k) { return std::make_pair(x.caller, x.callee) < k; });
  t.edges.insert(at, std::move(e));
  auto& deps = t.apis[caller].gcm.dependencies;
  Dependency d;
  d.callee = callee;
  deps.insert(std::lower_bound(deps.begin(), deps.end(), callee, [](const Dependency& x, ApiIndex c) { return x.callee < c; }), d);
  return "new calls " + t.api_label(caller) + " -> " + t.api_label(callee) + " with probability " + fmt(probability);
}

std::string add_api(Topology& t, const std::string& service, const std::string& operation, const Distribution& work_us,
                    const std::vector<std::pair<ApiIndex, double>>& called_by) {
  if (work_us.empty()) throw Error(ErrorKind::bad_value, "an empty distribution").at_key("work_us");
  if (t.find_api(service, operation) != kNoApiIndex)
    throw Error(ErrorKind::bad_value, "the API " + service + ":" + operation + " exists already");
  uint32_t s = t.find_service(service);
  if (s == UINT32_MAX) {
    ServiceModel m;
    m.name = service;
    t.services.push_back(m);
    s = static_cast<uint32_t>(t.services.size() - 1);
  }
  ApiModel api;
  api.service = s;
  api.operation = operation;
  api.pfa.states.push_back(PfaState{{}, 1.0, 0, {}});
  api.gcm.work.push_back(WorkContext{kNoApiIndex, -1, work_us, {}});
  t.apis.push_back(std::move(api));
  auto a = static_cast<ApiIndex>(t.apis.size() - 1);
  for (const auto& [caller, p] : called_by) add_edge(t, caller, a, p);
  return "new API " + service + ":" + operation + " (local work p50 " + fmt(work_us.quantile(0.5)) + " us), called by " +
         std::to_string(called_by.size()) + " APIs";
}

std::string set_payload(Topology& t, ApiIndex caller, ApiIndex callee, double request_bytes, double response_bytes) {
  Edge* e = t.edge(caller, callee);
  if (!e) throw Error(ErrorKind::bad_value, "there is no call " + t.api_label(caller) + " -> " + t.api_label(callee));
  if (request_bytes >= 0) e->request_bytes = Distribution::constant(request_bytes);
  if (response_bytes >= 0) e->response_bytes = Distribution::constant(response_bytes);
  return "payloads " + t.api_label(caller) + " -> " + t.api_label(callee) + ": request " + fmt(request_bytes) +
         " B, response " + fmt(response_bytes) + " B";
}

std::string set_workers(Topology& t, const std::string& service, uint32_t workers) {
  t.services[service_index(t, service)].workers = workers;
  return "workers of " + service + " = " + (workers ? std::to_string(workers) : std::string("unbounded"));
}

std::string set_replicas(Topology& t, const std::string& service, uint32_t replicas) {
  if (replicas == 0) throw Error(ErrorKind::bad_value, "needs at least 1 replica").at_key("replicas");
  t.services[service_index(t, service)].replicas = replicas;
  return "replicas of " + service + " = " + std::to_string(replicas);
}

std::string set_work_spec(Topology& t, const std::string& service, const std::string& spec) {
  if (spec != "sleep" && spec != "cpu" && spec != "memory")
    throw Error(ErrorKind::bad_value, "unknown work spec \"" + spec + "\"").at_key("spec").with_hint("sleep, cpu or memory");
  if (service == "*") {
    for (auto& s : t.services) s.work = spec;
    return "work spec of every service = " + spec;
  }
  t.services[service_index(t, service)].work = spec;
  return "work spec of " + service + " = " + spec;
}

std::string set_error_rate(Topology& t, const Target& target, double rate) {
  if (!(rate >= 0 && rate <= 1)) throw Error(ErrorKind::bad_value, "must be in [0, 1]").at_key("rate");
  for (ApiIndex a : target.apis) t.apis[a].error_rate = rate;
  return "injected error rate of " + target.text + " = " + fmt(rate);
}

std::string set_timeout(Topology& t, ApiIndex caller, ApiIndex callee, double timeout_us) {
  Edge* e = t.edge(caller, callee);
  if (!e) throw Error(ErrorKind::bad_value, "there is no call " + t.api_label(caller) + " -> " + t.api_label(callee));
  if (!(timeout_us >= 0)) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("timeout_us");
  e->timeout_us = timeout_us;
  return "timeout " + t.api_label(caller) + " -> " + t.api_label(callee) + " = " + fmt(timeout_us) + " us";
}

size_t compact_topology(Topology& t) {
  const size_t n = t.apis.size();
  std::vector<uint8_t> keep(n, 0);
  std::vector<ApiIndex> todo;
  for (const auto& r : t.roots)
    if (!keep[r.api]) {
      keep[r.api] = 1;
      todo.push_back(r.api);
    }
  while (!todo.empty()) {
    ApiIndex a = todo.back();
    todo.pop_back();
    auto visit = [&](ApiIndex c) {
      if (c < n && !keep[c]) {
        keep[c] = 1;
        todo.push_back(c);
      }
    };
    for (const Step& s : t.apis[a].pfa.steps)
      for (ApiIndex c : s.calls) visit(c);
    for (const Edge& e : t.edges)
      if (e.caller == a && e.add_probability > 0) visit(e.callee);
  }
  std::vector<ApiIndex> to(n, kNoApiIndex);
  ApiIndex next = 0;
  for (size_t a = 0; a < n; ++a)
    if (keep[a]) to[a] = next++;
  const size_t dropped = n - next;
  if (dropped == 0) return 0;
  // Services that keep an API, renumbered in order.
  std::vector<uint32_t> svc(t.services.size(), UINT32_MAX);
  std::vector<ServiceModel> services;
  for (size_t a = 0; a < n; ++a)
    if (keep[a] && svc[t.apis[a].service] == UINT32_MAX) svc[t.apis[a].service] = 0;
  for (size_t s = 0; s < t.services.size(); ++s)
    if (svc[s] != UINT32_MAX) {
      svc[s] = static_cast<uint32_t>(services.size());
      services.push_back(t.services[s]);
    }
  std::vector<ApiModel> apis;
  for (size_t a = 0; a < n; ++a) {
    if (!keep[a]) continue;
    ApiModel m = std::move(t.apis[a]);
    m.service = svc[m.service];
    for (Step& s : m.pfa.steps)
      for (ApiIndex& c : s.calls) c = to[c];
    for (PfaState& st : m.pfa.states) {
      auto& ctx = st.contexts;
      ctx.erase(std::remove_if(ctx.begin(), ctx.end(),
                               [&](const PfaContext& c) { return c.caller != kNoApiIndex && to[c.caller] == kNoApiIndex; }),
                ctx.end());
      for (auto& c : ctx)
        if (c.caller != kNoApiIndex) c.caller = to[c.caller];
    }
    auto& deps = m.gcm.dependencies;
    deps.erase(std::remove_if(deps.begin(), deps.end(), [&](const Dependency& d) { return to[d.callee] == kNoApiIndex; }),
               deps.end());
    for (auto& d : deps) d.callee = to[d.callee];
    auto& work = m.gcm.work;
    work.erase(std::remove_if(work.begin(), work.end(),
                              [&](const WorkContext& w) { return w.caller != kNoApiIndex && to[w.caller] == kNoApiIndex; }),
               work.end());
    for (auto& w : work)
      if (w.caller != kNoApiIndex) w.caller = to[w.caller];
    apis.push_back(std::move(m));
  }
  std::vector<Edge> edges;
  for (Edge& e : t.edges)
    if (to[e.caller] != kNoApiIndex && to[e.callee] != kNoApiIndex) {
      e.caller = to[e.caller];
      e.callee = to[e.callee];
      edges.push_back(std::move(e));
    }
  for (auto& r : t.roots) r.api = to[r.api];
  t.apis = std::move(apis);
  t.services = std::move(services);
  t.edges = std::move(edges);
  return dropped;
}

}  // namespace palette::model
