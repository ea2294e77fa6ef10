// Outputs and agreement with the model: same seed ⇒ byte-identical files; at low load with a free
// network the simulation is pure model sampling (request by request); spans read back give the
// same call graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "palette/ingest/ingest.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

const model::Topology& hotel25() {
  static const model::Topology t = [] {
    auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
    return model::fit_topology(set, {});
  }();
  return t;
}

std::set<std::string> edge_labels(const model::Topology& t) {
  std::set<std::string> out;
  for (const auto& e : t.edges) out.insert(t.api_label(e.caller) + " -> " + t.api_label(e.callee));
  return out;
}

std::set<std::string> api_labels(const model::Topology& t) {
  std::set<std::string> out;
  for (size_t a = 0; a < t.apis.size(); ++a) out.insert(t.api_label(static_cast<model::ApiIndex>(a)));
  return out;
}

}  // namespace

TEST(Outputs, SameSeedGivesByteIdenticalFiles) {
  test::TempDir dir;
  SimSetup s;
  s.workload.rate_per_s = 60;  // ~40% of two cores: some queueing and sharing, so event order matters
  s.workload.requests = 3000;
  s.workload.warmup_s = 1;
  s.platform.hosts = {HostSpec{"node", 2, 1, 1e9, std::nullopt}};
  s.options.spans = 200;
  std::string files[] = {"latencies.csv", "summary.json", "spans.json"};
  std::string first[3];
  for (int run = 0; run < 2; ++run) {
    s.options.output_dir = dir.file("run" + std::to_string(run));
    simulate(hotel25(), s);
    for (int f = 0; f < 3; ++f) {
      std::string content = test::read_file(s.options.output_dir + "/" + files[f]);
      ASSERT_FALSE(content.empty()) << files[f];
      if (run == 0) first[f] = content;
      else EXPECT_EQ(content, first[f]) << files[f] << " differs between two runs with the same seed";
    }
  }
  s.options.seed = 2;
  s.workload.seed = 2;
  s.options.output_dir = dir.file("other");
  simulate(hotel25(), s);
  EXPECT_NE(test::read_file(dir.file("other/latencies.csv")), first[0]) << "another seed, other requests";
}

TEST(Outputs, LowLoadWithAFreeNetworkIsPureModelSampling) {
  // No queueing (one request at a time), no network time, no correction: every request takes exactly
  // what pure model sampling draws for it (the same Sampler keys), to the µs.
  const model::Topology& t = hotel25();
  SimSetup s;
  s.platform.link = LinkSpec{1e12, 0};
  s.platform.loopback = LinkSpec{1e12, 0};
  s.workload.arrivals = model::ArrivalProcess::constant;
  s.workload.rate_per_s = 2;  // 500 ms apart: hotel's requests take ~20-150 ms
  s.workload.requests = 1500;
  s.options.correction = false;
  s.options.keep_requests = true;
  SimResult r = simulate(t, s);
  Catalog catalog;
  model::ModelSampler ms(t, s.options.seed, catalog);
  ASSERT_EQ(r.requests.size(), 1500u);
  double worst = 0, total = 0;
  for (const auto& q : r.requests) {
    CallTree tree = ms.sample(q.request_id, 0);
    double d = std::fabs(q.latency_us - static_cast<double>(tree.root().duration_us));
    worst = std::max(worst, d);
    total += d;
  }
  // Model sampling rounds every node to whole µs and builds its parent on the rounded value: up to
  // half a µs per node of hotel's six.
  EXPECT_LT(worst, 3.0) << "simulated and sampled latency of the same request differ";
  EXPECT_LT(total / static_cast<double>(r.requests.size()), 0.6);
}

TEST(Outputs, LowLoadOnTheDefaultPlatformAgreesWithModelSampling) {
  // The default platform's network (25 µs links) and live correction on: the distribution stays
  // that of model sampling.
  const model::Topology& t = hotel25();
  SimSetup s;
  s.workload.rate_per_s = 5;
  s.workload.requests = 4000;
  s.options.keep_requests = true;
  SimResult r = simulate(t, s);
  Catalog catalog;
  model::ModelSampler ms(t, s.options.seed, catalog);  // the same draws: only the network and correction differ
  std::vector<double> sim, sampled;
  for (const auto& q : r.requests) sim.push_back(q.latency_us);
  for (uint64_t i = 0; i < 4000; ++i) sampled.push_back(static_cast<double>(ms.sample(i, 0).root().duration_us));
  double ks = stats::ks_statistic(stats::Sample(sim), stats::Sample(sampled));
  std::cout << "low load, default platform: KS vs pure model sampling " << ks << ", unabsorbed overhead "
            << r.stats.unabsorbed_overhead_us << " us per visit\n";
  EXPECT_LT(ks, 0.04);
}

TEST(Outputs, SpansReadBackGiveTheSameGraph) {
  test::TempDir dir;
  const model::Topology& t = hotel25();
  SimSetup s;
  s.workload.rate_per_s = 24;
  s.workload.requests = 1200;
  s.options.spans = -1;
  s.options.output_dir = dir.path();
  SimResult r = simulate(t, s);
  auto set = ingest::load_traces({dir.file("spans.json")}, {});
  EXPECT_EQ(set.traces.size(), r.stats.requests);
  model::Topology back = model::fit_topology(set, {});
  EXPECT_EQ(api_labels(back), api_labels(t));
  EXPECT_EQ(edge_labels(back), edge_labels(t));
  // And the root latencies in the spans are the ones in latencies.csv.
  std::vector<double> from_spans;
  for (const auto& tr : set.traces) from_spans.push_back(static_cast<double>(tr.root().duration_us));
  std::sort(from_spans.begin(), from_spans.end());
  EXPECT_NEAR(stats::Sample(from_spans).quantile(0.5), r.stats.p50_us, 0.002 * r.stats.p50_us + 1);
}

TEST(Outputs, SpansBoundedToTheFirstN) {
  test::TempDir dir;
  SimSetup s;
  s.workload.rate_per_s = 50;
  s.workload.requests = 500;
  s.workload.warmup_s = 1;
  s.options.spans = 37;
  s.options.output_dir = dir.path();
  simulate(hotel25(), s);
  auto set = ingest::load_traces({dir.file("spans.json")}, {});
  EXPECT_EQ(set.traces.size(), 37u);
}
