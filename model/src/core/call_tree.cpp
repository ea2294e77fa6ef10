#include "palette/call_tree.hpp"

#include <algorithm>

namespace palette {

const char* to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::unspecified: return "unspecified";
    case SpanKind::server: return "server";
    case SpanKind::client: return "client";
    case SpanKind::internal: return "internal";
    case SpanKind::producer: return "producer";
    case SpanKind::consumer: return "consumer";
  }
  return "unspecified";
}

const char* to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::root: return "root";
    case NodeKind::rpc: return "rpc";
    case NodeKind::server_only: return "server_only";
    case NodeKind::client_only: return "client_only";
    case NodeKind::local: return "local";
  }
  return "rpc";
}

ApiId Catalog::intern_api(NameId service, NameId operation) {
  uint64_t key = (static_cast<uint64_t>(service) << 32) | operation;
  auto [it, inserted] = index_.try_emplace(key, static_cast<ApiId>(apis_.size()));
  if (inserted) apis_.push_back(Api{service, operation});
  return it->second;
}

ApiId Catalog::find_api(NameId service, NameId operation) const {
  auto it = index_.find((static_cast<uint64_t>(service) << 32) | operation);
  return it == index_.end() ? kNoApi : it->second;
}

std::string Catalog::api_label(ApiId id) const {
  return names.text(apis_[id].service) + ":" + names.text(apis_[id].operation);
}

uint32_t CallTree::max_depth() const {
  uint32_t depth = 0;
  for (const auto& n : nodes) depth = std::max(depth, n.depth);
  return depth;
}

}  // namespace palette
