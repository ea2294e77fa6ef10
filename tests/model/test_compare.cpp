// Comparison statistics (stats/compare.hpp) and latency sources (stats/latencies.hpp): hand-computed
// cases, known properties, the noise floor, and the errors a user sees for a malformed CSV.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "palette/error.hpp"
#include "palette/stats/compare.hpp"
#include "palette/stats/latencies.hpp"
#include "support.hpp"

using palette::Error;
using palette::ErrorKind;
using namespace palette::stats;

using palette::test::error_of;

namespace {

std::vector<double> lognormal_draws(std::mt19937_64& rng, size_t n, double mu = 9.0, double sigma = 0.6) {
  std::lognormal_distribution<double> dist(mu, sigma);
  std::vector<double> out(n);
  for (auto& v : out) v = dist(rng);
  return out;
}

}  // namespace

// ---- Sample: type-7 quantiles and the empirical CDF ------------------------------------------------

TEST(Sample, QuantilesAreType7) {
  Sample s({4, 1, 3, 2});  // unsorted on purpose
  EXPECT_EQ(s.values(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(s.quantile(0), 1);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 2.5);   // rank 1.5
  EXPECT_DOUBLE_EQ(s.quantile(0.9), 3.7);   // rank 2.7: numpy.percentile([1,2,3,4], 90)
  EXPECT_DOUBLE_EQ(s.quantile(1), 4);
  Sample five({10, 20, 30, 40, 50});
  EXPECT_DOUBLE_EQ(five.quantile(0.99), 49.6);  // rank 3.96
  EXPECT_DOUBLE_EQ(five.quantile(0.25), 20);
  EXPECT_DOUBLE_EQ(Sample({7}).quantile(0.999), 7);
  EXPECT_TRUE(std::isnan(Sample().quantile(0.5)));
  EXPECT_EQ(error_of([&] { five.quantile(1.5); }), "quantile level must be in [0, 1], got 1.500000");
}

TEST(Sample, CdfCountsValuesAtOrBelow) {
  Sample s({1, 2, 2, 3});
  EXPECT_DOUBLE_EQ(s.cdf(0.5), 0);
  EXPECT_DOUBLE_EQ(s.cdf(1), 0.25);
  EXPECT_DOUBLE_EQ(s.cdf(2), 0.75);
  EXPECT_DOUBLE_EQ(s.cdf(2.5), 0.75);
  EXPECT_DOUBLE_EQ(s.cdf(3), 1);
  EXPECT_DOUBLE_EQ(s.mean(), 2);
}

TEST(Sample, RejectsValuesThatAreNotFinite) {
  EXPECT_EQ(error_of([] { Sample({1, std::nan(""), 3}); }), "value #2 is not a finite number");
  EXPECT_EQ(error_of([] { Sample({1, INFINITY}); }), "value #2 is not a finite number");
}

// ---- Kolmogorov–Smirnov --------------------------------------------------------------------------

TEST(KolmogorovSmirnov, HandComputedCasesWithTies) {
  EXPECT_DOUBLE_EQ(ks_statistic(Sample({1, 1, 2}), Sample({1, 2, 2})), 1.0 / 3);
  // Ties across the samples: at x = 1, F_A = 3/4 and F_B = 1/4. A walk that steps one element at a
  // time would see 3/4 − 0 after A's three 1s and report 0.75.
  EXPECT_DOUBLE_EQ(ks_statistic(Sample({1, 1, 1, 2}), Sample({1, 2, 2, 2})), 0.5);
  // Different sizes: F_A(2.5) = 2/5, F_B(2.5) = 1.
  EXPECT_DOUBLE_EQ(ks_statistic(Sample({1, 2, 3, 4, 5}), Sample({2.5})), 0.6);
  EXPECT_DOUBLE_EQ(ks_statistic(Sample({5}), Sample({5, 5, 5})), 0);
}

TEST(KolmogorovSmirnov, IdenticalIsZeroDisjointIsOneAndItIsSymmetric) {
  std::mt19937_64 rng(7);
  auto x = lognormal_draws(rng, 2000), y = lognormal_draws(rng, 1500);
  Sample a(x), b(y);
  EXPECT_EQ(ks_statistic(a, a), 0);
  EXPECT_EQ(ks_statistic(a, b), ks_statistic(b, a));
  EXPECT_GT(ks_statistic(a, b), 0);
  std::vector<double> shifted = x;
  for (auto& v : shifted) v += 1e9;  // beyond every value of a
  EXPECT_EQ(ks_statistic(a, Sample(shifted)), 1);
  EXPECT_EQ(ks_statistic(Sample({1, 2}), Sample({2, 3})), 0.5);  // touching at 2: not disjoint
}

TEST(KolmogorovSmirnov, NoiseFloorOfTwoHalvesIsAboutFivePercent) {
  // Two random halves of 1 000 draws of one distribution: E[D] ≈ 0.8687·√(2/500) ≈ 0.055
  // (the mean of the Kolmogorov distribution, scaled). The "KS ≈ 0.05 is indistinguishable".
  std::mt19937_64 rng(20250601);
  double sum = 0;
  const int reps = 200;
  for (int r = 0; r < reps; ++r) {
    auto draws = lognormal_draws(rng, 1000);
    Sample a({draws.begin(), draws.begin() + 500}), b({draws.begin() + 500, draws.end()});
    sum += ks_statistic(a, b);
  }
  double mean = sum / reps;
  RecordProperty("mean_ks", std::to_string(mean));
  EXPECT_GT(mean, 0.045);
  EXPECT_LT(mean, 0.065);
  // ... while a 20 % slower copy of the same distribution (a 0.3σ shift: KS ≈ 0.12) stands above it.
  auto x = lognormal_draws(rng, 500), y = lognormal_draws(rng, 500);
  for (auto& v : y) v *= 1.2;
  EXPECT_GT(ks_statistic(Sample(x), Sample(y)), 0.1);
}

TEST(KolmogorovSmirnov, PValueFollowsKolmogorovsDistribution) {
  // Tabulated values of Q(λ) = P(K > λ).
  EXPECT_NEAR(kolmogorov_q(0.5), 0.963945, 1e-6);
  EXPECT_NEAR(kolmogorov_q(1.0), 0.269999, 1e-6);
  EXPECT_NEAR(kolmogorov_q(1.3581), 0.050, 2e-4);
  EXPECT_NEAR(kolmogorov_q(1.6276), 0.010, 2e-4);
  EXPECT_NEAR(kolmogorov_q(1.1799), kolmogorov_q(1.1801), 2e-4);  // the two series meet
  EXPECT_EQ(kolmogorov_q(0.1), 1);
  // 1000 vs 1000: D = 0.0608 is the 5 % critical value (1.358·√(2/1000), with Stephens' correction).
  EXPECT_NEAR(ks_pvalue(1.3581 / (std::sqrt(500.0) + 0.12 + 0.11 / std::sqrt(500.0)), 1000, 1000), 0.05, 2e-4);
  EXPECT_LT(ks_pvalue(0.345, 1000, 1000), 1e-40);
}

// ---- Wasserstein-1 -------------------------------------------------------------------------------

TEST(Wasserstein, HandComputedCases) {
  // |F_A − F_B| = 1/2 on [1, 3).
  EXPECT_DOUBLE_EQ(wasserstein1(Sample({0, 1}), Sample({0, 3})), 1);
  // 1/3 on [1, 2) and 1/3 on [2, 3); also ∫|F_A⁻¹ − F_B⁻¹| = (1 + 0 + 1)/3.
  EXPECT_DOUBLE_EQ(wasserstein1(Sample({1, 2, 3}), Sample({2})), 2.0 / 3);
  EXPECT_DOUBLE_EQ(wasserstein1(Sample({4, 4}), Sample({4})), 0);
}

TEST(Wasserstein, ShiftIsTheDistanceAndEqualSizesPairSortedValues) {
  std::mt19937_64 rng(11);
  auto x = lognormal_draws(rng, 3000);
  std::vector<double> shifted = x;
  for (auto& v : shifted) v += 123.5;
  Sample a(x), b(shifted);
  EXPECT_NEAR(wasserstein1(a, b), 123.5, 1e-9 * 123.5);
  EXPECT_NEAR(wasserstein1(b, a), 123.5, 1e-9 * 123.5);
  EXPECT_EQ(wasserstein1(a, a), 0);
  // For samples of equal size, W1 = mean |a_(i) − b_(i)| over the sorted values.
  Sample c(lognormal_draws(rng, 3000, 9.2, 0.4));
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::fabs(a.values()[i] - c.values()[i]);
  EXPECT_NEAR(wasserstein1(a, c), sum / 3000, 1e-9 * sum / 3000);
  EXPECT_NEAR(wasserstein1(a, c), wasserstein1(c, a), 1e-9 * sum / 3000);
}

// ---- compare() -----------------------------------------------------------------------------------

TEST(Compare, SummarisesBothAndGivesSignedRelativeErrors) {
  Sample a({10, 20, 30, 40, 50}), b({20, 40, 60, 80, 100});
  Comparison c = compare(a, b);
  EXPECT_EQ(c.a.count, 5u);
  EXPECT_DOUBLE_EQ(c.a.p50_us, 30);
  EXPECT_DOUBLE_EQ(c.b.p50_us, 60);
  EXPECT_DOUBLE_EQ(c.a.p90_us, 46);
  EXPECT_DOUBLE_EQ(c.a.p99_us, 49.6);
  EXPECT_DOUBLE_EQ(c.a.p999_us, 49.96);
  EXPECT_DOUBLE_EQ(c.b.max_us, 100);
  EXPECT_DOUBLE_EQ(c.b.mean_us, 60);
  EXPECT_DOUBLE_EQ(c.p50_rel_err, 1.0);  // B twice A
  EXPECT_DOUBLE_EQ(c.p99_rel_err, 1.0);
  EXPECT_DOUBLE_EQ(c.ks, 0.6);           // F_A(50) = 1, F_B(50) = 2/5
  EXPECT_DOUBLE_EQ(c.wasserstein_us, 30);  // mean of the paired differences 10, 20, ..., 50
  Comparison back = compare(b, a);
  EXPECT_DOUBLE_EQ(back.p50_rel_err, -0.5);
  EXPECT_TRUE(std::isnan(compare(Sample({0, 0, 1}), a).p50_rel_err));
  EXPECT_EQ(error_of([&] { compare(a, Sample()); }), "cannot compare an empty sample (B has no values)");
}

// ---- latency sources -----------------------------------------------------------------------------

TEST(Latencies, CsvColumnsByNameAndFailedRowsCounted) {
  palette::test::TempDir dir;
  auto f = dir.write("latencies.csv",
                     "status,latency_us,request_id,root_api,start_us\r\n"
                     "ok,1500,1,\"frontend:GET /a,b\",0\r\n"
                     "OK,2500.5,2,frontend:x,10\n"
                     "\n"
                     "timeout,99999,3,frontend:x,20\n"
                     "error,5,4,frontend:x,30\n"
                     "error,6,5,frontend:x,40\n"
                     "ok, 700 ,6,\"say \"\"hi\"\"\",50");  // no final newline
  LatencyOptions o;
  Latencies l = read_latencies(f, o);
  EXPECT_EQ(l.source, "latencies_csv");
  EXPECT_EQ(l.values_us, (std::vector<double>{1500, 2500.5, 700}));
  EXPECT_EQ(l.excluded, (std::map<std::string, uint64_t>{{"status=error", 2}, {"status=timeout", 1}}));
  EXPECT_EQ(l.excluded_total(), 3u);
  EXPECT_EQ(l.files, std::vector<std::string>{f});
  o.include_errors = true;
  EXPECT_EQ(read_latencies(f, o).values_us.size(), 6u);
  // A header with only latency_us is enough.
  EXPECT_EQ(read_latencies(dir.write("min.csv", "latency_us\n3\n4\n"), {}).values_us, (std::vector<double>{3, 4}));
}

TEST(Latencies, MalformedCsvErrorsNameFileLineAndColumn) {
  palette::test::TempDir dir;
  const std::string header = "request_id,root_api,start_us,latency_us,status\n";
  auto expect_error = [&](const std::string& name, const std::string& body, const std::string& message) {
    auto f = dir.write(name, body);
    EXPECT_EQ(error_of([&] { read_latencies(f, {}); }), f + message) << body;
  };
  expect_error("nan.csv", header + "1,a,0,12,ok\n2,a,0,12ms,ok\n", ":3: latency_us: not a number: \"12ms\"");
  expect_error("empty-field.csv", header + "1,a,0,,ok\n", ":2: latency_us: not a number: \"\"");
  expect_error("inf.csv", header + "1,a,0,inf,ok\n", ":2: latency_us: not a number: \"inf\"");
  expect_error("neg.csv", header + "1,a,0,5,ok\n\n2,a,0,-3,ok\n", ":4: latency_us: negative latency -3");
  expect_error("short.csv", header + "1,a,0,5\n", ":2: expected 5 fields as in the header, got 4");
  expect_error("quote.csv", header + "1,\"a,0,5,ok\n", ":2: unterminated quote or text after a closing quote");
  // Not a latencies CSV by its header, and no trace format either.
  expect_error("nohdr.csv", "request_id,latency,status\n1,5,ok\n",
               ":1: no latency_us column in the header, and no trace format palette knows matches it (hint: a "
               "latencies CSV starts with a header such as request_id,root_api,start_us,latency_us,status)");
  auto only_header = dir.write("only-header.csv", header);
  EXPECT_EQ(error_of([&] { read_latencies(only_header, {}); }),
            only_header + ": no latencies to compare: there are no requests in it (hint: is it the right file?)");
  auto all_failed = dir.write("failed.csv", header + "1,a,0,5,error\n");
  EXPECT_EQ(error_of([&] { read_latencies(all_failed, {}); }),
            all_failed + ": no latencies to compare: all were left out: status=error 1 (hint: --include-errors keeps failed requests)");
  // Reading a CSV directly (read_latency_csv) names the missing column.
  auto no_col = dir.write("nocol.csv", "request_id,status\n1,ok\n");
  Latencies into;
  EXPECT_EQ(error_of([&] { read_latency_csv(no_col, false, into); }),
            no_col + ":1: no latency_us column in the header (hint: a latencies CSV starts with a header such as "
                     "request_id,root_api,start_us,latency_us,status)");
}

TEST(Latencies, CsvCannotAnswerForAnApi) {
  palette::test::TempDir dir;
  auto f = dir.write("latencies.csv", "latency_us\n5\n");
  LatencyOptions o;
  o.what = "search:/search.Search/Nearby";
  EXPECT_EQ(error_of([&] { read_latencies(f, o); }),
            f + ": --what: a latencies CSV holds end-to-end latencies only, not those of API "
                "\"search:/search.Search/Nearby\" (hint: use --what root, or compare the spans the run wrote)");
}

TEST(Latencies, TraceRootAndApiLatenciesMatchTheReferenceScript) {
  // Numbers from tests/cli/compare_reference.py (stdlib python reading the JSON directly).
  auto path = palette::test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json");
  Latencies root = read_latencies(path, {});
  EXPECT_EQ(root.source, "traces");
  ASSERT_EQ(root.values_us.size(), 1000u);
  Sample s(root.values_us);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 20892.0);
  EXPECT_NEAR(s.quantile(0.99), 72263.55, 1e-6);
  EXPECT_NEAR(s.quantile(0.999), 88696.13, 1e-6);
  EXPECT_DOUBLE_EQ(s.mean(), 24744.043);
  EXPECT_TRUE(root.excluded.empty());

  LatencyOptions o;
  o.what = "search:/search.Search/Nearby";
  Latencies api = read_latencies(path, o);
  ASSERT_EQ(api.values_us.size(), 1000u);
  double sum = 0;
  for (double v : api.values_us) sum += v;
  EXPECT_EQ(sum, 7810654.0);  // server-side durations
  EXPECT_EQ(Sample(api.values_us).quantile(0.5), 8112.0);
  EXPECT_EQ(Sample(api.values_us).max(), 30106.0);

  o.what = "search:/nope";
  EXPECT_EQ(error_of([&] { read_latencies(path, o); }),
            path + ": --what: no invocation of API \"search:/nope\" in these traces (hint: APIs seen, most frequent "
                   "first: frontend:HTTP GET /hotels, search:/search.Search/Nearby, geo:/geo.Geo/Nearby, "
                   "rate:/rate.Rate/GetRates, reservation:/reservation.Reservation/CheckAvailability, "
                   "profile:/profile.Profile/GetProfiles)");
}

TEST(Latencies, ResultsFolderUsesItsCsvForRootAndItsSpansForApis) {
  palette::test::TempDir dir;
  dir.write("latencies.csv", "request_id,root_api,start_us,latency_us,status\n1,a,0,100,ok\n2,a,0,200,ok\n");
  dir.write("summary.json", "{\"count\": 2}");
  std::filesystem::copy_file(palette::test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json"),
                             dir.file("spans.jaeger.json"));
  Latencies root = read_latencies(dir.path(), {});
  EXPECT_EQ(root.source, "latencies_csv");
  EXPECT_EQ(root.values_us, (std::vector<double>{100, 200}));
  EXPECT_EQ(root.ignored_files.size(), 2u);  // the spans and summary.json

  LatencyOptions o;
  o.what = "search:/search.Search/Nearby";
  Latencies api = read_latencies(dir.path(), o);
  EXPECT_EQ(api.source, "traces");
  EXPECT_EQ(api.values_us.size(), 1000u);
  EXPECT_EQ(api.files, std::vector<std::string>{dir.file("spans.jaeger.json")});
  EXPECT_EQ(api.ignored_files, (std::vector<std::string>{dir.file("summary.json"), dir.file("latencies.csv")}));
}
