#pragma once
// TraceStats: what `palette traces stats` reports about a set of call trees — counts of traces, spans,
// services, APIs and caller->callee edges, depths, the root latency distribution, and the most common
// root APIs — accumulated one tree at a time so it works on dumps of any size.
//
//   TraceStats st;  ingest(paths, opts, catalog, diag, [&](CallTree&& t) { st.add(t, catalog); });
//   TraceSummary s = st.summary(catalog);
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/stats/arrival_rate.hpp"
#include "palette/stats/quantile_sketch.hpp"

namespace palette::stats {

struct TraceSummary {
  uint64_t traces = 0, spans = 0, calls = 0;  // calls: nodes of the call trees
  uint64_t services = 0, apis = 0, edges = 0;
  uint32_t max_depth = 0;        // of the call tree (a client+server pair is one level)
  uint32_t max_span_depth = 0;   // of the span tree as recorded
  uint64_t traces_with_incomplete_timing = 0;
  double root_p50_us = 0, root_p90_us = 0, root_p99_us = 0, root_mean_us = 0;
  int64_t first_start_us = 0, last_start_us = 0;  // root start times: the traced window
  double sampling_probability = 0;  // mean over traces that record one; 0 = none does
  double active_window_s = 0;       // the window less the pauses of the collection (arrival_rate.hpp)
  uint64_t collection_pauses = 0;
  double traced_rate_per_s = 0;     // stored traces per second of the active window
  double request_rate_per_s = 0;    // traced rate / sampling probability (= traced rate if unknown)
  std::vector<std::pair<std::string, uint64_t>> root_apis;  // most frequent first
  std::map<std::string, uint64_t> node_kinds;               // rpc, local, client_only, ...
};

class TraceStats {
 public:
  void add(const CallTree& tree);
  TraceSummary summary(const Catalog& catalog) const;

 private:
  uint64_t traces_ = 0, spans_ = 0, calls_ = 0, incomplete_ = 0;
  uint32_t max_depth_ = 0, max_span_depth_ = 0;
  std::set<ApiId> apis_;
  std::set<std::pair<ApiId, ApiId>> edges_;
  std::map<ApiId, uint64_t> roots_;
  uint64_t kinds_[5] = {};
  QuantileSketch root_latency_{0.001};
  int64_t first_ = 0, last_ = 0;
  ArrivalRate arrivals_;  // of the timed roots
  double sampling_sum_ = 0;
  uint64_t sampling_n_ = 0;
};

}  // namespace palette::stats
