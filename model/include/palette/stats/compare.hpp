#pragma once
// Exact comparison of two latency samples: quantiles, the two-sample Kolmogorov–Smirnov statistic,
// the Wasserstein-1 distance (earth mover's distance) and the relative error of the median and p99.
// Everything is computed on the whole samples (no sketch, no binning), so the numbers are the ones a
// reader gets back from the raw latencies with numpy/scipy.
//
//   Sample a(std::move(trace_latencies_us)), b(std::move(sim_latencies_us));
//   Comparison c = compare(a, b);   // c.ks, c.wasserstein_us, c.p99_rel_err, c.b.p99_us, ...
//
// Definitions (A is the reference, B the candidate; F_A, F_B their empirical CDFs, F(x) = #{v <= x}/n):
//  * quantile(p): "type 7" of Hyndman & Fan — linear interpolation between the order statistics at
//    rank h = p·(n−1) (0-based). It is the default of numpy.percentile, R's quantile() and
//    Python's statistics.quantiles(method="inclusive"), so anyone can check a number with one line; it
//    is continuous in p, gives the minimum at p = 0 and the maximum at p = 1, and matches the rank
//    convention of QuantileSketch (q·(n−1)).
//  * ks = sup_x |F_A(x) − F_B(x)|, evaluated after each distinct value of the merged samples (so ties,
//    within a sample or across both, are handled: both CDFs jump at once). Symmetric, in [0, 1].
//  * ks_pvalue: the asymptotic two-sided p-value Q_KS((√Ne + 0.12 + 0.11/√Ne)·D), Ne = n·m/(n+m)
//    (Stephens' small-sample correction, as in Numerical Recipes). With samples of 10⁵ and more any
//    real difference is "significant": judge fidelity by ks itself (≈ 0.05 is the noise floor of two
//    halves of 1 000 real traces).
//  * wasserstein_us = ∫ |F_A(x) − F_B(x)| dx (= ∫₀¹ |F_A⁻¹(u) − F_B⁻¹(u)| du), summed exactly over the
//    intervals between consecutive distinct merged values. Units of the values (µs). Shifting a sample
//    by c moves it by exactly |c|.
//  * p50_rel_err = (B.p50 − A.p50) / A.p50, likewise p99: signed, B relative to A (+0.1 = B 10 %
//    slower). NaN when A's quantile is 0 (written as null in JSON).
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace palette::stats {

// A sample of real values (latencies in µs), kept sorted ascending.
class Sample {
 public:
  Sample() = default;
  // Sorts the values. Throws Error(bad_value) on NaN or infinite values.
  explicit Sample(std::vector<double> values);

  size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  const std::vector<double>& values() const { return values_; }  // ascending
  double min() const;   // NaN when empty
  double max() const;   // NaN when empty
  double mean() const;  // NaN when empty

  // Type-7 quantile (see above); p in [0, 1], else Error(bad_value). NaN when empty.
  double quantile(double p) const;
  // Empirical CDF: the fraction of values <= x.
  double cdf(double x) const;

 private:
  std::vector<double> values_;
};

// Sup-distance between the empirical CDFs; 0 when either sample is empty.
double ks_statistic(const Sample& a, const Sample& b);
// Asymptotic two-sided p-value of a KS statistic d between samples of sizes n and m (see above).
double ks_pvalue(double d, size_t n, size_t m);
// Kolmogorov's limiting survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²).
double kolmogorov_q(double lambda);
// ∫ |F_A − F_B| dx; 0 when either sample is empty.
double wasserstein1(const Sample& a, const Sample& b);

// The quantile levels every summary and report shows.
inline constexpr std::array<double, 4> kSummaryLevels = {0.5, 0.9, 0.99, 0.999};

struct SampleSummary {
  uint64_t count = 0;
  double min_us = 0, mean_us = 0, max_us = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0;
};
SampleSummary summarize(const Sample& s);

struct Comparison {
  SampleSummary a, b;
  double ks = 0;
  double ks_pvalue = 1;
  double wasserstein_us = 0;
  double p50_rel_err = 0;  // (b − a) / a
  double p99_rel_err = 0;
};
// A is the reference. Throws Error(bad_value) when either sample is empty.
Comparison compare(const Sample& a, const Sample& b);

// (candidate − reference) / reference; NaN when reference is 0.
double relative_error(double reference, double candidate);

}  // namespace palette::stats
