// What the topology's deployment and intervention fields do in the simulator: replicas share the
// load, a group shares one host, a service's work spec overrides the run's, injected errors and call
// timeouts reach the request's status (and timeouts its latency).
#include <gtest/gtest.h>

#include "palette/ingest/ingest.hpp"
#include "palette/sim/simulation.hpp"
#include "support.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;
using model::Distribution;

namespace {

PlatformSpec quiet_platform(uint32_t cores) {
  PlatformSpec p;
  p.link = LinkSpec{1e12, 0};
  p.loopback = LinkSpec{1e12, 0};
  p.hosts = {HostSpec{"h", 0, cores, 1e9, std::nullopt}};
  return p;
}

// A fans out `fanout` concurrent calls to B (1 ms of work); C is a second callee when `with_c`.
struct FanOut {
  test::TopologyBuilder b;
  uint32_t sa, sb, sc;
  model::ApiIndex a, bb, cc;
  FanOut(int fanout, bool with_c) {
    sa = b.service("a");
    sb = b.service("b");
    sc = b.service("c");
    a = b.api(sa, "op", Distribution::constant(0));
    bb = b.api(sb, "op", Distribution::constant(1000));
    cc = b.api(sc, "op", Distribution::constant(1000));
    std::vector<model::ApiIndex> step(static_cast<size_t>(fanout), bb);
    if (with_c) step.push_back(cc);
    b.steps(a, {step});
    b.edge(a, bb);
    b.edge(a, cc);
    b.root(a);
  }
};

SimResult run(const model::Topology& t, SimSetup s, uint64_t n = 10) {
  s.workload.arrivals = model::ArrivalProcess::constant;
  s.workload.rate_per_s = 10;
  s.workload.requests = n;
  s.options.keep_requests = true;
  return simulate(t, s);
}

double only_latency(const SimResult& r) {
  EXPECT_FALSE(r.requests.empty());
  for (const auto& q : r.requests) EXPECT_NEAR(q.latency_us, r.requests.front().latency_us, 1e-3);
  return r.requests.front().latency_us;
}

}  // namespace

TEST(Interventions, ReplicasShareTheLoad) {
  FanOut f(4, false);
  f.b.service_model(f.sb).workers = 1;
  SimSetup s;
  s.platform = quiet_platform(4);
  model::Topology one = f.b.build();
  EXPECT_NEAR(only_latency(run(one, s)), 4000, 1e-3);
  f.b.service_model(f.sb).replicas = 2;
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 2000, 1e-3);
  f.b.service_model(f.sb).replicas = 4;
  SimResult r = run(f.b.build(), s);
  EXPECT_NEAR(only_latency(r), 1000, 1e-3);
  EXPECT_EQ(r.stats.hosts.size(), 6u) << "auto hosts: one per instance";
}

TEST(Interventions, AGroupSharesOneHost) {
  FanOut f(1, true);
  SimSetup s;
  s.platform = quiet_platform(1);
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 1000, 1e-3);
  f.b.service_model(f.sb).group = "g";
  f.b.service_model(f.sc).group = "g";
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 2000, 1e-3) << "b and c share the group's single core";
}

TEST(Interventions, AServicesWorkSpecWins) {
  FanOut f(2, false);
  SimSetup s;
  s.platform = quiet_platform(1);
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 2000, 1e-3);
  f.b.service_model(f.sb).work = "sleep";
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 1000, 1e-3);
  f.b.service_model(f.sb).work = "cpu";
  s.options.work = WorkMode::sleep;
  EXPECT_NEAR(only_latency(run(f.b.build(), s)), 2000, 1e-3);
}

TEST(Interventions, InjectedErrorsReachTheRequest) {
  FanOut f(1, false);
  f.b.api_model(f.bb).error_rate = 0.5;
  test::TempDir dir;
  SimSetup s;
  s.options.spans = -1;
  s.options.output_dir = dir.path();
  SimResult r = run(f.b.build(), s, 2000);
  uint64_t errors = 0;
  for (const auto& q : r.requests) errors += q.status == model::RequestStatus::error;
  EXPECT_NEAR(static_cast<double>(errors) / 2000, 0.5, 0.04);
  EXPECT_EQ(r.stats.failed_requests, errors);
  std::string summary = test::read_file(dir.file("summary.json"));
  EXPECT_NE(summary.find("\"errors\": " + std::to_string(errors)), std::string::npos) << summary;
  EXPECT_NE(test::read_file(dir.file("latencies.csv")).find(",error\n"), std::string::npos);
  auto traces = ingest::load_traces({dir.file("spans.json")}, {});
  uint64_t error_roots = 0;
  for (const auto& t : traces.traces) error_roots += t.root().error;
  EXPECT_EQ(error_roots, errors) << "the error shows on the callee and, passed up, on the root";
}

TEST(Interventions, ACallTimeoutEndsTheWaitAndTheRequestTimesOut) {
  FanOut f(1, false);
  f.b.edge_model(f.a, f.bb).timeout_us = 400;
  SimSetup s;
  s.platform = quiet_platform(4);
  SimResult r = run(f.b.build(), s);
  EXPECT_NEAR(only_latency(r), 400, 1e-3);
  for (const auto& q : r.requests) EXPECT_EQ(q.status, model::RequestStatus::timeout);
  f.b.edge_model(f.a, f.bb).timeout_us = 5000;  // long enough: no effect
  r = run(f.b.build(), s);
  EXPECT_NEAR(only_latency(r), 1000, 1e-3);
  for (const auto& q : r.requests) EXPECT_EQ(q.status, model::RequestStatus::ok);
}
