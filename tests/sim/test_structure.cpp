// Structure and resources, worked out by hand: sequential calls add, concurrent calls take the max,
// call overhead adds, a payload adds latency + bytes/bandwidth, a shared link or core slows both
// users — and the closed-form fast path gives the same times as running everything in SimGrid.
#include <gtest/gtest.h>

#include <cmath>

#include "palette/sim/simulation.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;
using model::Distribution;

namespace {

// A platform whose network takes no time unless a test says so.
PlatformSpec quiet_platform(uint32_t hosts, uint32_t cores = 4) {
  PlatformSpec p;
  p.link = LinkSpec{1e12, 0};
  p.loopback = LinkSpec{1e12, 0};
  p.hosts = {HostSpec{"h", hosts, cores, 1e9, std::nullopt}};
  return p;
}

// Requests one at a time (constant arrivals far apart), every latency returned.
std::vector<double> latencies(const model::Topology& t, SimSetup setup, uint64_t n = 20) {
  setup.workload.arrivals = model::ArrivalProcess::constant;
  setup.workload.rate_per_s = 10;
  setup.workload.requests = n;
  setup.options.keep_requests = true;
  SimResult r = simulate(t, setup);
  std::vector<double> out;
  for (const auto& q : r.requests) out.push_back(q.latency_us);
  return out;
}

void expect_all_near(const std::vector<double>& xs, double expected, double tol = 1e-3) {
  ASSERT_FALSE(xs.empty());
  for (double x : xs) EXPECT_NEAR(x, expected, tol);
}

// A calls B and C, sequentially or concurrently, A's work all before its calls; every call with the
// same overhead and (when >= 0) the same payload each way.
struct TwoCalls {
  bool concurrent = false;
  double a_us = 100, b_us = 300, c_us = 500;
  double overhead_us = 0, bytes = -1;
  model::Topology build() const {
    test::TopologyBuilder b;
    uint32_t sa = b.service("a"), sb = b.service("b"), sc = b.service("c");
    auto a = b.api(sa, "op", Distribution::constant(a_us));
    auto bb = b.api(sb, "op", Distribution::constant(b_us));
    auto cc = b.api(sc, "op", Distribution::constant(c_us));
    if (concurrent) b.steps(a, {{bb, cc}}, {1, 0});
    else b.steps(a, {{bb}, {cc}}, {1, 0, 0});
    b.edge(a, bb, overhead_us, bytes, bytes);
    b.edge(a, cc, overhead_us, bytes, bytes);
    b.root(a);
    return b.build();
  }
};

model::Topology two_calls(bool concurrent, double overhead_us = 0, double bytes = -1) {
  TwoCalls t;
  t.concurrent = concurrent;
  t.overhead_us = overhead_us;
  t.bytes = bytes;
  return t.build();
}

// A (500 µs of work: 100 before its call, 400 after) calls B (300 µs).
model::Topology one_call_then_work() {
  test::TopologyBuilder b;
  uint32_t sa = b.service("a"), sb = b.service("b");
  auto a = b.api(sa, "op", Distribution::constant(500));
  auto bb = b.api(sb, "op", Distribution::constant(300));
  b.steps(a, {{bb}}, {0.2, 0.8});
  b.edge(a, bb, 0, 0, 0);
  b.root(a);
  return b.build();
}

// Links of bandwidth W and latency L (bytes/s, s); correction off so messages show in full.
SimSetup network_setup(double W, double L, bool fast) {
  SimSetup s;
  s.platform = quiet_platform(3);
  s.platform.link = LinkSpec{W, L};
  s.options.correction = false;
  s.options.fast_path = fast;
  return s;
}

}  // namespace

TEST(Structure, SequentialCallsAdd) {
  SimSetup s;
  s.platform = quiet_platform(3);
  expect_all_near(latencies(two_calls(false), s), 100 + 300 + 500);
}

TEST(Structure, ConcurrentCallsTakeTheMax) {
  SimSetup s;
  s.platform = quiet_platform(3);
  expect_all_near(latencies(two_calls(true), s), 100 + 500);
}

