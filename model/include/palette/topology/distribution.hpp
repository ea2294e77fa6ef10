#pragma once
// Distribution: an empirical distribution of a non-negative quantity (local work in µs, call
// overhead in µs, payload bytes) kept as quantiles at fixed probabilities — dense in the tails — so it
// is small, mergeable by refitting, editable by hand in topology.yaml and exact to write and read back.
// Few samples are kept whole. Sampling is by inverse CDF with linear interpolation.
//
//   Distribution d = Distribution::from_samples({120, 95, 300, ...});
//   double x = d.quantile(rng.uniform());      double u = d.cdf(250.0);
#include <cstddef>
#include <cstdint>
#include <vector>

namespace palette::model {

class Distribution {
 public:
  Distribution() = default;
  // Sorts the samples; at most kMaxExact samples are kept as they are, more become grid quantiles.
  static Distribution from_samples(std::vector<double> samples);
  static Distribution constant(double value);
  // As written in topology.yaml: probabilities strictly increasing from 0 to 1, values non-decreasing.
  // Throws palette::Error(bad_value) otherwise.
  static Distribution from_quantiles(std::vector<double> probabilities, std::vector<double> values, uint64_t count);

  bool empty() const { return values_.empty(); }
  uint64_t count() const { return count_; }  // samples it was fitted on
  double quantile(double u) const;           // u in [0,1]; 0 if empty
  double cdf(double x) const;                // P(X <= x), interpolated; in [0,1]
  double mean() const;
  const std::vector<double>& probabilities() const { return probabilities_; }
  const std::vector<double>& values() const { return values_; }

  // Interventions: every value times `factor`, or plus `delta` (never below zero).
  void scale(double factor);
  void shift(double delta);

  friend bool operator==(const Distribution&, const Distribution&) = default;

  static constexpr size_t kMaxExact = 48;

 private:
  std::vector<double> probabilities_;  // 0 = p_0 < ... < p_k = 1
  std::vector<double> values_;
  uint64_t count_ = 0;
};

// The probabilities of the quantile grid used for large samples: steps of 0.02, refined in both tails.
const std::vector<double>& quantile_grid();

}  // namespace palette::model
