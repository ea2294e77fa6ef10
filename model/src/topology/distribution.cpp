#include "palette/topology/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "palette/error.hpp"

namespace palette::model {

const std::vector<double>& quantile_grid() {
  static const std::vector<double> grid = [] {
    std::vector<double> g{0.0, 0.001, 0.002, 0.005, 0.01};
    for (int k = 1; k < 50; ++k) g.push_back(k * 0.02);  // 0.02 .. 0.98
    for (double p : {0.99, 0.995, 0.998, 0.999, 1.0}) g.push_back(p);
    std::sort(g.begin(), g.end());
    g.erase(std::unique(g.begin(), g.end()), g.end());
    return g;
  }();
  return grid;
}

namespace {

// Quantile of sorted data at probability p (linear between order statistics, type 7).
double sorted_quantile(const std::vector<double>& xs, double p) {
  double h = p * static_cast<double>(xs.size() - 1);
  auto lo = static_cast<size_t>(std::floor(h));
  size_t hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (h - static_cast<double>(lo)) * (xs[hi] - xs[lo]);
}

}  // namespace

Distribution Distribution::from_samples(std::vector<double> samples) {
  Distribution d;
  samples.erase(std::remove_if(samples.begin(), samples.end(), [](double x) { return !std::isfinite(x); }),
                samples.end());
  if (samples.empty()) return d;
  for (double& x : samples) x = std::max(0.0, x);
  std::sort(samples.begin(), samples.end());
  d.count_ = samples.size();
  if (samples.size() == 1) {
    d.probabilities_ = {0.0, 1.0};
    d.values_ = {samples[0], samples[0]};
    return d;
  }
  if (samples.size() <= kMaxExact) {
    const double n1 = static_cast<double>(samples.size() - 1);
    for (size_t i = 0; i < samples.size(); ++i) d.probabilities_.push_back(static_cast<double>(i) / n1);
    d.probabilities_.back() = 1.0;
    d.values_ = std::move(samples);
    return d;
  }
  d.probabilities_ = quantile_grid();
  for (double p : d.probabilities_) d.values_.push_back(sorted_quantile(samples, p));
  return d;
}

Distribution Distribution::constant(double value) {
  Distribution d;
  d.probabilities_ = {0.0, 1.0};
  d.values_ = {std::max(0.0, value), std::max(0.0, value)};
  d.count_ = 1;
  return d;
}

Distribution Distribution::from_quantiles(std::vector<double> probabilities, std::vector<double> values, uint64_t count) {
  if (probabilities.size() != values.size())
    throw Error(ErrorKind::bad_value, "probabilities and values differ in length (" + std::to_string(probabilities.size()) +
                                          " vs " + std::to_string(values.size()) + ")");
  if (probabilities.size() < 2) throw Error(ErrorKind::bad_value, "a distribution needs at least two quantiles");
  if (probabilities.front() != 0.0 || probabilities.back() != 1.0)
    throw Error(ErrorKind::bad_value, "quantile probabilities must start at 0 and end at 1");
  for (size_t i = 1; i < probabilities.size(); ++i) {
    if (!(probabilities[i] > probabilities[i - 1]))
      throw Error(ErrorKind::bad_value, "quantile probabilities must increase (at position " + std::to_string(i) + ")");
    if (!(values[i] >= values[i - 1]))
      throw Error(ErrorKind::bad_value, "quantile values must not decrease (at position " + std::to_string(i) + ")");
  }
  if (!(values.front() >= 0) || !std::isfinite(values.back()))
    throw Error(ErrorKind::bad_value, "quantile values must be finite and >= 0");
  Distribution d;
  d.probabilities_ = std::move(probabilities);
  d.values_ = std::move(values);
  d.count_ = count;
  return d;
}

double Distribution::quantile(double u) const {
  if (values_.empty()) return 0;
  if (!(u > 0)) return values_.front();
  if (u >= 1) return values_.back();
  auto it = std::upper_bound(probabilities_.begin(), probabilities_.end(), u);
  size_t hi = static_cast<size_t>(it - probabilities_.begin());
  size_t lo = hi - 1;
  double w = (u - probabilities_[lo]) / (probabilities_[hi] - probabilities_[lo]);
  return values_[lo] + w * (values_[hi] - values_[lo]);
}

double Distribution::cdf(double x) const {
  if (values_.empty()) return 0.5;
  if (x < values_.front()) return 0;
  if (x >= values_.back()) return 1;
  // The quantile function is piecewise linear; invert it. Flat stretches (ties) take their midpoint.
  auto lo_it = std::lower_bound(values_.begin(), values_.end(), x);
  auto hi_it = std::upper_bound(values_.begin(), values_.end(), x);
  if (lo_it != hi_it) {  // x equals one or more knots
    size_t a = static_cast<size_t>(lo_it - values_.begin()), b = static_cast<size_t>(hi_it - values_.begin()) - 1;
    return 0.5 * (probabilities_[a] + probabilities_[b]);
  }
  size_t hi = static_cast<size_t>(hi_it - values_.begin());
  size_t lo = hi - 1;
  double w = (x - values_[lo]) / (values_[hi] - values_[lo]);
  return probabilities_[lo] + w * (probabilities_[hi] - probabilities_[lo]);
}

double Distribution::mean() const {
  double m = 0;
  for (size_t i = 1; i < values_.size(); ++i)
    m += (probabilities_[i] - probabilities_[i - 1]) * 0.5 * (values_[i] + values_[i - 1]);
  return m;
}

void Distribution::scale(double factor) {
  for (double& v : values_) v = std::max(0.0, v * factor);
}

void Distribution::shift(double delta) {
  for (double& v : values_) v = std::max(0.0, v + delta);
}

}  // namespace palette::model
