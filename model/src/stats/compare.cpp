#include "palette/stats/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "palette/error.hpp"

namespace palette::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Walks the distinct values of two sorted samples in ascending order. After next(), `value` is the
// current distinct value and i, j count the elements <= value in each sample, so i/n and j/m are
// both empirical CDFs evaluated at `value` — ties inside or across the samples move together.
struct MergedWalk {
  const std::vector<double>& x;
  const std::vector<double>& y;
  size_t i = 0, j = 0;
  double value = 0;

  bool done() const { return i == x.size() && j == y.size(); }
  void next() {
    if (i < x.size() && j < y.size()) value = std::min(x[i], y[j]);
    else value = i < x.size() ? x[i] : y[j];
    while (i < x.size() && x[i] <= value) ++i;
    while (j < y.size() && y[j] <= value) ++j;
  }
  double head() const {  // the next distinct value; requires !done()
    if (i < x.size() && j < y.size()) return std::min(x[i], y[j]);
    return i < x.size() ? x[i] : y[j];
  }
  // |F_A − F_B| at `value`, computed as i/n − j/m (the same double operations scipy and a short
  // python check do, so the statistic agrees with them to the last bit).
  double gap() const {
    return std::fabs(static_cast<double>(i) / static_cast<double>(x.size()) -
                     static_cast<double>(j) / static_cast<double>(y.size()));
  }
};

}  // namespace

Sample::Sample(std::vector<double> values) : values_(std::move(values)) {
  for (size_t k = 0; k < values_.size(); ++k)
    if (!std::isfinite(values_[k]))
      throw Error(ErrorKind::bad_value, "value #" + std::to_string(k + 1) + " is not a finite number");
  std::sort(values_.begin(), values_.end());
}

double Sample::min() const { return empty() ? kNaN : values_.front(); }
double Sample::max() const { return empty() ? kNaN : values_.back(); }

double Sample::mean() const {
  if (empty()) return kNaN;
  // Kahan-compensated: a million latencies sum without losing their last digits.
  double sum = 0, carry = 0;
  for (double v : values_) {
    double y = v - carry;
    double t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
  return sum / static_cast<double>(values_.size());
}

double Sample::quantile(double p) const {
  if (!(p >= 0 && p <= 1))
    throw Error(ErrorKind::bad_value, "quantile level must be in [0, 1], got " + std::to_string(p));
  if (empty()) return kNaN;
  double h = p * static_cast<double>(values_.size() - 1);
  auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values_.size()) return values_.back();
  double frac = h - static_cast<double>(lo);
  return values_[lo] + frac * (values_[lo + 1] - values_[lo]);
}

double Sample::cdf(double x) const {
  if (empty()) return kNaN;
  auto it = std::upper_bound(values_.begin(), values_.end(), x);
  return static_cast<double>(it - values_.begin()) / static_cast<double>(values_.size());
}

double ks_statistic(const Sample& a, const Sample& b) {
  if (a.empty() || b.empty()) return 0;
  MergedWalk w{a.values(), b.values()};
  double d = 0;
  // Once one sample is exhausted its CDF is 1 and the other's only rises toward it: the sup is
  // reached before that point.
  while (w.i < a.size() && w.j < b.size()) {
    w.next();
    d = std::max(d, w.gap());
  }
  return d;
}

double kolmogorov_q(double lambda) {
  if (lambda <= 0.2) return 1.0;  // Q(0.2) = 1 − 2.7e-22
  if (lambda < 1.18) {
    // The alternating series converges slowly here; use Jacobi's dual form of the CDF instead.
    double sum = 0;
    for (int k = 1; k <= 50; ++k) {
      double odd = 2.0 * k - 1.0;
      double term = std::exp(-odd * odd * std::numbers::pi * std::numbers::pi / (8 * lambda * lambda));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1.0 - std::sqrt(2 * std::numbers::pi) / lambda * sum;
  }
  double sum = 0, sign = 1;
  for (int k = 1; k <= 100; ++k) {
    double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += sign * term;
    if (term < 1e-17 * std::fabs(sum)) break;
    sign = -sign;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

double ks_pvalue(double d, size_t n, size_t m) {
  if (n == 0 || m == 0) return 1.0;
  double ne = static_cast<double>(n) * static_cast<double>(m) / static_cast<double>(n + m);
  double root = std::sqrt(ne);
  return kolmogorov_q((root + 0.12 + 0.11 / root) * d);
}

double wasserstein1(const Sample& a, const Sample& b) {
  if (a.empty() || b.empty()) return 0;
  MergedWalk w{a.values(), b.values()};
  double area = 0;
  w.next();
  while (!w.done()) {
    double from = w.value, gap = w.gap();  // both CDFs are constant on [value, head)
    double to = w.head();
    area += gap * (to - from);
    w.next();
  }
  return area;
}

double relative_error(double reference, double candidate) {
  if (reference == 0) return kNaN;
  return (candidate - reference) / reference;
}

SampleSummary summarize(const Sample& s) {
  SampleSummary out;
  out.count = s.size();
  out.min_us = s.min();
  out.mean_us = s.mean();
  out.max_us = s.max();
  out.p50_us = s.quantile(0.5);
  out.p90_us = s.quantile(0.9);
  out.p99_us = s.quantile(0.99);
  out.p999_us = s.quantile(0.999);
  return out;
}

Comparison compare(const Sample& a, const Sample& b) {
  if (a.empty() || b.empty())
    throw Error(ErrorKind::bad_value, std::string("cannot compare an empty sample (") + (a.empty() ? "A" : "B") +
                                          " has no values)");
  Comparison c;
  c.a = summarize(a);
  c.b = summarize(b);
  c.ks = ks_statistic(a, b);
  c.ks_pvalue = ks_pvalue(c.ks, a.size(), b.size());
  c.wasserstein_us = wasserstein1(a, b);
  c.p50_rel_err = relative_error(c.a.p50_us, c.b.p50_us);
  c.p99_rel_err = relative_error(c.a.p99_us, c.b.p99_us);
  return c;
}

}  // namespace palette::stats
