// Fidelity on real traces: fit each dataset and simulate at its traced rate (target KS <= 0.08:
// DeathStarBench hotel at load 25, OnlineBoutique fault-free); for hotel, the what-if to the load-100 and load-150 rates, with the capacity inferred
// from the load-25 traces and calibrated at load 100. The full report (more requests, the user-given
// way, finer calibration) is bench/bench_sim_fidelity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "palette/ingest/ingest.hpp"
#include "palette/sim/capacity.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/fit.hpp"
#include "support.hpp"
#include "trace_level.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

test::TraceLevel load_level(int load) {
  return test::load_trace_level(test::shared_trace("dsb-hotel-jaeger/hotel_load" + std::to_string(load) + ".jaeger.json"));
}

struct Errors {
  double ks, p50, p99;
};

Errors against(const std::vector<double>& real, const SimResult& r) {
  std::vector<double> sim;
  for (const auto& q : r.requests) sim.push_back(q.latency_us);
  stats::Sample a(real), b(std::move(sim));
  return {stats::ks_statistic(a, b), b.quantile(0.5) / a.quantile(0.5) - 1, b.quantile(0.99) / a.quantile(0.99) - 1};
}

SimResult run(const model::Topology& t, SimSetup s, double rate, uint64_t requests) {
  s.workload.rate_per_s = rate;
  s.workload.requests = requests;
  s.workload.warmup_s = 1;
  s.options.keep_requests = true;
  return simulate(t, s);
}

void print(const char* what, const Errors& e) {
  std::printf("%-44s KS %.3f  p50 err %+6.1f%%  p99 err %+6.1f%%\n", what, e.ks, 100 * e.p50, 100 * e.p99);
}

// Fits the traces and simulates them at their traced rate on the default platform.
Errors at_traced_rate(const test::TraceLevel& l, const char* name) {
  model::Topology t = model::fit_topology(l.traces, {});
  EXPECT_NEAR(t.arrival_rate_per_s, l.rate_per_s, 1e-9);
  Errors e = against(l.root_us, run(t, SimSetup{}, t.arrival_rate_per_s, 20000));
  print(name, e);
  return e;
}

}  // namespace

TEST(Fidelity, HotelAtItsTracedRate) {
  test::TraceLevel l25 = load_level(25);
  EXPECT_NEAR(l25.rate_per_s, 24.1, 0.5);
  Errors e = at_traced_rate(l25, "hotel 25 at its traced rate");
  EXPECT_LE(e.ks, 0.08);
  EXPECT_LT(std::fabs(e.p50), 0.08);
  EXPECT_LT(std::fabs(e.p99), 0.12);
}

TEST(Fidelity, OnlineBoutiqueAtItsTracedRate) {
  test::TraceLevel l = test::load_trace_level(test::shared_trace("nezha-onlineboutique-csv/faultfree_2022-08-23_17_00_trace.csv"));
  ASSERT_GT(l.root_us.size(), 400u);
  Errors e = at_traced_rate(l, "OnlineBoutique (fault-free) at its traced rate");
  EXPECT_LE(e.ks, 0.08);
  EXPECT_LT(std::fabs(e.p50), 0.15);
  EXPECT_LT(std::fabs(e.p99), 0.2);
}

TEST(Fidelity, HotelWhatIfFrom25To100And150) {
  test::TraceLevel l25 = load_level(25), l100 = load_level(100), l150 = load_level(150);
  model::Topology t = model::fit_topology(l25.traces, {});

  // Inferred: the load-25 traces show no worker limit; cores stay the default platform's. The
  // simulation then predicts (almost) no slowdown — which the real system had: the reason to calibrate.
  SimSetup inferred;
  CapacityInference inf = infer_capacity(l25.traces, t);
  apply_inferred_capacity(inf, inferred);
  EXPECT_TRUE(inferred.options.workers.empty()) << inf.note;
  Errors i100 = against(l100.root_us, run(t, inferred, l100.rate_per_s, 10000));
  Errors i150 = against(l150.root_us, run(t, inferred, l150.rate_per_s, 10000));
  print("inferred capacity, at load-100 rate", i100);
  print("inferred capacity, at load-150 rate", i150);
  EXPECT_LT(i100.p50, -0.2) << "no capacity limit: the simulation misses the real slowdown";

  // Calibrated at load 100 on a shared single-core host, predicting load 150.
  SimSetup shared;
  shared.platform.hosts[0].cores = 1;
  shared.placement = parse_placement("packed:1");
  CalibrationOptions o;
  o.requests = 4000;
  o.coarse_step = 0.1;
  o.fine_step = 0.02;
  Calibration c = calibrate_cpu_share(t, shared, l100.rate_per_s, l100.root_us, o);
  shared.options.cpu_fraction = shared.options.overhead_cpu_fraction = c.share;
  Errors c100 = against(l100.root_us, run(t, shared, l100.rate_per_s, 10000));
  Errors c150 = against(l150.root_us, run(t, shared, l150.rate_per_s, 10000));
  std::printf("calibrated CPU share %.2f (%zu trials)\n", c.share, c.trials.size());
  print("calibrated at 100, at load-100 rate", c100);
  print("calibrated at 100, predicting load 150", c150);
  EXPECT_LT(c100.ks, 0.12);
  EXPECT_LT(c150.ks, 0.15);
  EXPECT_LT(std::fabs(c150.p50), 0.2);
  EXPECT_LT(std::fabs(c150.p99), 0.25);
}
