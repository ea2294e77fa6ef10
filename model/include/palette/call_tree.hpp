#pragma once
// CallTree: one trace after normalization, as a tree of API invocations. A client span and the server
// span it caused are one node (both durations kept: the caller's includes the network); in-process spans
// of the parent's own service are `local` nodes; the root is node 0. Nodes are stored breadth-first, so
// the children of a node are contiguous and sorted by start time.
//
// Catalog: the names and APIs (service + operation) that the trees of one ingestion refer to by id.
//
//   for (uint32_t c = tree.nodes[0].first_child; c < tree.nodes[0].end_child(); ++c) ...
//   catalog.service_name(catalog.api(tree.nodes[c].api).service)
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "palette/ids.hpp"
#include "palette/names.hpp"
#include "palette/span.hpp"

namespace palette {

using ApiId = uint32_t;
inline constexpr ApiId kNoApi = 0xFFFFFFFFu;

struct Api {
  NameId service = kNoName;
  NameId operation = kNoName;
};

class Catalog {
 public:
  NameTable names;  // service and operation names share one table

  ApiId intern_api(NameId service, NameId operation);
  ApiId find_api(NameId service, NameId operation) const;  // kNoApi if absent
  const Api& api(ApiId id) const { return apis_[id]; }
  size_t api_count() const { return apis_.size(); }
  const std::string& service_name(ApiId id) const { return names.text(apis_[id].service); }
  const std::string& operation_name(ApiId id) const { return names.text(apis_[id].operation); }
  std::string api_label(ApiId id) const;  // "service:operation"

 private:
  // Open addressing with linear probing over (service << 32 | operation) -> id, at most half full:
  // every node of every ingested trace looks its API up here, and std::unordered_map's scattered
  // nodes made this lookup a cache miss each time (8% of Alibaba ingestion).
  struct Slot {
    uint64_t key = 0;
    ApiId id = kNoApi;  // kNoApi: empty
  };
  size_t slot_of(uint64_t key) const;
  void grow();
  std::vector<Api> apis_;
  std::vector<Slot> index_;
};

enum class NodeKind : uint8_t {
  root,         // the trace's entry invocation
  rpc,          // a client span and its server span, merged
  server_only,  // a server span whose caller recorded no client span
  client_only,  // a client span whose callee recorded nothing (uninstrumented peer, database, ...)
  local,        // an in-process span of the parent's own service (handler, middleware, internal work)
};
const char* to_string(NodeKind kind);

struct CallNode {
  ApiId api = kNoApi;
  int32_t parent = -1;
  uint32_t first_child = 0, child_count = 0;
  uint32_t depth = 1;               // root = 1
  int64_t start_us = kNoTime;       // callee side (server span), or the only span there is
  int64_t duration_us = kNoTime;
  int64_t caller_start_us = kNoTime;     // caller side (client span); kNoTime when there is none
  int64_t caller_duration_us = kNoTime;
  int64_t request_bytes = -1, response_bytes = -1;
  NodeKind kind = NodeKind::rpc;
  bool error = false;

  uint32_t end_child() const { return first_child + child_count; }
  bool has_timing() const { return start_us != kNoTime && duration_us != kNoTime; }
  int64_t end_us() const { return start_us + duration_us; }
};

struct CallTree {
  Id128 trace_id;
  std::vector<CallNode> nodes;  // breadth-first; nodes[0] is the root
  uint32_t span_count = 0;      // spans that went into this tree (after de-duplication)
  uint32_t max_span_depth = 0;  // depth of the span tree before client/server merging
  bool timing_complete = true;  // false if any node lacks a timestamp or duration
  float sampling_probability = 0;  // of the trace, from its spans (0 = not recorded)

  const CallNode& root() const { return nodes.front(); }
  uint32_t max_depth() const;
};

// Stores a tree breadth-first into `nodes`, as CallTree keeps it: source node 0 is the root,
// node_of(i) gives source node i, children_of(i) the source indices of its children in order (any
// range of uint32_t). Sets parent, depth, first_child and child_count. `queue` and `index` are
// scratch, passed in so that a caller laying out many trees reuses them.
template <typename NodeOf, typename ChildrenOf>
void layout_breadth_first(size_t count, NodeOf&& node_of, ChildrenOf&& children_of, std::vector<CallNode>& nodes,
                          std::vector<uint32_t>& queue, std::vector<uint32_t>& index) {
  nodes.clear();
  nodes.reserve(count);
  index.assign(count, 0);
  queue.assign(1, 0);
  nodes.push_back(node_of(0));
  nodes[0].parent = -1;
  nodes[0].depth = 1;
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t old = queue[head], here = index[old];
    const auto& kids = children_of(old);
    nodes[here].first_child = static_cast<uint32_t>(nodes.size());
    nodes[here].child_count = static_cast<uint32_t>(std::size(kids));
    for (uint32_t c : kids) {
      index[c] = static_cast<uint32_t>(nodes.size());
      CallNode n = node_of(c);
      n.parent = static_cast<int32_t>(here);
      n.depth = nodes[here].depth + 1;
      nodes.push_back(n);
      queue.push_back(c);
    }
  }
}

}  // namespace palette
