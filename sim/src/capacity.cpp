#include "palette/sim/capacity.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <sstream>

#include "palette/error.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/model_sampling.hpp"

namespace palette::sim {
namespace {

double open_loop_rate(const model::WorkloadSpec& w) {
  switch (w.arrivals) {
    case model::ArrivalProcess::poisson:
    case model::ArrivalProcess::constant:
      return w.rate_per_s;
    case model::ArrivalProcess::replay: {
      if (w.recorded.size() < 2) return 0;
      const double span_s = (w.recorded.back().time_us - w.recorded.front().time_us) * 1e-6;
      return span_s > 0 ? static_cast<double>(w.recorded.size() - 1) / span_s * w.replay_speed : 0;
    }
    case model::ArrivalProcess::closed:
      return 0;
  }
  return 0;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

LoadEstimate estimate_load(const model::Topology& topology, const SimSetup& setup, uint32_t samples) {
  LoadEstimate e;
  e.rate_per_s = open_loop_rate(setup.workload);
  const std::vector<HostSpec> hosts = setup.platform.expand_hosts(placement_units(topology));
  const Placement where = place_services(topology, hosts, setup.placement);
  e.host_utilisation.assign(hosts.size(), 0.0);
  e.service_occupancy.assign(topology.services.size(), 0.0);
  if (!(e.rate_per_s > 0) || samples == 0) return e;

  const SimOptions& o = setup.options;
  std::vector<double> cpu_us(hosts.size(), 0.0), busy_us(topology.services.size(), 0.0);
  // CPU time of a service, spread evenly over its replicas' hosts (requests take turns).
  auto charge = [&](uint32_t service, double us, double cpu_share) {
    const model::ServiceModel& m = topology.services[service];
    if (m.work == "sleep" || (m.work.empty() && o.work == WorkMode::sleep)) return;
    const auto& replicas = where.host[service];
    for (uint32_t h : replicas) cpu_us[h] += us * cpu_share / static_cast<double>(replicas.size());
  };
  model::Sampler sampler(topology, o.seed);
  // The invocation's latency with no queueing (steps add, concurrent calls take the max), and the CPU
  // it asks of each host on the way; the same draws as the simulation (same keys).
  std::function<double(model::ApiIndex, const model::CallContext&, uint32_t)> walk =
      [&](model::ApiIndex api, const model::CallContext& ctx, uint32_t depth) {
        const model::InvocationPlan plan = sampler.plan(api, ctx);
        const uint32_t service = topology.apis[api].service;
        charge(service, plan.local_work_us, o.cpu_fraction);
        double t = plan.gaps_us[0];
        for (size_t k = 0; k < plan.steps.size(); ++k) {
          double step = 0;
          for (const model::CallPlan& c : plan.steps[k].calls) {
            if (depth >= model::ModelSampler::kMaxDepth) continue;
            charge(service, c.overhead_us / 2, o.overhead_cpu_fraction);
            charge(topology.apis[c.callee].service, c.overhead_us / 2, o.overhead_cpu_fraction);
            const double latency = c.overhead_us + walk(c.callee, c.context, depth + 1);
            if (c.awaited) step = std::max(step, latency);
          }
          t += step + plan.gaps_us[k + 1];
        }
        busy_us[service] += t;
        return t;
      };
  for (uint32_t i = 0; i < samples; ++i) {
    model::RequestDraw r = sampler.draw_request(i);
    walk(r.root, r.context(), 1);
  }
  const double per_request = e.rate_per_s / static_cast<double>(samples) * 1e-6;  // µs per sample -> busy share
  for (size_t h = 0; h < hosts.size(); ++h) {
    e.host_utilisation[h] = cpu_us[h] * per_request / hosts[h].cores;
    if (e.host_utilisation[h] > e.max_utilisation) {
      e.max_utilisation = e.host_utilisation[h];
      e.bottleneck = "host " + hosts[h].name;
    }
  }
  for (size_t s = 0; s < topology.services.size(); ++s) {
    uint32_t workers = topology.services[s].workers;
    if (auto it = o.workers.find(topology.services[s].name); it != o.workers.end()) workers = it->second;
    if (workers == 0) continue;
    const auto replicas = static_cast<double>(where.host[s].size());
    e.service_occupancy[s] = busy_us[s] * per_request / (workers * replicas);
    if (e.service_occupancy[s] > e.max_utilisation) {
      e.max_utilisation = e.service_occupancy[s];
      e.bottleneck = "service " + topology.services[s].name + " (workers)";
    }
  }
  return e;
}

CapacityInference infer_capacity(const ingest::TraceSet& traces, const model::Topology& topology) {
  CapacityInference out;
  struct Call {
    int64_t start, end, gap;  // gap: callee start - caller start (network, queueing, clock skew)
    bool has_gap;
  };
  std::vector<std::vector<Call>> calls(topology.services.size());
  double probability_sum = 0;
  uint64_t probability_count = 0;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const CallTree& t : traces.traces) {
    if (t.sampling_probability > 0) {
      probability_sum += t.sampling_probability;
      ++probability_count;
    }
    for (const CallNode& n : t.nodes) {
      if (n.kind == NodeKind::local || !n.has_timing()) continue;
      uint32_t s = topology.find_service(traces.catalog.service_name(n.api));
      if (s == UINT32_MAX) continue;
      bool has_gap = n.caller_start_us != kNoTime;
      calls[s].push_back(Call{n.start_us, n.end_us(), has_gap ? n.start_us - n.caller_start_us : 0, has_gap});
      if (n.kind == NodeKind::root) {
        first = std::min(first, n.start_us);
        last = std::max(last, n.start_us);
      }
    }
  }
  out.sampling_probability = probability_count ? probability_sum / static_cast<double>(probability_count) : 1.0;
  const double window_us = last > first ? static_cast<double>(last - first) : 0.0;
  bool any_limit = false;
  for (size_t s = 0; s < topology.services.size(); ++s) {
    ServiceCapacity sc;
    sc.service = topology.services[s].name;
    auto& cs = calls[s];
    std::sort(cs.begin(), cs.end(), [](const Call& a, const Call& b) { return a.start < b.start; });
    // Concurrency at each start: how many earlier invocations have not ended yet.
    std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> ends;
    std::map<uint32_t, std::vector<double>> gaps_by_level;
    double busy = 0;
    for (const Call& c : cs) {
      while (!ends.empty() && ends.top() <= c.start) ends.pop();
      auto level = static_cast<uint32_t>(ends.size());
      sc.peak_concurrency = std::max(sc.peak_concurrency, level + 1);
      if (c.has_gap) gaps_by_level[level].push_back(static_cast<double>(c.gap));
      ends.push(c.end);
      busy += static_cast<double>(c.end - c.start);
    }
    if (window_us > 0) sc.mean_concurrency = busy / window_us / out.sampling_probability;
    // A worker limit shows as calls that start later when the service is already at its busiest.
    const auto base = gaps_by_level.find(0);
    if (base != gaps_by_level.end() && base->second.size() >= 20) {
      const double m0 = median(base->second);
      for (auto it = gaps_by_level.rbegin(); it != gaps_by_level.rend() && it->first > 0; ++it) {
        if (it->second.size() < 20) continue;
        const double mk = median(it->second);
        if (mk - m0 > std::max(100.0, 0.5 * std::fabs(m0))) {
          sc.queueing_evidence = true;
          // Calls that waited started when a worker freed up, with all the others still busy.
          sc.inferred_workers = static_cast<uint32_t>(std::lround((it->first + 1) / out.sampling_probability));
          any_limit = true;
        }
        break;  // judge by the busiest level with enough calls
      }
    }
    out.services.push_back(std::move(sc));
  }
  out.note = "cores cannot be read from spans (the platform's are kept); ";
  out.note += any_limit ? "worker limits inferred where calls waited at a service's peak concurrency"
                        : "no worker limit seen (no call waited longer when its service was busy): workers unbounded";
  if (out.sampling_probability < 1) {
    std::ostringstream p;
    p << out.sampling_probability;
    out.note += "; traces sampled at " + p.str() + ": concurrency is under-observed";
  }
  return out;
}

void apply_inferred_capacity(const CapacityInference& inference, SimSetup& setup) {
  for (const ServiceCapacity& s : inference.services)
    if (s.inferred_workers > 0) setup.options.workers[s.service] = s.inferred_workers;
}

Calibration calibrate_cpu_share(const model::Topology& topology, const SimSetup& setup, double rate_per_s,
                                const std::vector<double>& target_latencies_us, const CalibrationOptions& options) {
  if (target_latencies_us.empty()) throw Error(ErrorKind::bad_value, "no target latencies to calibrate against").at_key("calibrate");
  if (!(rate_per_s > 0)) throw Error(ErrorKind::bad_value, "must be > 0").at_key("calibrate.rate");
  const stats::Sample target(target_latencies_us);
  SimSetup base = setup;
  base.workload = model::WorkloadSpec{};
  base.workload.rate_per_s = rate_per_s;
  base.workload.requests = options.requests;
  base.workload.warmup_s = std::min(1.0, 0.1 * static_cast<double>(options.requests) / rate_per_s);
  base.workload.seed = setup.workload.seed;
  base.options.work = WorkMode::cpu;
  base.options.keep_requests = true;
  base.options.output_dir.clear();
  base.options.spans = 0;

  Calibration out;
  std::map<long, CalibrationTrial> done;  // by share in thousandths
  auto trial = [&](double share) -> const CalibrationTrial& {
    const long key = std::lround(share * 1000);
    if (auto it = done.find(key); it != done.end()) return it->second;
    CalibrationTrial t;
    t.share = static_cast<double>(key) / 1000;
    SimSetup s = base;
    s.options.cpu_fraction = s.options.overhead_cpu_fraction = t.share;
    if (estimate_load(topology, s).max_utilisation >= 1) {
      t.overloaded = true;
    } else {
      SimResult r = simulate(topology, s);
      std::vector<double> lat;
      for (const auto& q : r.requests) lat.push_back(q.latency_us);
      stats::Sample sim(std::move(lat));
      t.ks = stats::ks_statistic(target, sim);
      t.p50_rel_err = sim.quantile(0.5) / target.quantile(0.5) - 1;
      t.p99_rel_err = sim.quantile(0.99) / target.quantile(0.99) - 1;
    }
    out.trials.push_back(t);
    return done.emplace(key, t).first->second;
  };
  // Latency only grows with the share: scan up until the platform would be overloaded.
  const CalibrationTrial* best = nullptr;
  auto consider = [&](const CalibrationTrial& t) {
    if (!t.overloaded && (!best || t.ks < best->ks)) best = &t;
  };
  for (double s = 0; s <= 1 + 1e-9; s += options.coarse_step) {
    const CalibrationTrial& t = trial(std::min(s, 1.0));
    if (t.overloaded) break;
    consider(t);
  }
  if (!best) throw Error(ErrorKind::bad_value, "every CPU share overloads the platform at this rate").at_key("calibrate").with_hint("give more cores or hosts");
  const double centre = best->share;
  for (double s = centre - options.coarse_step + options.fine_step; s < centre + options.coarse_step - 1e-9; s += options.fine_step) {
    if (s < 0 || s > 1) continue;
    const CalibrationTrial& t = trial(s);
    if (t.overloaded && s > centre) break;
    consider(t);
  }
  out.share = best->share;
  out.ks = best->ks;
  out.p50_rel_err = best->p50_rel_err;
  out.p99_rel_err = best->p99_rel_err;
  return out;
}

}  // namespace palette::sim
