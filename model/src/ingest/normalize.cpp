#include "palette/ingest/normalize.hpp"

#include <algorithm>
#include <span>
#include <tuple>

namespace palette::ingest {
namespace {

bool client_like(SpanKind k) { return k == SpanKind::client || k == SpanKind::producer; }
bool server_like(SpanKind k) { return k == SpanKind::server || k == SpanKind::consumer; }

// Insertion sort for the few members of a shared-id group.
template <typename Less>
void sort_small(std::vector<uint32_t>& v, Less less) {
  for (size_t i = 1; i < v.size(); ++i)
    for (size_t j = i; j > 0 && less(v[j], v[j - 1]); --j) std::swap(v[j], v[j - 1]);
}

// Spans by an id in O(n): an open-addressing table from the id (as it was when the index was built) to
// the first span that had it, and a chain through the others in the order they were read. Traces are
// small and many; sorting them by id, as this did before, cost more than some whole passes.
class IdIndex {
 public:
  static constexpr uint32_t kEnd = UINT32_MAX;

  template <typename Key>
  void build(const std::vector<Span>& spans, Key key) {
    const auto n = static_cast<uint32_t>(spans.size());
    size_t cap = 16;
    while (cap < 2 * size_t{n}) cap <<= 1;
    // Slots of an earlier build are stale by their generation: no clearing per build.
    if (table_.size() < cap || ++generation_ == 0) {
      table_.assign(std::max(cap, table_.size()), Slot{});
      generation_ = 1;
    }
    mask_ = cap - 1;
    next_.assign(n, kEnd);
    last_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Id128& id = key(spans[i]);
      Slot* s = find_slot(id);
      if (s->generation != generation_) {
        *s = Slot{generation_, i, id};
        last_[i] = i;
      } else {
        next_[last_[s->first]] = i;
        last_[s->first] = i;
      }
    }
  }
  uint32_t first(const Id128& id) const {
    const Slot* s = find_slot(id);
    return s->generation == generation_ ? s->first : kEnd;
  }
  uint32_t next(uint32_t span) const { return next_[span]; }

 private:
  struct Slot {
    uint32_t generation = 0;  // the build that filled it; others are empty
    uint32_t first = kEnd;
    Id128 id;
  };
  Slot* find_slot(const Id128& id) const {
    uint64_t h = (id.hi * 0x9E3779B97F4A7C15ULL) ^ (id.lo * 0xC2B2AE3D27D4EB4FULL);
    size_t k = static_cast<size_t>(h ^ (h >> 32)) & mask_;
    while (table_[k].generation == generation_ && table_[k].id != id) k = (k + 1) & mask_;
    return const_cast<Slot*>(&table_[k]);
  }
  std::vector<Slot> table_;
  std::vector<uint32_t> next_, last_;
  uint32_t generation_ = 0;
  size_t mask_ = 0;
};

}  // namespace

struct Normalizer::Impl {
  Catalog& cat;
  Diagnostics& diag;
  NormalizeOptions opt;
  NameId missing_service, missing_operation;

  // Counters, looked up once (see diagnostics.hpp); names are what `traces stats` reports.
  uint64_t& duplicate_spans;
  uint64_t& spans_without_service;
  uint64_t& spans_without_operation;
  uint64_t& merged_fragments;
  uint64_t& shared_span_ids;
  uint64_t& unpaired_shared_fragments;
  uint64_t& conflicting_span_ids;
  uint64_t& sides_inferred;
  uint64_t& orphans_attached;
  uint64_t& orphans_dropped;
  uint64_t& extra_roots_attached;
  uint64_t& extra_roots_dropped;
  uint64_t& spans_dropped_with_orphans;
  uint64_t& missing_root;
  uint64_t& spans_in_cycles;
  uint64_t& kinds_inferred;
  uint64_t& client_without_server;
  uint64_t& client_with_several_servers;
  uint64_t& local_spans;
  uint64_t& names_from_caller;
  uint64_t& messaging_calls;
  uint64_t& spans_without_timing;
  uint64_t& timing_filled_from_caller;
  uint64_t& clock_skew_adjusted;
  uint64_t& child_outside_parent;
  uint64_t& traces_dropped_untimed_root;
  uint64_t& traces_dropped_empty;

