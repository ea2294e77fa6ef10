#include "engine/span_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "palette/topology/rng.hpp"

namespace palette::sim::engine {

SpanRecorder::SpanRecorder(std::vector<ApiId> api_ids, uint64_t seed, int64_t epoch_us)
    : api_ids_(std::move(api_ids)), seed_(seed), epoch_us_(epoch_us) {}

CallTree SpanRecorder::build(uint64_t request_id, const std::vector<SpanRecord>& records) const {
  CallTree tree;
  model::Rng ids = model::Rng::for_key(seed_, model::request_key(request_id) ^ 0x51A51A51ULL);
  tree.trace_id = Id128{ids.next() | 1, ids.next()};
  if (records.empty()) return tree;
  auto us = [&](double s) { return epoch_us_ + std::llround(s * 1e6); };

  std::vector<std::vector<uint32_t>> kids(records.size());
  for (uint32_t i = 1; i < records.size(); ++i) kids[static_cast<size_t>(records[i].parent)].push_back(i);
  for (auto& k : kids)
    std::stable_sort(k.begin(), k.end(), [&](uint32_t a, uint32_t b) { return records[a].call_start_s < records[b].call_start_s; });

  std::vector<uint32_t> order{0};  // record index of each tree node
  tree.nodes.reserve(records.size());
  for (size_t head = 0; head < order.size(); ++head) {
    const uint32_t r = order[head];
    const SpanRecord& rec = records[r];
    CallNode n;
    n.api = api_ids_[rec.api];
    n.kind = head == 0 ? NodeKind::root : NodeKind::rpc;
    n.start_us = us(rec.arrive_s);
    n.duration_us = us(rec.finish_s) - n.start_us;
    n.error = rec.error;
    if (head > 0) {
      n.caller_start_us = us(rec.call_start_s);
      n.caller_duration_us = us(rec.call_end_s) - n.caller_start_us;
      n.request_bytes = rec.request_bytes;
      n.response_bytes = rec.response_bytes;
    }
    n.first_child = static_cast<uint32_t>(order.size());
    n.child_count = static_cast<uint32_t>(kids[r].size());
    for (uint32_t c : kids[r]) order.push_back(c);
    tree.nodes.push_back(n);
  }
  // Parents and depths, now that every node has its place.
  for (uint32_t i = 0; i < tree.nodes.size(); ++i)
    for (uint32_t c = tree.nodes[i].first_child; c < tree.nodes[i].end_child(); ++c) {
      tree.nodes[c].parent = static_cast<int32_t>(i);
      tree.nodes[c].depth = tree.nodes[i].depth + 1;
    }
  tree.span_count = static_cast<uint32_t>(2 * tree.nodes.size() - 1);
  tree.max_span_depth = 2 * tree.max_depth() - 1;
  return tree;
}

}  // namespace palette::sim::engine
