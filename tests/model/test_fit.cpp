// Fitting: the Figure-1 scenario (caller conditioning keeps a callee's caller-dependent work), λ
// recovery, the NNLS solver, and fit -> sample -> fit keeping the structure.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "palette/ingest/trace_writer.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"
#include "palette/topology/sampler.hpp"
#include "support.hpp"
#include "topology/fit/nnls.hpp"
#include "tree_builder.hpp"

using namespace palette;
using namespace palette::model;

namespace {

double ks(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / static_cast<double>(a.size()) -
                             static_cast<double>(j) / static_cast<double>(b.size())));
  }
  return d;
}

// Root latencies of sampled requests entering by `root` (service:op label).
std::vector<double> sampled_root_latencies(const Topology& t, const std::string& root, int n, uint64_t seed) {
  Catalog cat;
  ModelSampler ms(t, seed, cat);
  std::vector<double> out;
  for (uint64_t r = 0; out.size() < static_cast<size_t>(n) && r < static_cast<uint64_t>(n) * 10; ++r) {
    CallTree tree = ms.sample(r, 0);
    if (cat.api_label(tree.root().api) == root) out.push_back(static_cast<double>(tree.root().duration_us));
  }
  return out;
}

// Palette's Figure 1: A and C both call B; B does 10x more work when C calls it.
ingest::TraceSet figure_one(int n, std::vector<double>* truth_a, std::vector<double>* truth_c) {
  ingest::TraceSet set;
  test::TreeBuilder b(set);
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> work(std::log(100.0), 0.3), small(std::log(50.0), 0.2);
  for (int i = 0; i < n; ++i) {
    bool from_a = i % 2 == 0;
    double pre = small(rng), post = small(rng);
    double b_work = from_a ? 1000 * work(rng) / 100 : 10000 * work(rng) / 100;
    double start = i * 1e5;
    int root = b.add(-1, from_a ? "A" : "C", "op", start, pre + b_work + post);
    b.add(root, "B", "op", start + pre, b_work);
    b.finish();
    (from_a ? truth_a : truth_c)->push_back(pre + b_work + post);
  }
  return set;
}

}  // namespace

TEST(Fit, FigureOneCallerConditioningKeepsTheCallersWork) {
  std::vector<double> truth_a, truth_c;
  auto set = figure_one(4000, &truth_a, &truth_c);
  FitOptions caller;
  Topology t = fit_topology(set, caller);
  ASSERT_EQ(t.apis.size(), 3u);
  double ks_a = ks(sampled_root_latencies(t, "A:op", 4000, 1), truth_a);
  double ks_c = ks(sampled_root_latencies(t, "C:op", 4000, 2), truth_c);
  EXPECT_LT(ks_a, 0.05);
  EXPECT_LT(ks_c, 0.05);

  FitOptions naive;
  naive.conditioning = Conditioning::none;
  Topology n = fit_topology(set, naive);
  double naive_a = ks(sampled_root_latencies(n, "A:op", 4000, 1), truth_a);
  EXPECT_GT(naive_a, 0.3) << "the naive baseline draws B's work from the pooled callers";
  std::cout << "Figure 1: caller KS A " << ks_a << ", C " << ks_c << "; naive KS A " << naive_a << "\n";
}

TEST(Fit, LambdaRecoveryFromPartialWaits) {
  // The parent waits for B fully, then starts C and returns when half of C's latency has passed:
  // T = pre + a_B + 0.5 a_C, so λ_B = 1 and λ_C = 0.5, and C is not awaited.
  ingest::TraceSet set;
  test::TreeBuilder b(set);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> ub(200, 2000), uc(400, 4000), upre(50, 150);
  for (int i = 0; i < 3000; ++i) {
    double pre = upre(rng), ab = ub(rng), ac = uc(rng), start = i * 1e5;
    int root = b.add(-1, "P", "op", start, pre + ab + 0.5 * ac);
    b.add(root, "B", "op", start + pre, ab);
    b.add(root, "C", "op", start + pre + ab, ac);
    b.finish();
  }
  Topology t = fit_topology(set, {});
  const Gcm& gcm = t.apis[t.find_api("P", "op")].gcm;
  const Dependency* db = gcm.dependency(t.find_api("B", "op"));
  const Dependency* dc = gcm.dependency(t.find_api("C", "op"));
  ASSERT_TRUE(db && dc);
  EXPECT_NEAR(db->lambda, 1.0, 0.02);
  EXPECT_NEAR(dc->lambda, 0.5, 0.02);
  EXPECT_TRUE(db->awaited);
  EXPECT_FALSE(dc->awaited);
}

TEST(Fit, NnlsMatchesKnownCoefficientsAndClampsNegatives) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.01);
  std::uniform_real_distribution<double> u(0, 1);
  const Eigen::Index n = 4;
  Eigen::VectorXd truth(n);
  truth << 1.0, 0.5, 0.0, 2.0;
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd atb = Eigen::VectorXd::Zero(n);
  for (int i = 0; i < 5000; ++i) {
    Eigen::VectorXd x(n);
    for (Eigen::Index k = 0; k < n; ++k) x(k) = u(rng);
    x(2) = 2 * x(2) - 1;  // zero-mean and independent, so clamping it leaves the others unbiased
    double y = x.dot(truth) + noise(rng) - 0.3 * x(2);  // column 2's best coefficient is -0.3: must clamp at 0
    gram += x * x.transpose();
    atb += x * y;
  }
  Eigen::VectorXd got = fit::nnls_normal(gram, atb);
  // With column 2 at its bound, the KKT solution is least squares on the other three columns.
  Eigen::MatrixXd g3(3, 3);
  Eigen::VectorXd b3(3);
  const Eigen::Index keep[] = {0, 1, 3};
  for (int a = 0; a < 3; ++a) {
    b3(a) = atb(keep[a]);
    for (int c = 0; c < 3; ++c) g3(a, c) = gram(keep[a], keep[c]);
  }
  Eigen::VectorXd ols = g3.ldlt().solve(b3);
  EXPECT_EQ(got(2), 0.0);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(got(keep[a]), ols(a), 1e-6);
  EXPECT_NEAR(got(0), 1.0, 0.03);
  EXPECT_NEAR(got(1), 0.5, 0.03);
  EXPECT_NEAR(got(3), 2.0, 0.03);
  // The gradient condition at a bound: increasing column 2 would not help.
  EXPECT_LE((atb - gram * got)(2), 1e-6);
}

