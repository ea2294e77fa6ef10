#pragma once
// Shared by the emulator benchmarks: run a workload against an in-process deployment and summarise.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "palette/emu/in_process.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/stats/compare.hpp"

namespace palette::bench {

struct LatencySummary {
  double p50 = 0, p99 = 0, mean = 0;
  uint64_t ok = 0, failed = 0;
  double max_send_lag_us = 0, excess_p50 = 0;
};

inline double quantile_of(std::vector<double> v, double q) { return v.empty() ? 0.0 : stats::Sample(std::move(v)).quantile(q); }

// The first `skip` requests warm up connections and caches: left out.
inline LatencySummary summarise(const emu::LoadResult& r, size_t skip = 200) {
  LatencySummary s;
  std::vector<double> lat, excess;
  for (size_t k = 0; k < r.requests.size(); ++k) {
    const auto& q = r.requests[k];
    if (q.warmup || k < skip) continue;
    if (q.status != model::RequestStatus::ok) {
      ++s.failed;
      continue;
    }
    ++s.ok;
    lat.push_back(q.latency_us);
    excess.push_back(r.excess_us[k]);
    s.mean += q.latency_us;
  }
  if (!lat.empty()) s.mean /= static_cast<double>(lat.size());
  s.p50 = quantile_of(lat, 0.5);
  s.p99 = quantile_of(lat, 0.99);
  s.excess_p50 = quantile_of(excess, 0.5);
  s.max_send_lag_us = r.max_send_lag_us;
  return s;
}

// Deploys the topology in this process, runs the workload, stops the services.
inline LatencySummary run_in_process(const model::Topology& t, const emu::ServiceConfig& base, const model::WorkloadSpec& w) {
  emu::InProcessDeployment d(t, base);
  model::Sampler sampler(t, base.seed);
  emu::LoadOptions lo;
  lo.endpoints = d.endpoints();
  emu::LoadGenerator g(t, sampler, w, lo);
  auto r = g.run();
  d.stop();
  return summarise(r);
}

inline model::WorkloadSpec closed_loop(uint64_t requests) {
  model::WorkloadSpec w;
  w.arrivals = model::ArrivalProcess::closed;
  w.users = 1;
  w.requests = requests;
  return w;
}

// The machine is shared: how much of the time other work kept a runnable task from a core
// (/proc/pressure/cpu "some", in percent) between construction and share(). Report it with timings.
class CpuPressure {
 public:
  CpuPressure() : start_(std::chrono::steady_clock::now()), stall0_(stall_us()) {}
  double share() const {
    double wall = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_).count();
    return wall > 0 && stall0_ >= 0 ? 100.0 * (stall_us() - stall0_) / wall : -1;
  }

 private:
  static double stall_us() {
    std::ifstream in("/proc/pressure/cpu");
    std::string word;
    while (in >> word)
      if (word.rfind("total=", 0) == 0) return std::stod(word.substr(6));
    return -1;
  }
  std::chrono::steady_clock::time_point start_;
  double stall0_;
};

}  // namespace palette::bench