  // Scratch, reused across traces.
  std::vector<Span> spans;
  std::vector<int32_t> parent;          // span -> parent span index, -1 none
  std::vector<uint32_t> child_begin;    // CSR children of each span
  std::vector<uint32_t> child_list;
  std::vector<uint8_t> alive;
  struct Building {
    CallNode node;
    uint32_t subtree_end = 0;  // DFS pre-order: the subtree is [index, subtree_end)
    bool messaging = false;
    int64_t sort_start = 0;
    uint32_t seq = 0;
  };
  std::vector<Building> built;
  // More scratch, so that a trace costs no allocation beyond its output (Alibaba traces are many and
  // small: allocations were a fifth of ingestion time).
  std::vector<uint32_t> group_heads, group, clients, servers, others, rest, roots, orphans, todo, fill, queue, new_index;
  std::vector<uint32_t> kid_begin, kid_list;
  std::vector<std::pair<uint32_t, Id128>> server_ids;
  IdIndex by_id, by_parent;  // spans by span id; spans by parent id as read (children of an id)
  std::vector<std::pair<uint64_t, uint32_t>> hashed;  // (hash of the duplicate key, span), sorted
  std::vector<std::pair<uint32_t, uint32_t>> depth_todo;
  std::vector<uint8_t> reached;

  Impl(Catalog& c, Diagnostics& d, NormalizeOptions o)
      : cat(c),
        diag(d),
        opt(std::move(o)),
        missing_service(c.names.intern(opt.missing_service)),
        missing_operation(c.names.intern(opt.missing_operation)),
        duplicate_spans(d.counter("duplicate_spans")),
        spans_without_service(d.counter("spans_without_service")),
        spans_without_operation(d.counter("spans_without_operation")),
        merged_fragments(d.counter("merged_span_fragments")),
        shared_span_ids(d.counter("shared_client_server_ids")),
        unpaired_shared_fragments(d.counter("unpaired_shared_fragments")),
        conflicting_span_ids(d.counter("conflicting_span_ids")),
        sides_inferred(d.counter("call_sides_inferred")),
        orphans_attached(d.counter("orphans_attached")),
        orphans_dropped(d.counter("orphans_dropped")),
        extra_roots_attached(d.counter("extra_roots_attached")),
        extra_roots_dropped(d.counter("extra_roots_dropped")),
        spans_dropped_with_orphans(d.counter("spans_dropped_with_orphans")),
        missing_root(d.counter("traces_missing_root")),
        spans_in_cycles(d.counter("spans_in_parent_cycles")),
        kinds_inferred(d.counter("span_kinds_inferred")),
        client_without_server(d.counter("client_spans_without_server")),
        client_with_several_servers(d.counter("client_spans_with_several_servers")),
        local_spans(d.counter("local_spans")),
        names_from_caller(d.counter("callee_names_from_caller")),
        messaging_calls(d.counter("messaging_calls")),
        spans_without_timing(d.counter("spans_without_timing")),
        timing_filled_from_caller(d.counter("timing_filled_from_caller")),
        clock_skew_adjusted(d.counter("clock_skew_adjusted")),
        child_outside_parent(d.counter("child_outside_parent")),
        traces_dropped_untimed_root(d.counter("traces_dropped_untimed_root")),
        traces_dropped_empty(d.counter("traces_dropped_empty")) {}

