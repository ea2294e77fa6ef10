// Capacity: overloaded rates are refused before they run; a worker limit the simulator imposed is
// found again in the spans it wrote; the CPU share calibrated at one load level is recovered.
#include <gtest/gtest.h>

#include "palette/ingest/ingest.hpp"
#include "palette/sim/capacity.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/compare.hpp"
#include "support.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;
using model::Distribution;

namespace {

model::Topology one_service(uint32_t workers = 0) {
  test::TopologyBuilder b;
  b.root(b.api(b.service("server", workers), "op", test::exponential_us(1000.0)));
  return b.build();
}

SimSetup single_core(double rate) {
  SimSetup s;
  s.platform.hosts = {HostSpec{"host", 1, 1, 1e9, std::nullopt}};
  s.workload.rate_per_s = rate;
  s.workload.requests = 2000;
  return s;
}

}  // namespace

TEST(Capacity, EstimatedLoadIsTheOfferedWork) {
  LoadEstimate e = estimate_load(one_service(), single_core(600));
  ASSERT_EQ(e.host_utilisation.size(), 1u);
  EXPECT_NEAR(e.host_utilisation[0], 0.6, 0.03);
  SimSetup half = single_core(600);
  half.options.cpu_fraction = 0.5;
  EXPECT_NEAR(estimate_load(one_service(), half).host_utilisation[0], 0.3, 0.015);
  EXPECT_EQ(estimate_load(one_service(), single_core(600)).bottleneck, "host host");
}

TEST(Capacity, OverloadIsRefusedWithTheBottleneck) {
  std::string e = test::error_of([] { simulate(one_service(), single_core(1200)); });
  // (~120%: the estimate samples 2000 requests of the model)
  EXPECT_NE(e.find("workload.rate: host host would be 1"), std::string::npos) << e;
  EXPECT_NE(e.find("% busy at 1200 requests/s: its queue would grow without end"), std::string::npos) << e;
  EXPECT_NE(e.find("hint:"), std::string::npos) << e;
  // Two workers on a sleep-work service: the workers are the bottleneck.
  SimSetup s = single_core(2400);
  s.options.work = WorkMode::sleep;
  e = test::error_of([&] { simulate(one_service(2), s); });
  EXPECT_NE(e.find("service server (workers) would be 1"), std::string::npos) << e;
  // Allowed on request; the in-flight guard still stops a run that grows without end.
  s = single_core(1200);
  s.options.allow_overload = true;
  s.options.max_in_flight = 50;
  s.workload.requests = 100000;
  e = test::error_of([&] { simulate(one_service(), s); });
  EXPECT_NE(e.find("more than 50 requests in flight"), std::string::npos) << e;
}

TEST(Capacity, AWorkerLimitIsFoundInTheSpansItLeft) {
  // A calls B; B has 2 workers and 1 ms of (sleep) work; at 1400 requests/s B is ~70% busy and calls
  // often wait for a worker. The spans show it: infer_capacity finds B's limit, and none for A.
  test::TopologyBuilder b;
  uint32_t sa = b.service("a"), sb = b.service("b", 2);
  auto a = b.api(sa, "op", Distribution::constant(20));
  auto bb = b.api(sb, "op", Distribution::constant(1000));
  b.steps(a, {{bb}}, {0.5, 0.5});
  b.edge(a, bb, 100);
  b.root(a);
  model::Topology t = b.build();
  test::TempDir dir;
  SimSetup s;
  s.workload.rate_per_s = 1400;
  s.workload.requests = 6000;
  s.options.work = WorkMode::sleep;
  s.options.spans = -1;
  s.options.output_dir = dir.path();
  simulate(t, s);
  auto traces = ingest::load_traces({dir.file("spans.json")}, {});
  CapacityInference inf = infer_capacity(traces, t);
  ASSERT_EQ(inf.services.size(), 2u);
  EXPECT_FALSE(inf.services[0].queueing_evidence) << inf.note;
  EXPECT_EQ(inf.services[0].inferred_workers, 0u);
  EXPECT_TRUE(inf.services[1].queueing_evidence) << inf.note;
  EXPECT_EQ(inf.services[1].inferred_workers, 2u);
  EXPECT_EQ(inf.services[1].peak_concurrency, 2u);
  EXPECT_NEAR(inf.services[1].mean_concurrency, 1.4, 0.15);
  SimSetup applied;
  apply_inferred_capacity(inf, applied);
  EXPECT_EQ(applied.options.workers.at("b"), 2u);
}

TEST(Capacity, CalibrationRecoversTheCpuShare) {
  // Latencies simulated with 40% of the work on the CPU at 1400 requests/s on one core (56% busy);
  // calibrating against them finds that share again, and refuses shares above ~0.7 (overload).
  model::Topology t = one_service();
  SimSetup truth = single_core(1400);
  truth.options.cpu_fraction = truth.options.overhead_cpu_fraction = 0.4;
  truth.workload.requests = 20000;
  truth.workload.seed = 5;
  truth.options.seed = 5;
  truth.options.keep_requests = true;
  std::vector<double> target;
  for (const auto& q : simulate(t, truth).requests) target.push_back(q.latency_us);
  CalibrationOptions o;
  o.requests = 5000;
  o.coarse_step = 0.1;
  o.fine_step = 0.02;
  Calibration c = calibrate_cpu_share(t, single_core(1), 1400, target, o);
  std::cout << "calibrated share " << c.share << " (truth 0.4), KS " << c.ks << " after " << c.trials.size() << " trials\n";
  EXPECT_NEAR(c.share, 0.4, 0.041);
  EXPECT_LT(c.ks, 0.05);
  bool refused = false;
  for (const auto& trial : c.trials) refused = refused || trial.overloaded;
  EXPECT_TRUE(refused) << "shares that overload the core are refused, not simulated";
}
