// Rng (xoshiro256**, keyed streams) and the standard normal Φ / Φ⁻¹.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "palette/topology/rng.hpp"

using namespace palette::model;

TEST(Rng, SameSeedSameStreamDifferentSeedsDiffer) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
  EXPECT_EQ(Rng::for_key(1, 5).next(), Rng::for_key(1, 5).next());
  EXPECT_NE(Rng::for_key(1, 5).next(), Rng::for_key(1, 6).next());
  EXPECT_NE(Rng::for_key(1, 5).next(), Rng::for_key(2, 5).next());
}

TEST(Rng, KeysAreDistinct) {
  std::set<uint64_t> keys;
  for (uint64_t r = 0; r < 100; ++r) {
    const uint64_t k = request_key(r);
    keys.insert(k);
    for (uint32_t s = 0; s < 10; ++s)
      for (uint32_t c = 0; c < 10; ++c) keys.insert(child_key(k, s, c));
  }
  EXPECT_EQ(keys.size(), 100u * 101u);
  EXPECT_NE(child_key(7, 1, 2), child_key(7, 2, 1));
}

TEST(Rng, UniformMoments) {
  Rng r(1);
  const int n = 1000000;
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    sum += u;
    sum2 += u * u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    const double v = r.uniform_open();
    ASSERT_GT(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_NEAR(sum / n, 0.5, 0.002);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.001);
}

TEST(Rng, NormalExponentialBelow) {
  Rng r(2);
  const int n = 400000;
  double s = 0, s2 = 0, s4 = 0, e = 0;
  std::vector<int> bins(7, 0);
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
    s4 += z * z * z * z;
    e += r.exponential(3.0);
    const uint64_t k = r.below(7);
    ASSERT_LT(k, 7u);
    ++bins[k];
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
  EXPECT_NEAR(s4 / n, 3.0, 0.06);
  EXPECT_NEAR(e / n, 3.0, 0.03);
  for (int c : bins) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0));
  EXPECT_EQ(r.below(1), 0u);
  EXPECT_EQ(r.below(0), 0u);
}

TEST(NormalQuantile, KnownValuesAndRoundTrip) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-9);
  EXPECT_NEAR(normal_quantile(1 - 1e-10), 6.361340889697422, 1e-6);  // 1 − 1e-10 itself is rounded
  EXPECT_NEAR(normal_cdf(1.0), 0.8413447460685429, 1e-15);
  // Above z = 5, p = Φ(z) as a double no longer determines z to 1e-9 (1 − p has too few digits).
  for (double z = -8; z <= 5; z += 0.01) EXPECT_NEAR(normal_quantile(normal_cdf(z)), z, 1e-9) << z;
  EXPECT_TRUE(std::isinf(normal_quantile(0)) && normal_quantile(0) < 0);
  EXPECT_TRUE(std::isinf(normal_quantile(1)) && normal_quantile(1) > 0);
}
