#include "palette/topology/rng.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace palette::model {
namespace {

// splitmix64's finaliser: a bijective 64-bit mix. Seeds the generator state and hashes keys, so nearby
// seeds and keys (1, 2, 3, ...) give unrelated streams.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // splitmix64's increment

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  // splitmix64 stream, as xoshiro's authors recommend: never all-zero, well spread from any seed.
  for (uint64_t& s : s_) {
    seed += kGolden;
    s = mix64(seed);
  }
}

Rng Rng::for_key(uint64_t seed, uint64_t key) { return Rng(mix64(seed ^ mix64(key + kGolden))); }

// xoshiro256** 1.0 (Blackman & Vigna).
uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform_open() { return (static_cast<double>(next() >> 12) + 0.5) * 0x1.0p-52; }

// By inversion rather than Box-Muller: exactly one draw per normal (the simulator and the emulator stay
// in step whatever they draw), no cached second value, and monotone in u (quantile mapping, copulas).
double Rng::normal() { return normal_quantile(uniform_open()); }

double Rng::exponential(double mean) { return -mean * std::log(uniform_open()); }

// Unbiased: rejects the top partial block of 2^64 mod n values. below(0) is 0.
uint64_t Rng::below(uint64_t n) {
  if (n == 0) return 0;
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

uint64_t request_key(uint64_t request_id) { return mix64(request_id + kGolden); }

uint64_t child_key(uint64_t parent_key, uint32_t step, uint32_t call) {
  const uint64_t site = (static_cast<uint64_t>(step) << 32) | call;
  return mix64(parent_key ^ mix64(site + 2 * kGolden));
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Acklam's rational approximation (relative error 1.15e-9), then one Halley step on Φ(x) − p computed
// with erfc, which brings it to about machine precision over the whole range.
double normal_quantile(double p) {
  if (std::isnan(p)) return p;
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - p_low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley refinement. In the upper tail work with the complement so 1 − p keeps its digits.
  const double e = p > 0.5 ? 0.5 * std::erfc(x / std::sqrt(2.0)) - (1 - p) : 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = (p > 0.5 ? -e : e) * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace palette::model
