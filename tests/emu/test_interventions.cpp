// The topology's deployment and intervention fields, as the emulator honours them: replicas share a
// service's calls, groups and replicas become processes, injected errors and per-edge timeouts end
// requests with the status they should.
#include <gtest/gtest.h>

#include <algorithm>

#include "emu_load.hpp"
#include "palette/emu/example_topologies.hpp"
#include "palette/emu/in_process.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/emu/service.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

LoadResult run_load(const model::Topology& t, const InProcessDeployment& d, uint64_t requests) {
  return test::run_constant_load(t, d, 500, requests);
}

size_t count(const LoadResult& r, model::RequestStatus status) { return test::count_status(r, status); }

}  // namespace

TEST(Interventions, ReplicasShareTheCallsInTurn) {
  model::Topology t = chain_topology(2, 50, 0);
  t.services[1].replicas = 3;
  InProcessDeployment d(t, ServiceConfig{});
  ASSERT_EQ(d.endpoints().at("s1").size(), 3u);
  LoadResult r = run_load(t, d, 300);
  d.stop();
  EXPECT_EQ(count(r, model::RequestStatus::ok), 300u);
  EXPECT_EQ(d.service("s1").stats().invocations, 100u);  // the first of three replicas: a third, in turn
}

TEST(Interventions, InjectedErrorsFailTheirRequests) {
  model::Topology t = chain_topology(2, 50, 0);
  t.apis[1].error_rate = 0.5;
  InProcessDeployment d(t, ServiceConfig{});
  LoadResult r = run_load(t, d, 200);
  d.stop();
  // Exactly the requests whose plan (same seed, same keys) draws an injected error at s1.
  model::Sampler sampler(t, 1);
  size_t expected = 0;
  for (uint64_t id = 0; id < 200; ++id) {
    model::RequestDraw q = sampler.draw_request(id);
    model::InvocationPlan root = sampler.plan(q.root, q.context());
    expected += sampler.plan(1, root.steps[0].calls[0].context).inject_error;
  }
  EXPECT_GT(expected, 60u);
  EXPECT_LT(expected, 140u);
  EXPECT_EQ(count(r, model::RequestStatus::error), expected);
  EXPECT_EQ(count(r, model::RequestStatus::ok), 200 - expected);
}

TEST(Interventions, AnEdgeTimeoutCutsTheCallShort) {
  model::Topology t = chain_topology(2, 20000, 0);  // s1 works 20 ms
  t.edges[0].timeout_us = 2000;                      // s0 gives up on it after 2 ms
  InProcessDeployment d(t, ServiceConfig{});
  LoadResult r = run_load(t, d, 20);
  d.stop();
  EXPECT_EQ(count(r, model::RequestStatus::timeout), 20u);
  for (const auto& q : r.requests) EXPECT_LT(q.latency_us, 10000 + 2000 + 5000);  // s0's first gap + timeout + slack
}

TEST(Interventions, GroupsAndReplicasBecomeProcesses) {
  model::Topology t = chain_topology(3, 100, 0);
  t.services[1].group = t.services[2].group = "backend";
  t.services[1].replicas = 2;  // backend#0 hosts s1 and s2, backend#1 hosts s1
  test::TempDir dir;
  EmuOptions o;
  o.output_dir = dir.file("run");
  o.workload.arrivals = model::ArrivalProcess::constant;
  o.workload.rate_per_s = 400;
  o.workload.requests = 200;
  o.spans = false;
  EmuReport r = run_emulation(t, o);
  EXPECT_EQ(r.processes, 3u);
  EXPECT_EQ(r.ok, 200u);
  ServiceStats b0 = read_service_stats(o.output_dir + "/logs/backend#0.stats");
  ServiceStats b1 = read_service_stats(o.output_dir + "/logs/backend#1.stats");
  EXPECT_EQ(b0.invocations, 100u + 200u);  // half of s1's calls, and every call to s2
  EXPECT_EQ(b1.invocations, 100u);
}

TEST(Interventions, WorkersQueueRequestsAcrossThreads) {
  model::Topology t = chain_topology(1, 5000, 0);  // 5 ms of work a request
  t.services[0].workers = 1;                        // served one at a time, whatever the threads
  ServiceConfig base;
  base.threads = 2;
  InProcessDeployment d(t, base);
  model::Sampler sampler(t, 1);
  LoadOptions lo;
  lo.endpoints = d.endpoints();
  lo.connections = 2;  // both threads get requests
  LoadResult r = LoadGenerator(t, sampler, test::constant_rate(10000, 8), lo).run();  // all at once
  d.stop();
  std::vector<double> latency;
  for (const auto& q : r.requests) latency.push_back(q.latency_us);
  std::sort(latency.begin(), latency.end());
  ASSERT_EQ(latency.size(), 8u);
  // The k-th to be served waited for the k before it: ~5, 10, ..., 40 ms (less the 0.1 ms between
  // sends, and what live correction takes back of a request's wake-up: at most 0.15 ms).
  for (size_t k = 0; k < latency.size(); ++k)
    EXPECT_GT(latency[k], 4800.0 * static_cast<double>(k + 1) - 300) << k << " " << ::testing::PrintToString(latency);
  EXPECT_LT(latency.back(), 40000 * 1.5);
}
