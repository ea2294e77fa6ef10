// The traced request rate with pauses of the collection left out (stats/arrival_rate.hpp).
#include <gtest/gtest.h>

#include <random>

#include "palette/stats/arrival_rate.hpp"

using palette::stats::ArrivalRate;

namespace {

// Poisson arrivals at `rate` per second for `seconds`, from `t0_us`.
int64_t poisson(ArrivalRate& a, std::mt19937_64& rng, double rate, double seconds, int64_t t0_us) {
  std::exponential_distribution<double> gap(rate / 1e6);
  double t = static_cast<double>(t0_us);
  while (t < static_cast<double>(t0_us) + seconds * 1e6) {
    a.add(static_cast<int64_t>(t));
    t += gap(rng);
  }
  return static_cast<int64_t>(t);
}

}  // namespace

TEST(ArrivalRate, ContinuousTrafficIsStartsOverTheWindow) {
  ArrivalRate a;
  std::mt19937_64 rng(1);
  poisson(a, rng, 30, 200, 0);
  const auto r = a.result();
  EXPECT_EQ(r.pauses, 0u);
  EXPECT_DOUBLE_EQ(r.active_s, r.span_s);
  EXPECT_DOUBLE_EQ(r.rate_per_s, static_cast<double>(r.starts - 1) / r.span_s);
  EXPECT_NEAR(r.rate_per_s, 30, 30 * 0.05);
}

// Three one-minute bursts at 20/s, hours apart (per-minute files of a chaos experiment): the rate is
// the bursts' 20/s, not 180 traces over a day.
TEST(ArrivalRate, PausesOfTheCollectionAreLeftOut) {
  ArrivalRate a;
  std::mt19937_64 rng(2);
  int64_t t = 0;
  for (int burst = 0; burst < 3; ++burst) t = poisson(a, rng, 20, 60, t + 3'600'000'000LL);
  const auto r = a.result();
  EXPECT_EQ(r.pauses, 2u);
  EXPECT_NEAR(r.active_s, 180, 2);
  EXPECT_GT(r.span_s, 7200);
  EXPECT_NEAR(r.rate_per_s, 20, 20 * 0.06);
}

// A slow trickle has long gaps that are traffic, not pauses: nothing is left out.
TEST(ArrivalRate, SlowTrafficIsNotAPause) {
  ArrivalRate a;
  std::mt19937_64 rng(3);
  poisson(a, rng, 0.05, 20000, 0);  // one request every 20 s
  const auto r = a.result();
  EXPECT_EQ(r.pauses, 0u);
  EXPECT_NEAR(r.rate_per_s, 0.05, 0.05 * 0.15);
}

// Past max_kept starts the sequence is thinned; the pauses and the rate stay.
TEST(ArrivalRate, ThinnedSequenceKeepsRateAndPauses) {
  ArrivalRate full, thin(1000);
  std::mt19937_64 a(4), b(4);
  int64_t t1 = 0, t2 = 0;
  for (int burst = 0; burst < 2; ++burst) {
    t1 = poisson(full, a, 100, 300, t1 + 600'000'000LL);
    t2 = poisson(thin, b, 100, 300, t2 + 600'000'000LL);
  }
  const auto f = full.result(), s = thin.result();
  EXPECT_EQ(f.starts, s.starts);
  EXPECT_EQ(f.pauses, 1u);
  EXPECT_EQ(s.pauses, 1u);
  EXPECT_NEAR(s.rate_per_s, f.rate_per_s, f.rate_per_s * 0.01);
  EXPECT_NEAR(s.active_s, f.active_s, 1);
}

TEST(ArrivalRate, TooFewOrIdenticalStartsGiveNoRate) {
  ArrivalRate a;
  EXPECT_EQ(a.result().rate_per_s, 0);
  a.add(5);
  EXPECT_EQ(a.result().rate_per_s, 0);
  a.add(5);
  EXPECT_EQ(a.result().rate_per_s, 0);
  EXPECT_EQ(a.result().starts, 2u);
}
