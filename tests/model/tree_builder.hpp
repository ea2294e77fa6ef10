#pragma once
// Builds call trees by hand for model tests: add nodes depth-first with their timings; finish() lays
// them out breadth-first as normalization does.
#include <string>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/ingest/ingest.hpp"

namespace palette::test {

class TreeBuilder {
 public:
  explicit TreeBuilder(ingest::TraceSet& set) : set_(set) {}

  // A node of `service:op` starting at start_us lasting duration_us, under `parent` (-1 = root).
  // Caller-side timing defaults to the callee's widened by overhead_us.
  int add(int parent, const std::string& service, const std::string& op, double start_us, double duration_us,
          double overhead_us = 0) {
    CallNode n;
    n.api = set_.catalog.intern_api(set_.catalog.names.intern(service), set_.catalog.names.intern(op));
    n.parent = parent;
    n.kind = parent < 0 ? NodeKind::root : NodeKind::rpc;
    n.start_us = static_cast<int64_t>(start_us);
    n.duration_us = static_cast<int64_t>(duration_us);
    if (parent >= 0) {
      n.caller_start_us = static_cast<int64_t>(start_us - overhead_us / 2);
      n.caller_duration_us = static_cast<int64_t>(duration_us + overhead_us);
    }
    nodes_.push_back(n);
    return static_cast<int>(nodes_.size() - 1);
  }

  void finish() {
    CallTree t;
    t.trace_id = Id128{0, ++count_};
    std::vector<std::vector<int>> kids(nodes_.size());
    for (size_t i = 1; i < nodes_.size(); ++i) kids[static_cast<size_t>(nodes_[i].parent)].push_back(static_cast<int>(i));
    std::vector<int> queue{0}, index(nodes_.size(), 0);
    t.nodes.push_back(nodes_[0]);
    t.nodes[0].depth = 1;
    for (size_t h = 0; h < queue.size(); ++h) {
      int old = queue[h], here = index[static_cast<size_t>(old)];
      t.nodes[static_cast<size_t>(here)].first_child = static_cast<uint32_t>(t.nodes.size());
      t.nodes[static_cast<size_t>(here)].child_count = static_cast<uint32_t>(kids[static_cast<size_t>(old)].size());
      for (int c : kids[static_cast<size_t>(old)]) {
        index[static_cast<size_t>(c)] = static_cast<int>(t.nodes.size());
        CallNode n = nodes_[static_cast<size_t>(c)];
        n.parent = here;
        n.depth = t.nodes[static_cast<size_t>(here)].depth + 1;
        t.nodes.push_back(n);
        queue.push_back(c);
      }
    }
    t.span_count = static_cast<uint32_t>(2 * t.nodes.size() - 1);
    set_.traces.push_back(std::move(t));
    nodes_.clear();
  }

 private:
  ingest::TraceSet& set_;
  std::vector<CallNode> nodes_;
  uint64_t count_ = 0;
};

}  // namespace palette::test