TEST(Structure, CallOverheadAddsPerCall) {
  SimSetup s;
  s.platform = quiet_platform(3);
  expect_all_near(latencies(two_calls(false, 40), s), 100 + 300 + 500 + 2 * 40);
  expect_all_near(latencies(two_calls(true, 40), s), 100 + 500 + 40);
}

TEST(Structure, PayloadAddsLatencyPlusBytesOverBandwidth) {
  // Star: a call crosses the caller's and the callee's link, L = 100 µs each, W = 1 Gbps. Request
  // and response carry 5 kB each (40 µs on the wire). Correction off, so the messages' time shows in
  // full. Concurrent: both requests leave A's link together and share it (2·B/W); the responses
  // come back 200 µs apart and do not overlap.
  const double L = 100e-6, W = 1.25e8, B = 5000;
  for (bool fast : {true, false}) {
    SimSetup s = network_setup(W, L, fast);
    const double message_us = (2 * L + B / W) * 1e6;
    expect_all_near(latencies(two_calls(false, 0, B), s), 100 + 300 + 500 + 4 * message_us);
    expect_all_near(latencies(two_calls(true, 0, B), s), 100 + 500 + 2 * message_us + B / W * 1e6);
  }
}

TEST(Structure, CorrectionTakesThePlannedNetworkBackOutOfLaterWork) {
  // The same 4 messages, but A has 400 µs of work after its calls: live correction gives back the
  // messages' time from it (the planned overhead already counted the traced network).
  model::Topology t = one_call_then_work();
  SimSetup s;
  s.platform = quiet_platform(2);
  s.platform.link = LinkSpec{1e12, 50e-6};  // 100 µs per message
  expect_all_near(latencies(t, s), 500 + 300);
  s.options.correction = false;
  expect_all_near(latencies(t, s), 500 + 300 + 200);
}

TEST(Structure, ANetworkChangeShowsAgainstItsReference) {
  // The plan's overhead holds the reference deployment's network (links of 50 µs: 200 µs for the
  // call's two messages). Run on 250 µs links (1 ms of messages): correction takes back only the
  // reference's 200 µs, so the change shows in full (+800 µs). Run on 10 µs links (40 µs): the call
  // gets 160 µs faster. Without a reference, correction takes back the run's own network (as far as
  // A's 400 µs of later work allows).
  model::Topology t = one_call_then_work();
  SimSetup s;
  s.platform = quiet_platform(2);
  SimOptions::NetworkReference ref;
  ref.platform = s.platform;
  ref.platform.link = LinkSpec{1e12, 50e-6};
  s.options.network_reference = ref;
  s.platform.link = LinkSpec{1e12, 250e-6};
  expect_all_near(latencies(t, s), 800 + 800);
  s.platform.link = LinkSpec{1e12, 10e-6};
  expect_all_near(latencies(t, s), 800 - 160);
  s.options.network_reference.reset();
  s.platform.link = LinkSpec{1e12, 250e-6};
  expect_all_near(latencies(t, s), 800 + 1000 - 400);
}

TEST(Structure, ConcurrentTransfersShareTheCallersLink) {
  // Both of A's calls leave A's host at the same instant with 1 MB each over 1 Gbps: while both
  // are on A's uplink each gets half of it, so each request message takes 2·B/W (plus latency); the
  // responses (B and C take 100 µs each) come back together and share A's downlink the same way.
  const double W = 1.25e8, B = 1e6, L = 10e-6;
  TwoCalls calls;
  calls.concurrent = true;
  calls.a_us = 0;
  calls.b_us = calls.c_us = 100;
  calls.bytes = B;
  for (bool fast : {true, false}) {
    SimSetup s = network_setup(W, L, fast);
    expect_all_near(latencies(calls.build(), s), 2 * (2 * L + 2 * B / W) * 1e6 + 100, 1e-2);
  }
}

