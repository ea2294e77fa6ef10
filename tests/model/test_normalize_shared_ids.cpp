// Normalization pass 3 (spans that share an id), on spans built by hand: the Zipkin cases found in the
// zipkin-lens traces, and the two-by-two pairing the Alibaba caller/callee rows rely on.
#include <gtest/gtest.h>

#include "palette/ingest/normalize.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

struct Fixture {
  Catalog catalog;
  Diagnostics diag;
  RawTrace raw{Id128{0, 1}, {}, kNoTime};

  Span& add(uint64_t id, uint64_t parent, SpanKind kind, const char* service, const char* op, int64_t start,
            int64_t duration, bool shared = false) {
    Span& s = raw.spans.emplace_back();
    s.trace_id = raw.trace_id;
    s.span_id = Id128{0, id};
    s.parent_id = Id128{0, parent};
    s.kind = kind;
    s.service = catalog.names.intern(service);
    s.operation = catalog.names.intern(op);
    s.start_us = start;
    s.duration_us = duration;
    s.shared = shared;
    return s;
  }
  CallTree run() {
    Normalizer norm(catalog, diag, {});
    CallTree tree;
    EXPECT_TRUE(norm.run(std::move(raw), tree));
    return tree;
  }
  std::string label(const CallTree& t, size_t node) const { return catalog.api_label(t.nodes.at(node).api); }
};

}  // namespace

// Regression: re-parenting the id's children also caught the server half itself (it runs in its own
// service), which became its own parent and so an extra root.
TEST(NormalizeSharedIds, ServerHalfIsTheClientsChildNotItsOwnParent) {
  Fixture f;
  f.add(1, 0, SpanKind::server, "front", "get", 1000, 100);
  f.add(2, 1, SpanKind::client, "front", "call", 1010, 80);
  f.add(2, 1, SpanKind::server, "back", "handle", 1020, 60, true);
  f.add(3, 2, SpanKind::internal, "back", "work", 1030, 10);
  CallTree t = f.run();
  EXPECT_EQ(f.diag.count("extra_roots_attached"), 0u);
  EXPECT_EQ(f.diag.count("shared_client_server_ids"), 1u);
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(f.label(t, 1), "back:handle");
  EXPECT_EQ(f.label(t, 2), "back:work");
  EXPECT_EQ(t.nodes[2].parent, 1);
}

// A record with neither kind nor timing that repeats a half's id and service is a piece of that half.
TEST(NormalizeSharedIds, KindlessUntimedPieceMergesIntoItsHalf) {
  Fixture f;
  f.add(1, 0, SpanKind::server, "front", "get", 1000, 100);
  f.add(2, 1, SpanKind::unspecified, "back", "handle", kNoTime, kNoTime);
  f.add(2, 1, SpanKind::client, "front", "call", 1010, 80);
  f.add(2, 1, SpanKind::server, "back", "handle", 1020, 60, true);
  CallTree t = f.run();
  EXPECT_EQ(f.diag.count("merged_span_fragments"), 1u);
  EXPECT_EQ(f.diag.count("conflicting_span_ids"), 0u);
  EXPECT_EQ(t.span_count, 3u);
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(t.nodes[1].start_us, 1020);
}

// Same side and service but different start times: separate spans (five receptions of one message),
// where the old rule merged any pieces of which at most one had a duration.
TEST(NormalizeSharedIds, SharedServersOfOneClientAreAllItsCalls) {
  Fixture f;
  f.add(1, 0, SpanKind::server, "bouncer", "post", 1000, 900);
  f.add(2, 1, SpanKind::client, "bouncer", "send", 1100, kNoTime);
  for (int k = 0; k < 3; ++k) f.add(2, 1, SpanKind::server, "pusher", "receive", 1200 + 100 * k, kNoTime, true);
  f.add(3, 2, SpanKind::internal, "pusher", "process", 1350, 20);
  CallTree t = f.run();
  EXPECT_EQ(f.diag.count("merged_span_fragments"), 0u);
  EXPECT_EQ(f.diag.count("shared_client_server_ids"), 3u);
  EXPECT_EQ(f.diag.count("unpaired_shared_fragments"), 0u);
  EXPECT_EQ(f.diag.count("client_spans_with_several_servers"), 1u);
  ASSERT_EQ(t.nodes.size(), 5u);
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(t.nodes[i].kind, NodeKind::rpc);
    EXPECT_EQ(t.nodes[i].parent, 0);
    // The child started at 1350: after the receptions at 1200 and 1300, so under the one at 1300.
    EXPECT_EQ(t.nodes[i].child_count, t.nodes[i].start_us == 1300 ? 1u : 0u);
  }
}

// Without `shared`, extra records of one id pair up two by two and the rest are counted (Alibaba's
// rpcids seen more than twice): unchanged.
TEST(NormalizeSharedIds, UnsharedExtraServersStayUnpaired) {
  Fixture f;
  f.add(1, 0, SpanKind::server, "a", "entry", 1000, 900);
  f.add(2, 1, SpanKind::client, "a", "call", 1100, 100);
  f.add(2, 1, SpanKind::server, "b", "serve", 1110, 80);
  f.add(2, 1, SpanKind::server, "b", "serve", 1500, 80);
  CallTree t = f.run();
  EXPECT_EQ(f.diag.count("shared_client_server_ids"), 1u);
  EXPECT_EQ(f.diag.count("unpaired_shared_fragments"), 1u);
  EXPECT_EQ(f.diag.count("client_spans_with_several_servers"), 0u);
}
