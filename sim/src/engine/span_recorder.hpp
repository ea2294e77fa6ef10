#pragma once
// SpanRecorder: what a simulated request did, kept per invocation while it runs, turned into a
// CallTree (the shape ingestion produces) when its last invocation ends, so the TraceWriter can
// write it as spans that palette reads back. Only requests chosen for span output record anything.
#include <cstdint>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/topology/topology.hpp"

namespace palette::sim::engine {

struct SpanRecord {
  model::ApiIndex api = model::kNoApiIndex;
  int32_t parent = -1;       // index of the caller's record; -1 at the root
  double call_start_s = 0;   // caller side: the call is issued ...
  double call_end_s = 0;     // ... and its response seen (root: unused)
  double arrive_s = 0;       // callee side: a worker takes the request (root: it arrives) ...
  double finish_s = 0;       // ... and the response leaves it
  int64_t request_bytes = -1, response_bytes = -1;
  bool error = false;        // it answered with an error, or its caller gave up on it
};

class SpanRecorder {
 public:
  // api_ids: the catalog id of every topology API (TraceWriter's names). epoch_us: the simulated
  // time 0 as a timestamp, so the spans look like any other traces.
  SpanRecorder(std::vector<ApiId> api_ids, uint64_t seed, int64_t epoch_us);

  // Breadth-first, children by caller-side start, as normalization lays trees out.
  CallTree build(uint64_t request_id, const std::vector<SpanRecord>& records) const;

 private:
  std::vector<ApiId> api_ids_;
  uint64_t seed_;
  int64_t epoch_us_;
};

}  // namespace palette::sim::engine
