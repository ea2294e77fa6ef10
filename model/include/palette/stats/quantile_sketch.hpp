#pragma once
// QuantileSketch: quantiles of a stream of non-negative values (latencies in µs) in bounded memory,
// with a relative error of at most `relative_accuracy` on every quantile (a DDSketch: logarithmic
// buckets). Mergeable, so per-worker sketches can be combined. Values below `min_value` share a bucket.
//
//   QuantileSketch q(0.005);  q.add(1250.0);  ...  double p99 = q.quantile(0.99);
#include <cstdint>
#include <vector>

namespace palette::stats {

class QuantileSketch {
 public:
  explicit QuantileSketch(double relative_accuracy = 0.005, double min_value = 1e-3);

  void add(double value, uint64_t count = 1);
  void merge(const QuantileSketch& other);  // requires the same accuracy and min_value
  // q in [0, 1]; NaN when empty. The value whose rank is q·(n−1), within the relative accuracy.
  double quantile(double q) const;
  uint64_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

 private:
  int32_t bucket_of(double value) const;
  double value_of(int32_t bucket) const;

  double gamma_, log_gamma_, min_value_;
  int32_t offset_ = 0;              // bucket index of counts_[0]
  std::vector<uint64_t> counts_;    // dense from offset_
  uint64_t zero_count_ = 0;         // values < min_value
  uint64_t count_ = 0;
  double sum_ = 0, min_ = 0, max_ = 0;
};

}  // namespace palette::stats
