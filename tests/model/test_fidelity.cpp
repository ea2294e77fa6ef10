// Fidelity of pure model sampling against the real traces: fit each shared dataset, sample as many
// traces again, compare the root latency CDFs. Fixed seeds, so the numbers are exact; the bounds leave
// room for deliberate model changes, not for regressions (each run prints its numbers).
#include <gtest/gtest.h>

#include "palette/stats/compare.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::model;

namespace {

struct Score {
  double ks, p50_err, p99_err;
};

Score score(const std::string& dataset, Conditioning c) {
  auto set = ingest::load_traces({test::shared_trace(dataset)}, {});
  std::vector<double> real;
  for (const auto& t : set.traces)
    if (t.root().has_timing()) real.push_back(static_cast<double>(t.root().duration_us));
  FitOptions o;
  o.conditioning = c;
  Topology topo = fit_topology(set, o);
  Catalog cat;
  ModelSampler ms(topo, 7, cat);
  std::vector<double> sampled;
  for (uint64_t r = 0; r < 5000; ++r) sampled.push_back(static_cast<double>(ms.sample(r, 0).root().duration_us));
  stats::Sample a(real), b(sampled);
  double ks = stats::ks_statistic(a, b);
  double p50 = b.quantile(0.5) / a.quantile(0.5) - 1, p99 = b.quantile(0.99) / a.quantile(0.99) - 1;
  std::cout << dataset << " " << to_string(c) << ": KS " << ks << ", p50 " << 100 * p50 << "%, p99 " << 100 * p99 << "%\n";
  return {ks, p50, p99};
}

}  // namespace

TEST(Fidelity, HotelModelBeatsTheNaiveBaseline) {
  for (const char* load : {"25", "100", "150"}) {
    std::string ds = std::string("dsb-hotel-jaeger/hotel_load") + load + ".jaeger.json";
    Score model = score(ds, Conditioning::caller), naive = score(ds, Conditioning::none);
    EXPECT_LT(model.ks, 0.06) << ds;
    EXPECT_LT(std::abs(model.p99_err), 0.10) << ds;
    EXPECT_GT(naive.ks, 0.2) << ds;
  }
}

TEST(Fidelity, OnlineBoutiqueModelBeatsTheNaiveBaseline) {
  Score model = score("nezha-onlineboutique-csv", Conditioning::caller);
  Score naive = score("nezha-onlineboutique-csv", Conditioning::none);
  EXPECT_LT(model.ks, 0.06);
  EXPECT_LT(std::abs(model.p99_err), 0.10);
  EXPECT_GT(naive.ks, 0.18);
}
