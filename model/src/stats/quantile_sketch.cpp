#include "palette/stats/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace palette::stats {

QuantileSketch::QuantileSketch(double relative_accuracy, double min_value)
    : gamma_((1 + relative_accuracy) / (1 - relative_accuracy)), log_gamma_(std::log(gamma_)), min_value_(min_value) {}

int32_t QuantileSketch::bucket_of(double value) const {
  return static_cast<int32_t>(std::ceil(std::log(value) / log_gamma_));
}

double QuantileSketch::value_of(int32_t bucket) const {
  // The midpoint (in relative terms) of (gamma^(b-1), gamma^b]: within the accuracy of both ends.
  return 2.0 * std::pow(gamma_, bucket) / (gamma_ + 1.0);
}

void QuantileSketch::add(double value, uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  if (count_ == 0) min_ = max_ = value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += count;
  sum_ += value * static_cast<double>(count);
  if (value < min_value_) {
    zero_count_ += count;
    return;
  }
  int32_t b = bucket_of(value);
  if (counts_.empty()) {
    offset_ = b;
    counts_.assign(1, 0);
  } else if (b < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - b), 0);
    offset_ = b;
  } else if (b >= offset_ + static_cast<int32_t>(counts_.size())) {
    counts_.resize(static_cast<size_t>(b - offset_ + 1), 0);
  }
  counts_[static_cast<size_t>(b - offset_)] += count;
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  zero_count_ += other.zero_count_;
  for (size_t k = 0; k < other.counts_.size(); ++k) {
    if (!other.counts_[k]) continue;
    int32_t b = other.offset_ + static_cast<int32_t>(k);
    if (counts_.empty()) {
      offset_ = b;
      counts_.assign(1, 0);
    } else if (b < offset_) {
      counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - b), 0);
      offset_ = b;
    } else if (b >= offset_ + static_cast<int32_t>(counts_.size())) {
      counts_.resize(static_cast<size_t>(b - offset_ + 1), 0);
    }
    counts_[static_cast<size_t>(b - offset_)] += other.counts_[k];
  }
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  if (q == 0) return min_;
  if (q == 1) return max_;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1));
  if (rank < zero_count_) return std::max(min_, 0.0);
  uint64_t seen = zero_count_;
  for (size_t k = 0; k < counts_.size(); ++k) {
    seen += counts_[k];
    if (seen > rank) return std::clamp(value_of(offset_ + static_cast<int32_t>(k)), min_, max_);
  }
  return max_;
}

}  // namespace palette::stats
