#include "palette/stats/arrival_rate.hpp"

#include <algorithm>

namespace palette::stats {

void ArrivalRate::add(int64_t start_us) {
  if (seen_++ % stride_ != 0) return;
  kept_.push_back(start_us);
  if (kept_.size() < max_kept_) return;
  // Thin evenly: keep every other start, and from now on every 2*stride-th.
  size_t w = 0;
  for (size_t i = 0; i < kept_.size(); i += 2) kept_[w++] = kept_[i];
  kept_.resize(w);
  stride_ *= 2;
}

ArrivalRate::Result ArrivalRate::result() const {
  Result r;
  r.starts = seen_;
  if (kept_.size() < 2) return r;
  std::vector<int64_t> t = kept_;
  std::sort(t.begin(), t.end());
  r.span_s = static_cast<double>(t.back() - t.front()) / 1e6;
  std::vector<double> gaps;
  gaps.reserve(t.size() - 1);
  for (size_t i = 1; i < t.size(); ++i) gaps.push_back(static_cast<double>(t[i] - t[i - 1]));
  std::vector<double> positive;
  for (double g : gaps)
    if (g > 0) positive.push_back(g);
  if (positive.empty()) return r;
  auto mid = positive.begin() + static_cast<std::ptrdiff_t>(positive.size() / 2);
  std::nth_element(positive.begin(), mid, positive.end());
  const double pause = std::max(kPauseFactor * *mid, kMinPauseUs);
  double active_us = 0;
  for (double g : gaps) {
    if (g > pause) ++r.pauses;
    else active_us += g;
  }
  r.active_s = active_us / 1e6;
  // Gaps between all the starts seen: (seen - 1), less the pauses (each is also a pause of the full
  // sequence when it was thinned).
  const double counted = static_cast<double>(seen_ - 1) - static_cast<double>(r.pauses);
  r.rate_per_s = r.active_s > 0 ? counted / r.active_s : 0;
  return r;
}

}  // namespace palette::stats
