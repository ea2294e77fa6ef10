// Fidelity: each shared dataset's topology fitted from its traces (the readers palette has: hotel
// Jaeger at two loads, the Nezha online boutique CSV), emulated as real processes (palette emu's
// launcher) under open-loop Poisson load, gives the root latency distribution of pure model sampling
// of the same requests (same seed, same request ids) within KS 0.10, stays near the traces, and its
// spans, re-ingested, give back the topology's call graph.
#include <gtest/gtest.h>

#include <set>

#include "palette/emu/launcher.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/stats/compare.hpp"
#include "palette/stats/latencies.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

std::set<std::string> edges_of(const model::Topology& t) {
  std::set<std::string> out;
  for (const auto& e : t.edges) out.insert(t.api_label(e.caller) + " > " + t.api_label(e.callee));
  return out;
}

// `rate` is one this 2-core machine carries with room to spare (the traced systems ran at 24-30/s for
// hotel, 8/s for the online boutique).
void check_dataset(const std::string& file, double rate, uint64_t requests) {
  auto set = ingest::load_traces({test::shared_trace(file)}, {});
  const model::Topology topology = model::fit_topology(set, {});
  const uint64_t seed = 1;

  test::TempDir dir;
  EmuOptions o;
  o.output_dir = dir.file("run");
  o.seed = seed;
  o.workload.arrivals = model::ArrivalProcess::poisson;
  o.workload.rate_per_s = rate;
  o.workload.requests = requests;
  o.workload.seed = seed;
  o.scheduling.nice = -10;  // refused without the right: then only the short slice shields the run
  EmuReport report = run_emulation(topology, o);
  EXPECT_EQ(report.ok, requests);

  stats::Latencies emulated = stats::read_latencies(o.output_dir, {});  // latencies.csv, as palette compare reads it
  Catalog catalog;
  model::ModelSampler ms(topology, seed, catalog);
  std::vector<double> sampled, traced;
  for (uint64_t id = 0; id < requests; ++id) sampled.push_back(static_cast<double>(ms.sample(id, 0).root().duration_us));
  for (const auto& t : set.traces)
    if (t.root().has_timing()) traced.push_back(static_cast<double>(t.root().duration_us));
  stats::Sample e(emulated.values_us), m(sampled), tr(traced);
  const double ks_model = stats::ks_statistic(e, m), ks_traces = stats::ks_statistic(e, tr);
  std::printf("%s: emu p50 %.0f p99 %.0f us | model p50 %.0f p99 %.0f | traces p50 %.0f p99 %.0f | KS vs model %.3f, "
              "vs traces %.3f (model vs traces %.3f)\n",
              file.c_str(), e.quantile(0.5), e.quantile(0.99), m.quantile(0.5), m.quantile(0.99), tr.quantile(0.5),
              tr.quantile(0.99), ks_model, ks_traces, stats::ks_statistic(m, tr));
  EXPECT_LE(ks_model, 0.10);
  EXPECT_LE(ks_traces, 0.15);  // the model's own distance to the traces is ~0.05
  EXPECT_NEAR(e.quantile(0.5), m.quantile(0.5), 0.10 * m.quantile(0.5));

  // The emulated system's spans, fitted again, have the topology's call graph.
  auto emulated_traces = ingest::load_traces({o.output_dir + "/traces.jaeger.json"}, {});
  EXPECT_EQ(emulated_traces.traces.size(), requests);
  EXPECT_EQ(edges_of(model::fit_topology(emulated_traces, {})), edges_of(topology));
}

}  // namespace

TEST(Fidelity, HotelLoad25) { check_dataset("dsb-hotel-jaeger/hotel_load25.jaeger.json", 40, 400); }
TEST(Fidelity, HotelLoad150) { check_dataset("dsb-hotel-jaeger/hotel_load150.jaeger.json", 40, 400); }
TEST(Fidelity, OnlineBoutiqueFaultFree) { check_dataset("nezha-onlineboutique-csv/faultfree_2022-08-23_17_00_trace.csv", 20, 300); }