TEST(Fit, HotelFitSampleFitKeepsTheStructure) {
  auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  Topology t = fit_topology(set, {});
  EXPECT_EQ(t.services.size(), 6u);
  EXPECT_EQ(t.apis.size(), 6u);
  EXPECT_EQ(t.edges.size(), 5u);
  ASSERT_EQ(t.roots.size(), 1u);
  // 1000 traces over 137.9 s (SOURCE.txt), recorded by a probabilistic sampler keeping 30%.
  EXPECT_DOUBLE_EQ(t.source.sampling_probability, 0.3f);
  EXPECT_NEAR(t.arrival_rate_per_s, 999.0 / 137.9 / 0.3, 0.3);
  // Sample as many traces, write them as Jaeger JSON, read and fit again.
  Catalog cat;
  ModelSampler ms(t, 9, cat);
  std::ostringstream out;
  auto w = ingest::TraceWriter::create("jaeger", out, cat);
  for (uint64_t r = 0; r < 1000; ++r) w->add(ms.sample(r, 1'700'000'000'000'000 + static_cast<int64_t>(r) * 100'000));
  w->finish();
  test::TempDir dir;
  auto again = ingest::load_traces({dir.write("sampled.json", out.str())}, {});
  EXPECT_EQ(again.traces.size(), 1000u);
  Topology t2 = fit_topology(again, {});
  ASSERT_EQ(t2.apis.size(), t.apis.size());
  ASSERT_EQ(t2.edges.size(), t.edges.size());
  for (size_t e = 0; e < t.edges.size(); ++e) {
    EXPECT_EQ(t2.api_label(t2.edges[e].caller), t.api_label(t.edges[e].caller));
    EXPECT_EQ(t2.api_label(t2.edges[e].callee), t.api_label(t.edges[e].callee));
  }
  for (size_t a = 0; a < t.apis.size(); ++a) {
    ApiIndex b = t2.find_api(t.services[t.apis[a].service].name, t.apis[a].operation);
    ASSERT_NE(b, kNoApiIndex);
    EXPECT_EQ(t2.apis[b].pfa.steps.size(), t.apis[a].pfa.steps.size()) << t.api_label(static_cast<ApiIndex>(a));
  }
  // Hotel's calls are sequential: no step holds two calls.
  for (const auto& api : t.apis)
    for (const auto& s : api.pfa.steps) EXPECT_EQ(s.calls.size(), 1u);
}

TEST(Fit, SamplingIsDeterministicPerSeed) {
  auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  Topology t = fit_topology(set, {});
  auto a = sampled_root_latencies(t, "frontend:HTTP GET /hotels", 300, 5);
  auto b = sampled_root_latencies(t, "frontend:HTTP GET /hotels", 300, 5);
  auto c = sampled_root_latencies(t, "frontend:HTTP GET /hotels", 300, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Sampler, CallInterventionsKeepAddAndInjectErrors) {
  auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  Topology t = fit_topology(set, {});
  const ApiIndex front = t.find_api("frontend", "HTTP GET /hotels");
  const ApiIndex profile = t.find_api("profile", "/profile.Profile/GetProfiles");
  const ApiIndex geo = t.find_api("geo", "/geo.Geo/Nearby");
  t.edge(front, profile)->keep_probability = 0.25;
  t.apis[front].error_rate = 0.1;
  // A new edge frontend -> geo, taken by 40% of invocations.
  Edge extra = *t.edge(t.find_api("search", "/search.Search/Nearby"), geo);
  extra.caller = front;
  extra.keep_probability = 1;
  extra.add_probability = 0.4;
  t.edges.push_back(extra);
  std::sort(t.edges.begin(), t.edges.end(), [](const Edge& a, const Edge& b) {
    return std::make_pair(a.caller, a.callee) < std::make_pair(b.caller, b.callee);
  });
  t.validate();
  Sampler s(t, 3);
  int with_profile = 0, with_geo = 0, errors = 0, n = 20000;
  for (int r = 0; r < n; ++r) {
    auto plan = s.plan(front, s.draw_request(static_cast<uint64_t>(r)).context());
    ASSERT_EQ(plan.gaps_us.size(), plan.steps.size() + 1);
    bool p = false, g = false;
    for (const auto& step : plan.steps) {
      EXPECT_FALSE(step.calls.empty());
      for (const auto& c : step.calls) {
        p = p || c.callee == profile;
        g = g || c.callee == geo;
      }
    }
    with_profile += p;
    with_geo += g;
    errors += plan.inject_error;
  }
  EXPECT_NEAR(with_profile / double(n), 0.25, 0.015);
  EXPECT_NEAR(with_geo / double(n), 0.4, 0.015);
  EXPECT_NEAR(errors / double(n), 0.1, 0.01);
}
