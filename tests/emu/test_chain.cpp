// A 3-service chain over real loopback sockets (services in this process, one thread each): every
// request succeeds, latency is the modelled one, and the spans, merged and re-ingested, give back the
// same call graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "emu_load.hpp"
#include "palette/emu/example_topologies.hpp"
#include "palette/emu/in_process.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/emu/span_log.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/fit.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

double quantile(std::vector<double> v, double q) { return stats::Sample(std::move(v)).quantile(q); }

}  // namespace

TEST(Chain, ThreeServicesAnswerWithTheModelledLatencyAndSpansGiveBackTheGraph) {
  // s0 -> s1 -> s2; 300 µs of sleep work each, 400 µs of modelled overhead per call:
  // a request should take 3 x 300 + 2 x 400 = 1700 µs, plus what live correction cannot absorb.
  const model::Topology topology = chain_topology(3, 300, 400);
  test::TempDir dir;
  ServiceConfig base;
  base.seed = 5;
  InProcessDeployment deployment(topology, base, dir.path());
  model::Sampler sampler(topology, base.seed);
  LoadOptions lo;
  lo.endpoints = deployment.endpoints();
  LoadGenerator gen(topology, sampler, test::constant_rate(200, 200), lo);
  LoadResult r = gen.run();
  deployment.stop();

  ASSERT_EQ(r.requests.size(), 200u);
  std::vector<double> latencies;
  for (const auto& q : r.requests) {
    EXPECT_EQ(q.status, model::RequestStatus::ok) << "request " << q.request_id;
    latencies.push_back(q.latency_us);
  }
  EXPECT_FALSE(r.aborted);
  const double p50 = quantile(latencies, 0.5);
  EXPECT_GT(p50, 1700 * 0.97);  // never faster than the model
  EXPECT_LT(p50, 1700 * 1.5);   // gross check only: the machine is shared (test_fidelity checks closely)
  for (const char* s : {"s0", "s1", "s2"}) EXPECT_EQ(deployment.service(s).stats().invocations, 200u) << s;

  // Spans: merged, written as Jaeger JSON, read back by the ingestion every palette command uses.
  std::vector<std::string> files = deployment.span_files();
  MergeReport m = merge_span_files(files, topology, dir.file("traces.json"), "jaeger");
  EXPECT_EQ(m.traces, 200u);
  EXPECT_EQ(m.records, 200u * 5);  // 3 server spans + 2 client spans per request
  ingest::TraceSet set = ingest::load_traces({dir.file("traces.json")}, {});
  ASSERT_EQ(set.traces.size(), 200u);
  std::vector<double> overheads;
  for (const CallTree& t : set.traces) {
    ASSERT_EQ(t.nodes.size(), 3u);
    EXPECT_EQ(set.catalog.api_label(t.nodes[0].api), "s0:op");
    EXPECT_EQ(set.catalog.api_label(t.nodes[1].api), "s1:op");
    EXPECT_EQ(set.catalog.api_label(t.nodes[2].api), "s2:op");
    EXPECT_EQ(t.nodes[2].parent, 1);
    EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
    // The caller sees the modelled overhead on top of the callee's time (padding) — less whatever
    // runtime overhead the callee could not absorb itself, which the padding absorbs instead.
    overheads.push_back(static_cast<double>(t.nodes[2].caller_duration_us - t.nodes[2].duration_us));
  }
  EXPECT_NEAR(quantile(overheads, 0.5), 400, 40);
  // Fitting the emulated traces recovers the topology's graph.
  model::Topology back = model::fit_topology(set, {});
  ASSERT_EQ(back.apis.size(), 3u);
  ASSERT_EQ(back.edges.size(), 2u);
  for (const auto& e : back.edges) {
    EXPECT_EQ(back.api_label(e.caller) + ">" + back.api_label(e.callee),
              back.api_label(e.caller) == "s0:op" ? "s0:op>s1:op" : "s1:op>s2:op");
    EXPECT_EQ(e.calls, 200u);
  }
  ASSERT_EQ(back.roots.size(), 1u);
  EXPECT_EQ(back.api_label(back.roots[0].api), "s0:op");
}

TEST(Chain, SameSeedSameTraceIdsAsPureModelSampling) {
  EXPECT_EQ(LoadGenerator::trace_id(3, 17), LoadGenerator::trace_id(3, 17));
  EXPECT_NE(LoadGenerator::trace_id(3, 17), LoadGenerator::trace_id(4, 17));
}