  // 1. Exact duplicates: same id, parent, names, kind and timing.
  // Sorted by a hash of the key (integer compares; equal keys hash equal), keys compared in full only
  // within a run of equal hashes; of equal spans the first one read stays.
  void drop_duplicates() {
    auto key = [](const Span& s) {
      return std::tie(s.span_id, s.parent_id, s.service, s.operation, s.kind, s.start_us, s.duration_us);
    };
    const auto n = static_cast<uint32_t>(spans.size());
    hashed.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Span& s = spans[i];
      uint64_t h = s.span_id.hi * 0x9E3779B97F4A7C15ULL ^ s.span_id.lo;
      h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL ^ s.parent_id.hi ^ (s.parent_id.lo * 0x94D049BB133111EBULL);
      h = (h ^ (h >> 31)) * 0x9E3779B97F4A7C15ULL ^ (uint64_t{s.service} << 32 | s.operation);
      h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL ^ static_cast<uint64_t>(s.start_us) ^
          (static_cast<uint64_t>(s.duration_us) << 7) ^ static_cast<uint64_t>(s.kind);
      hashed[i] = {h ^ (h >> 32), i};
    }
    std::sort(hashed.begin(), hashed.end());
    alive.assign(n, 1);
    bool any = false;
    for (size_t lo = 0; lo < n;) {
      size_t hi = lo + 1;
      while (hi < n && hashed[hi].first == hashed[lo].first) ++hi;
      for (size_t a = lo; a + 1 < hi; ++a) {
        if (!alive[hashed[a].second]) continue;
        for (size_t b = a + 1; b < hi; ++b)
          if (alive[hashed[b].second] && key(spans[hashed[a].second]) == key(spans[hashed[b].second])) {
            alive[hashed[b].second] = 0;
            ++duplicate_spans;
            any = true;
          }
      }
      lo = hi;
    }
    if (any) compact();
  }

  void compact() {
    size_t w = 0;
    for (size_t r = 0; r < spans.size(); ++r)
      if (alive[r]) {
        if (w != r) spans[w] = std::move(spans[r]);
        ++w;
      }
    spans.resize(w);
  }

  // 2. Placeholders for missing names.
  void fill_names() {
    for (auto& s : spans) {
      if (s.service == kNoName) {
        s.service = missing_service;
        ++spans_without_service;
      }
      if (s.operation == kNoName) {
        s.operation = missing_operation;
        ++spans_without_operation;
      }
    }
  }

  // 3. Spans that share an id.
  void split_shared_ids() {
    const auto n = static_cast<uint32_t>(spans.size());
    by_id.build(spans, [](const Span& s) -> const Id128& { return s.span_id; });
    // Each group once, from its first member: the members' ids change below, so collect them first.
    group_heads.clear();
    for (uint32_t i = 0; i < n; ++i)
      if (by_id.next(i) != IdIndex::kEnd && !spans[i].span_id.empty() && by_id.first(spans[i].span_id) == i)
        group_heads.push_back(i);
    alive.assign(n, 1);
    if (group_heads.empty()) return;
    by_parent.build(spans, [](const Span& s) -> const Id128& { return s.parent_id; });
    for (uint32_t head : group_heads) {
      group.clear();
      for (uint32_t m = head; m != IdIndex::kEnd; m = by_id.next(m)) group.push_back(m);
      resolve_group(group);
    }
    compact();
  }

  // Fragments of one span reported in pieces: same service, same side (or one piece without a kind, as
  // Zipkin's late "finish" pieces), at most one of them timed, and no two different start times (five
  // receptions of one message at five moments are five spans, not one).
  void merge_fragments(std::vector<uint32_t>& members) {
    for (size_t a = 0; a < members.size(); ++a) {
      Span& x = spans[members[a]];
      for (size_t b = a + 1; b < members.size();) {
        Span& y = spans[members[b]];
        bool same_side = client_like(x.kind) == client_like(y.kind) && server_like(x.kind) == server_like(y.kind);
        bool kinds_fit = same_side || x.kind == SpanKind::unspecified || y.kind == SpanKind::unspecified;
        bool starts_fit = x.start_us == kNoTime || y.start_us == kNoTime || x.start_us == y.start_us;
        if (kinds_fit && starts_fit && x.service == y.service && !(x.has_timing() && y.has_timing())) {
          if (x.start_us == kNoTime) x.start_us = y.start_us;
          if (x.duration_us == kNoTime) x.duration_us = y.duration_us;
          if (x.kind == SpanKind::unspecified) x.kind = y.kind;
          if (x.parent_id.empty()) x.parent_id = y.parent_id;
          if (x.remote_service == kNoName) x.remote_service = y.remote_service;
          x.error = x.error || y.error;
          x.shared = x.shared || y.shared;
          alive[members[b]] = 0;
          members.erase(members.begin() + static_cast<long>(b));
          ++merged_fragments;
        } else {
          ++b;
        }
      }
    }
  }

  void resolve_group(std::vector<uint32_t>& members) {
    merge_fragments(members);
    if (members.size() < 2) return;
    const Id128 id = spans[members[0]].span_id;
    clients.clear();
    servers.clear();
    others.clear();
    for (uint32_t m : members) {
      if (client_like(spans[m].kind)) clients.push_back(m);
      else if (server_like(spans[m].kind)) servers.push_back(m);
      else others.push_back(m);
    }
    auto by_start = [&](uint32_t a, uint32_t b) { return spans[a].start_us < spans[b].start_us; };
    sort_small(clients, by_start);
    sort_small(servers, by_start);
    // Records the format could not place on a side (Alibaba rt 0) complete the pairs: while clients
    // outnumber servers by two or more, the latest such client (the caller records first) becomes the
    // server half, in the service it called.
    for (size_t k = clients.size(); k-- > 0 && clients.size() > servers.size() + 1;) {
      Span& u = spans[clients[k]];
      if (!u.side_unknown) continue;
      u.kind = u.kind == SpanKind::producer ? SpanKind::consumer : SpanKind::server;
      std::swap(u.service, u.remote_service);
      if (u.service == kNoName) u.service = missing_service;
      u.side_unknown = false;
      servers.push_back(clients[k]);
      clients.erase(clients.begin() + static_cast<long>(k));
      ++sides_inferred;
    }
    sort_small(servers, by_start);
    uint64_t tag = 1;
    // Pair clients and servers two by two, in time order. One member (the first client, else the first
    // server, else the first other) keeps the id; every other member gets a derived one. A lone client
    // whose servers all say `shared` (Zipkin: "I reuse my caller's id") is the caller of every one of them
    // (a message several consumers received).
    size_t pairs = std::min(clients.size(), servers.size());
    bool fan_out = clients.size() == 1 && servers.size() > 1 &&
                   std::all_of(servers.begin(), servers.end(), [&](uint32_t m) { return spans[m].shared; });
    uint32_t keeper = !clients.empty() ? clients[0] : (!servers.empty() ? servers[0] : others[0]);
    for (uint32_t m : members)
      if (m != keeper) spans[m].span_id = Id128::derived(id, tag++);
    server_ids.clear();  // (span, new id) of paired servers
    for (size_t k = 0; k < (fan_out ? servers.size() : pairs); ++k) {
      spans[servers[k]].parent_id = spans[clients[fan_out ? 0 : k]].span_id;
      server_ids.emplace_back(servers[k], spans[servers[k]].span_id);
      ++shared_span_ids;
    }
    if (fan_out) pairs = servers.size();
    for (uint32_t m : clients)
      if (m != keeper && std::find(clients.begin(), clients.begin() + static_cast<long>(pairs), m) == clients.begin() + static_cast<long>(pairs))
        ++unpaired_shared_fragments;
    for (size_t k = pairs; k < servers.size(); ++k)
      if (servers[k] != keeper) ++unpaired_shared_fragments;
    for (uint32_t m : others)
      if (m != keeper) ++conflicting_span_ids;
    if (server_ids.empty()) return;
    // Children of the shared id that run in a server's service, or server records called from it (a
    // callee whose caller recorded nothing), belong to that server's half: the one whose interval holds
    // the child's start, else the last one that started before the child, else the first.
    for (uint32_t c = by_parent.first(id); c != IdIndex::kEnd; c = by_parent.next(c)) {
      Span& child = spans[c];
      if (child.parent_id != id) continue;
      if (std::any_of(server_ids.begin(), server_ids.end(), [&](const auto& sv) { return &spans[sv.first] == &child; }))
        continue;  // a paired server is the client's child by construction
      const std::pair<uint32_t, Id128>* best = nullptr;
      const std::pair<uint32_t, Id128>* before = nullptr;
      for (const auto& sv : server_ids) {
        const Span& s = spans[sv.first];
        if (s.service != child.service && !(server_like(child.kind) && child.remote_service == s.service)) continue;
        if (!best) best = &sv;
        if (child.start_us == kNoTime || s.start_us == kNoTime || s.start_us > child.start_us) continue;
        if (s.has_timing() && child.start_us <= s.end_us()) {
          before = &sv;
          break;
        }
        if (!before || spans[before->first].start_us < s.start_us) before = &sv;
      }
      if (before) best = before;
      if (best) child.parent_id = best->second;
    }
  }

  // 4. Parent links, root, orphans, cycles. Returns the root span index, or -1 if nothing is left.
  int32_t link() {
    const auto n = static_cast<uint32_t>(spans.size());
    by_id.build(spans, [](const Span& s) -> const Id128& { return s.span_id; });
    auto find = [&](const Id128& id) -> int32_t {
      uint32_t i = by_id.first(id);
      return i == IdIndex::kEnd ? -1 : static_cast<int32_t>(i);
    };
    parent.assign(n, -1);
    roots.clear();
    orphans.clear();
    for (uint32_t i = 0; i < n; ++i) {
      const Span& s = spans[i];
      if (s.parent_id.empty() || s.parent_id == s.span_id) {
        roots.push_back(i);
        continue;
      }
      int32_t p = find(s.parent_id);
      if (p < 0) orphans.push_back(i);
      else parent[i] = p;
    }
    // The root: a true root if there is one (the longest, then the earliest), else the earliest orphan.
    auto better = [&](uint32_t a, uint32_t b) {
      const Span &x = spans[a], &y = spans[b];
      int64_t dx = x.duration_us == kNoTime ? -1 : x.duration_us, dy = y.duration_us == kNoTime ? -1 : y.duration_us;
      if (dx != dy) return dx > dy;
      int64_t sx = x.start_us == kNoTime ? INT64_MAX : x.start_us, sy = y.start_us == kNoTime ? INT64_MAX : y.start_us;
      return sx < sy;
    };
    int32_t root = -1;
    if (!roots.empty()) {
      root = static_cast<int32_t>(*std::min_element(roots.begin(), roots.end(), better));
    } else if (!orphans.empty()) {
      auto earliest = [&](uint32_t a, uint32_t b) {
        int64_t sa = spans[a].start_us == kNoTime ? INT64_MAX : spans[a].start_us;
        int64_t sb = spans[b].start_us == kNoTime ? INT64_MAX : spans[b].start_us;
        return sa != sb ? sa < sb : better(a, b);
      };
      root = static_cast<int32_t>(*std::min_element(orphans.begin(), orphans.end(), earliest));
      ++missing_root;
    } else {
      return -1;
    }
    alive.assign(n, 1);
    for (uint32_t r : roots) {
      if (static_cast<int32_t>(r) == root) continue;
      if (opt.orphans == OrphanPolicy::attach) { parent[r] = root; ++extra_roots_attached; }
      else { alive[r] = 0; ++extra_roots_dropped; }
    }
    for (uint32_t o : orphans) {
      if (static_cast<int32_t>(o) == root) continue;
      if (opt.orphans == OrphanPolicy::attach) { parent[o] = root; ++orphans_attached; }
      else { alive[o] = 0; ++orphans_dropped; }
    }
    build_children();
    // Walk from the root: what is not reached was dropped with an orphan or sits in a parent cycle.
    reached.assign(n, 0);
    todo.assign(1, static_cast<uint32_t>(root));
    reached[static_cast<size_t>(root)] = 1;
    while (!todo.empty()) {
      uint32_t s = todo.back();
      todo.pop_back();
      for (uint32_t k = child_begin[s]; k < child_begin[s + 1]; ++k) {
        uint32_t c = child_list[k];
        if (!reached[c] && alive[c]) {
          reached[c] = 1;
          todo.push_back(c);
        }
      }
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (reached[i]) continue;
      // Dropped orphans are not alive; their descendants are alive but unreachable.
      bool under_dropped = false;
      for (int32_t p = static_cast<int32_t>(i), guard = 0; p >= 0 && guard <= static_cast<int32_t>(n); p = parent[static_cast<size_t>(p)], ++guard)
        if (!alive[static_cast<size_t>(p)]) { under_dropped = true; break; }
      if (under_dropped) ++spans_dropped_with_orphans;
      else ++spans_in_cycles;
    }
    alive.swap(reached);
    return root;
  }

  void build_children() {
    const auto n = static_cast<uint32_t>(spans.size());
    child_begin.assign(n + 1, 0);
    for (uint32_t i = 0; i < n; ++i)
      if (parent[i] >= 0) ++child_begin[static_cast<size_t>(parent[i]) + 1];
    for (uint32_t i = 0; i < n; ++i) child_begin[i + 1] += child_begin[i];
    child_list.assign(child_begin[n], 0);
    fill.assign(child_begin.begin(), child_begin.end() - 1);
    for (uint32_t i = 0; i < n; ++i)
      if (parent[i] >= 0) child_list[fill[static_cast<size_t>(parent[i])]++] = i;
  }

  // 5. Kinds the format did not say.
  void infer_kinds() {
    const auto n = static_cast<uint32_t>(spans.size());
    for (uint32_t i = 0; i < n; ++i) {
      Span& s = spans[i];
      if (s.kind != SpanKind::unspecified || !alive[i]) continue;
      ++kinds_inferred;
      // The entry of a trace, and a span called from another service, serve a request.
      if (parent[i] < 0 || spans[static_cast<size_t>(parent[i])].service != s.service) {
        s.kind = SpanKind::server;
        continue;
      }
      bool any = false, all_remote = true;
      for (uint32_t k = child_begin[i]; k < child_begin[i + 1]; ++k) {
        if (!alive[child_list[k]]) continue;
        any = true;
        if (spans[child_list[k]].service == s.service) all_remote = false;
      }
      s.kind = any && all_remote ? SpanKind::client : SpanKind::internal;
    }
  }

  uint32_t span_depth(uint32_t root) {
    uint32_t best = 0;
    depth_todo.assign(1, {root, 1});
    while (!depth_todo.empty()) {
      auto [s, d] = depth_todo.back();
      depth_todo.pop_back();
      best = std::max(best, d);
      for (uint32_t k = child_begin[s]; k < child_begin[s + 1]; ++k)
        if (alive[child_list[k]]) depth_todo.emplace_back(child_list[k], d + 1);
    }
    return best;
  }

  // 6. Calls: client + server -> one node.
  uint32_t add_node(NodeKind kind, const Span& callee, const Span* caller, int32_t parent_node, bool messaging) {
    Building b;
    b.node.kind = kind;
    b.node.parent = parent_node;
    NameId service = callee.service, operation = callee.operation;
    // A call nobody answered is named after the peer it called; so is a root that is only a client
    // record (Alibaba's USER -> entry call whose callee row is missing).
    if ((kind == NodeKind::client_only || (kind == NodeKind::root && client_like(callee.kind))) &&
        callee.remote_service != kNoName)
      service = callee.remote_service;
    if (caller && caller != &callee) {
      // The callee's record lost a name the caller's record has (Alibaba's "(?)" values).
      if (service == missing_service && caller->remote_service != kNoName) {
        service = caller->remote_service;
        ++names_from_caller;
      }
      if (operation == missing_operation && caller->operation != missing_operation) {
        operation = caller->operation;
        ++names_from_caller;
      }
    }
    b.node.api = cat.intern_api(service, operation);
    b.node.start_us = callee.start_us;
    b.node.duration_us = callee.duration_us;
    if (caller) {
      b.node.caller_start_us = caller->start_us;
      b.node.caller_duration_us = caller->duration_us;
      b.node.request_bytes = caller->request_bytes;
      b.node.response_bytes = caller->response_bytes;
      b.node.error = caller->error;
    }
    if (b.node.request_bytes < 0) b.node.request_bytes = callee.request_bytes;
    if (b.node.response_bytes < 0) b.node.response_bytes = callee.response_bytes;
    b.node.error = b.node.error || callee.error;
    b.messaging = messaging;
    b.seq = static_cast<uint32_t>(built.size());
    built.push_back(b);
    return static_cast<uint32_t>(built.size() - 1);
  }

  // Depth-first with an explicit stack (real traces nest 40 deep, hostile input any deeper), so nodes
  // come out in pre-order and each subtree is the contiguous range [node, subtree_end).
  struct Item {
    enum Type : uint8_t { visit, visit_server, close } type;
    uint32_t span;
    uint32_t node;    // visit: the parent node; close: the node to close
    uint32_t client;  // visit_server: the client span it answers
  };
  std::vector<Item> stack;

  void push_children(uint32_t span, uint32_t node) {
    for (uint32_t k = child_begin[span + 1]; k-- > child_begin[span];)
      if (alive[child_list[k]]) stack.push_back(Item{Item::visit, child_list[k], node, 0});
  }

  void open_node(NodeKind kind, uint32_t callee, const Span* caller, uint32_t parent_node, bool messaging) {
    uint32_t m = add_node(kind, spans[callee], caller, static_cast<int32_t>(parent_node), messaging);
    stack.push_back(Item{Item::close, 0, m, 0});
    push_children(callee, m);
  }

  // Client spans: one rpc node per server span it caused; its other children belong to the caller.
  // Returns false if the span is not a client with servers.
  bool push_client(uint32_t c, uint32_t parent_node) {
    servers.clear();
    rest.clear();
    for (uint32_t k = child_begin[c]; k < child_begin[c + 1]; ++k) {
      uint32_t g = child_list[k];
      if (alive[g]) (server_like(spans[g].kind) ? servers : rest).push_back(g);
    }
    if (servers.empty()) return false;
    if (servers.size() > 1) ++client_with_several_servers;
    for (auto it = rest.rbegin(); it != rest.rend(); ++it) stack.push_back(Item{Item::visit, *it, parent_node, 0});
    for (auto it = servers.rbegin(); it != servers.rend(); ++it)
      stack.push_back(Item{Item::visit_server, *it, parent_node, c});
    return true;
  }

  void drain() {
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      if (it.type == Item::close) {
        built[it.node].subtree_end = static_cast<uint32_t>(built.size());
      } else if (it.type == Item::visit_server) {
        const Span& c = spans[it.client];
        bool messaging = c.kind == SpanKind::producer || spans[it.span].kind == SpanKind::consumer;
        if (messaging) ++messaging_calls;
        open_node(NodeKind::rpc, it.span, &c, it.node, messaging);
      } else {
        const Span& s = spans[it.span];
        if (client_like(s.kind)) {
          if (!push_client(it.span, it.node)) {
            ++client_without_server;
            open_node(NodeKind::client_only, it.span, &s, it.node, false);
          }
        } else if (server_like(s.kind)) {
          open_node(NodeKind::server_only, it.span, nullptr, it.node, false);
        } else {
          ++local_spans;
          open_node(NodeKind::local, it.span, nullptr, it.node, false);
        }
      }
    }
  }

  void build_nodes(uint32_t root) {
    built.clear();
    stack.clear();
    const Span& r = spans[root];
    // A root that is a client span (Alibaba's USER -> entry call) merges with the server it reached.
    if (client_like(r.kind)) {
      servers.clear();
      rest.clear();
      for (uint32_t k = child_begin[root]; k < child_begin[root + 1]; ++k) {
        uint32_t g = child_list[k];
        if (alive[g]) (server_like(spans[g].kind) ? servers : rest).push_back(g);
      }
      if (servers.size() == 1) {
        add_node(NodeKind::root, spans[servers[0]], &r, -1, false);
        stack.push_back(Item{Item::close, 0, 0, 0});
        for (auto it = rest.rbegin(); it != rest.rend(); ++it) stack.push_back(Item{Item::visit, *it, 0, 0});
        push_children(servers[0], 0);
        drain();
        return;
      }
    }
    add_node(NodeKind::root, r, nullptr, -1, false);
    stack.push_back(Item{Item::close, 0, 0, 0});
    push_children(root, 0);
    drain();
  }

  // 7. Timing: count what is missing, fill a callee from its caller.
  bool fix_missing_timing() {
    bool complete = true;
    for (auto& b : built) {
      CallNode& n = b.node;
      if (!n.has_timing() && n.caller_start_us != kNoTime && n.caller_duration_us != kNoTime) {
        n.start_us = n.caller_start_us;
        n.duration_us = n.caller_duration_us;
        ++timing_filled_from_caller;
      }
      if (!n.has_timing()) complete = false;
    }
    return complete;
  }

  // 8. Clock skew between the two halves of a call; parents are fixed before their children.
  void fix_skew() {
    const int64_t tol = opt.skew_tolerance_us;
    for (uint32_t i = 0; i < built.size(); ++i) {
      CallNode& n = built[i].node;
      if (!n.has_timing()) continue;
      if (n.caller_start_us != kNoTime && n.caller_duration_us != kNoTime && !built[i].messaging &&
          n.kind != NodeKind::client_only) {
        int64_t cs = n.caller_start_us, ce = cs + n.caller_duration_us;
        if (n.start_us < cs - tol || n.end_us() > ce + tol) {
          // Centre the server half in the client half (equal network time each way); if the server
          // half is the longer, align their starts.
          int64_t target = n.duration_us <= n.caller_duration_us ? cs + (n.caller_duration_us - n.duration_us) / 2 : cs;
          shift_subtree(i, target - n.start_us);
          ++clock_skew_adjusted;
        }
      }
      if (n.parent >= 0) {
        const CallNode& p = built[static_cast<size_t>(n.parent)].node;
        if (p.has_timing()) {
          bool has_caller = n.caller_start_us != kNoTime && n.caller_duration_us != kNoTime;
          int64_t s = has_caller ? n.caller_start_us : n.start_us;
          int64_t e = s + (has_caller ? n.caller_duration_us : n.duration_us);
          if (s < p.start_us - tol || e > p.end_us() + tol) ++child_outside_parent;
        }
      }
    }
  }

  void shift_subtree(uint32_t i, int64_t delta) {
    built[i].node.start_us += delta;  // the callee half moves; the caller half is on the parent's clock
    for (uint32_t k = i + 1; k < built[i].subtree_end; ++k) {
      CallNode& d = built[k].node;
      if (d.start_us != kNoTime) d.start_us += delta;
      if (d.caller_start_us != kNoTime) d.caller_start_us += delta;
    }
  }

  // 9. Breadth-first layout, children in start order.
  void layout(CallTree& out) {
    const auto n = static_cast<uint32_t>(built.size());
    for (auto& b : built) {
      const CallNode& x = b.node;
      b.sort_start = x.caller_start_us != kNoTime ? x.caller_start_us : (x.start_us != kNoTime ? x.start_us : INT64_MAX);
    }
    // Children of each node (CSR), each list in start order; ties keep the pre-order.
    kid_begin.assign(n + 1, 0);
    for (uint32_t i = 1; i < n; ++i) ++kid_begin[static_cast<size_t>(built[i].node.parent) + 1];
    for (uint32_t i = 0; i < n; ++i) kid_begin[i + 1] += kid_begin[i];
    kid_list.resize(n);
    fill.assign(kid_begin.begin(), kid_begin.end() - 1);
    for (uint32_t i = 1; i < n; ++i) kid_list[fill[static_cast<size_t>(built[i].node.parent)]++] = i;
    for (uint32_t p = 0; p < n; ++p)
      if (kid_begin[p + 1] - kid_begin[p] > 1)
        std::sort(kid_list.begin() + kid_begin[p], kid_list.begin() + kid_begin[p + 1], [&](uint32_t a, uint32_t b) {
          return built[a].sort_start != built[b].sort_start ? built[a].sort_start < built[b].sort_start : a < b;
        });
    layout_breadth_first(
        n, [&](uint32_t i) { return built[i].node; },
        [&](uint32_t i) { return std::span<const uint32_t>(kid_list.data() + kid_begin[i], kid_begin[i + 1] - kid_begin[i]); },
        out.nodes, queue, new_index);
  }

  bool run(RawTrace&& raw, CallTree& out) {
    spans = std::move(raw.spans);
    out.trace_id = raw.trace_id;
    drop_duplicates();
    fill_names();
    split_shared_ids();
    if (spans.empty()) {
      ++traces_dropped_empty;
      return false;
    }
    int32_t root = link();
    if (root < 0) {
      ++traces_dropped_empty;
      return false;
    }
    infer_kinds();
    uint32_t kept = 0;
    for (size_t i = 0; i < spans.size(); ++i)
      if (alive[i]) {
        ++kept;
        if (!spans[i].has_timing()) ++spans_without_timing;
      }
    out.span_count = kept;
    out.sampling_probability = 0;
    for (size_t i = 0; i < spans.size(); ++i)
      if (alive[i] && spans[i].sampling_probability > 0) {
        out.sampling_probability = spans[i].sampling_probability;
        break;
      }
    out.max_span_depth = span_depth(static_cast<uint32_t>(root));
    build_nodes(static_cast<uint32_t>(root));
    out.timing_complete = fix_missing_timing();
    if (!built[0].node.has_timing() && opt.drop_untimed_roots) {
      ++traces_dropped_untimed_root;
      return false;
    }
    fix_skew();
    layout(out);
    return true;
  }
};

Normalizer::Normalizer(Catalog& catalog, Diagnostics& diag, NormalizeOptions options)
    : impl_(std::make_unique<Impl>(catalog, diag, std::move(options))) {}
Normalizer::~Normalizer() = default;
bool Normalizer::run(RawTrace&& raw, CallTree& out) { return impl_->run(std::move(raw), out); }

}  // namespace palette::ingest
