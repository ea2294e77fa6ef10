#include "palette/stats/trace_stats.hpp"

#include <algorithm>

namespace palette::stats {

void TraceStats::add(const CallTree& tree) {
  if (tree.nodes.empty()) return;
  ++traces_;
  spans_ += tree.span_count;
  calls_ += tree.nodes.size();
  if (!tree.timing_complete) ++incomplete_;
  max_span_depth_ = std::max(max_span_depth_, tree.max_span_depth);
  for (const CallNode& n : tree.nodes) {
    apis_.insert(n.api);
    max_depth_ = std::max(max_depth_, n.depth);
    ++kinds_[static_cast<int>(n.kind)];
    if (n.parent >= 0) edges_.emplace(tree.nodes[static_cast<size_t>(n.parent)].api, n.api);
  }
  const CallNode& root = tree.root();
  ++roots_[root.api];
  if (tree.sampling_probability > 0) {
    sampling_sum_ += tree.sampling_probability;
    ++sampling_n_;
  }
  if (root.has_timing()) {
    root_latency_.add(static_cast<double>(root.duration_us));
    if (traces_ == 1 || root.start_us < first_) first_ = root.start_us;
    if (traces_ == 1 || root.start_us > last_) last_ = root.start_us;
    arrivals_.add(root.start_us);
  }
}

TraceSummary TraceStats::summary(const Catalog& catalog) const {
  TraceSummary s;
  s.traces = traces_;
  s.spans = spans_;
  s.calls = calls_;
  s.apis = apis_.size();
  s.edges = edges_.size();
  std::set<NameId> services;
  for (ApiId a : apis_) services.insert(catalog.api(a).service);
  s.services = services.size();
  s.max_depth = max_depth_;
  s.max_span_depth = max_span_depth_;
  s.traces_with_incomplete_timing = incomplete_;
  s.root_p50_us = root_latency_.quantile(0.5);
  s.root_p90_us = root_latency_.quantile(0.9);
  s.root_p99_us = root_latency_.quantile(0.99);
  s.root_mean_us = root_latency_.mean();
  s.first_start_us = first_;
  s.last_start_us = last_;
  s.sampling_probability = sampling_n_ ? sampling_sum_ / static_cast<double>(sampling_n_) : 0;
  const ArrivalRate::Result arrivals = arrivals_.result();
  s.active_window_s = arrivals.active_s;
  s.collection_pauses = arrivals.pauses;
  // Over the timed roots, counted for every trace.
  s.traced_rate_per_s = arrivals.rate_for(traces_);
  s.request_rate_per_s = s.sampling_probability > 0 ? s.traced_rate_per_s / s.sampling_probability : s.traced_rate_per_s;
  for (const auto& [api, n] : roots_) s.root_apis.emplace_back(catalog.api_label(api), n);
  std::stable_sort(s.root_apis.begin(), s.root_apis.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (int k = 0; k < 5; ++k)
    if (kinds_[k]) s.node_kinds[to_string(static_cast<NodeKind>(k))] = kinds_[k];
  return s;
}

}  // namespace palette::stats