TEST(Structure, BurstsOnOneCoreShareIt) {
  // B and C (1 ms of work each) run on one single-core host, called concurrently: processor sharing
  // ends both at 2 ms. With two cores, 1 ms.
  TwoCalls calls;
  calls.concurrent = true;
  calls.a_us = 0;
  calls.b_us = calls.c_us = 1000;
  for (uint32_t cores : {1u, 2u}) {
    for (bool fast : {true, false}) {
      SimSetup s;
      s.platform = quiet_platform(2, cores);
      s.placement = parse_placement("a=h-0,b=h-1,c=h-1");
      s.options.fast_path = fast;
      expect_all_near(latencies(calls.build(), s), cores == 1 ? 2000 : 1000, 1e-2);
    }
  }
}

TEST(Structure, WorkersLimitConcurrencyAndQueue) {
  // Four concurrent calls into a service with 2 workers and 1 ms of sleep work: two wait a turn.
  test::TopologyBuilder b;
  uint32_t sa = b.service("a"), sb = b.service("b", 2);
  auto a = b.api(sa, "op", Distribution::constant(0));
  auto bb = b.api(sb, "op", Distribution::constant(1000));
  b.steps(a, {{bb, bb, bb, bb}});
  b.edge(a, bb);
  b.root(a);
  SimSetup s;
  s.platform = quiet_platform(2);
  s.options.work = WorkMode::sleep;
  model::Topology t = b.build();
  expect_all_near(latencies(t, s), 2000);
  s.options.workers["b"] = 4;
  expect_all_near(latencies(t, s), 1000);
  s.options.workers["b"] = 1;
  expect_all_near(latencies(t, s), 4000);
}

TEST(Structure, FastPathMatchesSimGridUnderHeavySharing) {
  // A fan-out tree at high load on few single-core hosts with big payloads: most bursts and
  // transfers share their resources. Every request's latency must match the all-SimGrid run.
  test::TopologyBuilder b;
  std::vector<uint32_t> s;
  for (int i = 0; i < 5; ++i) s.push_back(b.service("s" + std::to_string(i)));
  std::vector<model::ApiIndex> api;
  for (int i = 0; i < 5; ++i) api.push_back(b.api(s[i], "op", test::exponential_us(150)));
  b.steps(api[0], {{api[1], api[2]}, {api[3]}});
  b.steps(api[1], {{api[4]}});
  b.edge(api[0], api[1], 30, 20000, 5000);
  b.edge(api[0], api[2], 30, 80000, 1000);
  b.edge(api[0], api[3], 30, 1000, 100000);
  b.edge(api[1], api[4], 30, 5000, 5000);
  b.root(api[0]);
  model::Topology t = b.build();
  SimSetup setup;
  setup.platform.hosts = {HostSpec{"h", 3, 1, 1e9, std::nullopt}};
  setup.platform.link = LinkSpec{1.25e8, 20e-6};
  setup.workload.rate_per_s = 900;
  setup.workload.requests = 3000;
  setup.options.keep_requests = true;
  SimResult fast = simulate(t, setup);
  setup.options.fast_path = false;
  SimResult slow = simulate(t, setup);
  ASSERT_EQ(fast.requests.size(), slow.requests.size());
  double worst = 0;
  for (size_t i = 0; i < fast.requests.size(); ++i) {
    ASSERT_EQ(fast.requests[i].request_id, slow.requests[i].request_id);
    worst = std::max(worst, std::fabs(fast.requests[i].latency_us - slow.requests[i].latency_us));
  }
  std::cout << "fast path vs SimGrid: worst latency difference " << worst << " us over " << fast.requests.size()
            << " requests; bursts in SimGrid " << fast.stats.bursts_in_simgrid << "/" << fast.stats.bursts << ", transfers "
            << fast.stats.transfers_in_simgrid << "/" << fast.stats.transfers << "\n";
  EXPECT_GT(fast.stats.bursts_in_simgrid, fast.stats.bursts / 10) << "the test must exercise sharing";
  EXPECT_GT(fast.stats.transfers_in_simgrid, fast.stats.transfers / 10);
  EXPECT_LT(fast.stats.bursts_in_simgrid, fast.stats.bursts);
  EXPECT_LT(worst, 0.25) << "beyond rounding (bytes left are rounded to whole bytes when a transfer moves into SimGrid)";
  EXPECT_NEAR(fast.stats.mean_latency_us, slow.stats.mean_latency_us, 1e-3);
}
