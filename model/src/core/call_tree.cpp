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

// The slot holding `key`, or the empty slot where it would go. index_ is a power of two, never full.
size_t Catalog::slot_of(uint64_t key) const {
  const size_t mask = index_.size() - 1;
  uint64_t h = key * 0x9E3779B97F4A7C15ULL;  // fold the high half in: every bit of the key counts
  size_t i = static_cast<size_t>(h ^ (h >> 29) ^ (h >> 47)) & mask;
  while (index_[i].id != kNoApi && index_[i].key != key) i = (i + 1) & mask;
  return i;
}

void Catalog::grow() {
  std::vector<Slot> old = std::move(index_);
  index_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  for (const Slot& s : old)
    if (s.id != kNoApi) index_[slot_of(s.key)] = s;
}

ApiId Catalog::intern_api(NameId service, NameId operation) {
  const uint64_t key = (static_cast<uint64_t>(service) << 32) | operation;
  if (2 * (apis_.size() + 1) > index_.size()) grow();
  Slot& s = index_[slot_of(key)];
  if (s.id == kNoApi) {
    s = Slot{key, static_cast<ApiId>(apis_.size())};
    apis_.push_back(Api{service, operation});
  }
  return s.id;
}

ApiId Catalog::find_api(NameId service, NameId operation) const {
  if (index_.empty()) return kNoApi;
  return index_[slot_of((static_cast<uint64_t>(service) << 32) | operation)].id;
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
