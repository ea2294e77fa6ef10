// Normalization passes, one behaviour each, on hand-built spans.
#include <gtest/gtest.h>

#include "palette/ingest/normalize.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

struct Builder {
  Catalog catalog;
  RawTrace raw{Id128{0, 42}, {}, kNoTime};
  Span& add(uint64_t id, uint64_t parent, const char* service, const char* op, int64_t start, int64_t dur,
            SpanKind kind = SpanKind::unspecified) {
    Span s;
    s.trace_id = raw.trace_id;
    s.span_id = Id128{0, id};
    s.parent_id = Id128{0, parent};
    s.service = catalog.names.intern(service);
    s.operation = catalog.names.intern(op);
    s.start_us = start;
    s.duration_us = dur;
    s.kind = kind;
    raw.spans.push_back(s);
    return raw.spans.back();
  }
  bool run(CallTree& tree, Diagnostics& diag, NormalizeOptions o = {}) {
    Normalizer n(catalog, diag, o);
    return n.run(std::move(raw), tree);
  }
  std::string label(const CallTree& t, size_t i) { return catalog.api_label(t.nodes[i].api); }
};

}  // namespace

TEST(Normalize, ClientAndServerBecomeOneCallWithBothDurations) {
  Builder b;
  b.add(1, 0, "front", "GET /", 0, 100, SpanKind::server);
  b.add(2, 1, "front", "call back", 10, 50, SpanKind::client);
  b.add(3, 2, "back", "serve", 15, 40, SpanKind::server);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.nodes[0].kind, NodeKind::root);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(b.label(t, 1), "back:serve");
  EXPECT_EQ(t.nodes[1].duration_us, 40);
  EXPECT_EQ(t.nodes[1].caller_duration_us, 50);
  EXPECT_EQ(t.nodes[1].caller_start_us, 10);
  EXPECT_EQ(t.nodes[1].depth, 2u);
  EXPECT_EQ(t.span_count, 3u);
  EXPECT_EQ(t.max_span_depth, 3u);
}

TEST(Normalize, ExactDuplicatesAreDroppedAndCounted) {
  Builder b;
  b.add(1, 0, "a", "x", 0, 10, SpanKind::server);
  b.add(1, 0, "a", "x", 0, 10, SpanKind::server);
  b.add(2, 1, "a", "y", 1, 2, SpanKind::internal);
  b.add(2, 1, "a", "y", 1, 2, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("duplicate_spans"), 2u);
  EXPECT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::local);
}

TEST(Normalize, SharedIdSplitsIntoClientAndServerAndReparentsTheServersChildren) {
  Builder b;
  b.add(1, 0, "front", "root", 0, 100, SpanKind::server);
  b.add(5, 1, "front", "get", 10, 60, SpanKind::client);
  b.add(5, 1, "back", "get", 12, 50, SpanKind::server).shared = true;
  b.add(6, 5, "back", "db", 20, 10, SpanKind::client);  // a child of the shared id, in back's process
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("shared_client_server_ids"), 1u);
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(b.label(t, 1), "back:get");
  EXPECT_EQ(t.nodes[1].caller_duration_us, 60);
  EXPECT_EQ(t.nodes[2].parent, 1);  // db is called by back, not by front
  EXPECT_EQ(t.nodes[2].kind, NodeKind::client_only);
}

TEST(Normalize, FragmentsOfOneSideMerge) {
  Builder b;
  b.add(1, 0, "a", "x", 0, 10, SpanKind::server);
  b.add(2, 1, "a", "c", 1, 5, SpanKind::client);
  b.add(2, 1, "a", "c", kNoTime, kNoTime, SpanKind::client);  // annotation-only fragment
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("merged_span_fragments"), 1u);
  EXPECT_EQ(t.nodes.size(), 2u);
  EXPECT_TRUE(t.timing_complete);
}

TEST(Normalize, OrphansAttachOrDropByPolicy) {
  for (auto policy : {OrphanPolicy::attach, OrphanPolicy::drop}) {
    Builder b;
    b.add(1, 0, "a", "root", 0, 100, SpanKind::server);
    b.add(2, 99, "b", "lost", 10, 10, SpanKind::server);  // parent 99 is not in the trace
    b.add(3, 2, "b", "inner", 11, 5, SpanKind::internal);
    CallTree t;
    Diagnostics d;
    NormalizeOptions o;
    o.orphans = policy;
    ASSERT_TRUE(b.run(t, d, o));
    if (policy == OrphanPolicy::attach) {
      EXPECT_EQ(d.count("orphans_attached"), 1u);
      EXPECT_EQ(t.nodes.size(), 3u);
      EXPECT_EQ(t.nodes[1].parent, 0);
    } else {
      EXPECT_EQ(d.count("orphans_dropped"), 1u);
      EXPECT_EQ(d.count("spans_dropped_with_orphans"), 2u);
      EXPECT_EQ(t.nodes.size(), 1u);
    }
  }
}

TEST(Normalize, ParentCyclesAreDroppedNotFollowedForever) {
  Builder b;
  b.add(1, 0, "a", "root", 0, 100, SpanKind::server);
  b.add(2, 3, "a", "x", 1, 1, SpanKind::internal);
  b.add(3, 2, "a", "y", 1, 1, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("spans_in_parent_cycles"), 2u);
  EXPECT_EQ(t.nodes.size(), 1u);
}

TEST(Normalize, KindsAreInferredWhenTheFormatHasNone) {
  // Nezha-like: no kinds. front's span whose only child runs in `back` is a client span.
  Builder b;
  b.add(1, 0, "front", "Recv", 0, 100);
  b.add(2, 1, "front", "Back/Get", 10, 50);
  b.add(3, 2, "back", "grpc.Back/Get", 12, 40);
  b.add(4, 3, "back", "sql.query", 14, 5);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("span_kinds_inferred"), 4u);
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(b.label(t, 1), "back:grpc.Back/Get");
  EXPECT_EQ(t.nodes[2].kind, NodeKind::local);
}

TEST(Normalize, ClockSkewCentresTheServerInItsClientAndMovesItsSubtree) {
  Builder b;
  b.add(1, 0, "front", "root", 0, 1000, SpanKind::server);
  b.add(2, 1, "front", "call", 100, 200, SpanKind::client);
  b.add(3, 2, "back", "serve", 5000, 100, SpanKind::server);  // back's clock is ~4.9 ms ahead
  b.add(4, 3, "back", "work", 5010, 50, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("clock_skew_adjusted"), 1u);
  EXPECT_EQ(t.nodes[1].start_us, 150);  // centred: (200 - 100) / 2 after the client start
  EXPECT_EQ(t.nodes[2].start_us, 160);  // the subtree moved with it
  EXPECT_EQ(d.count("child_outside_parent"), 0u);
}

TEST(Normalize, AsyncChildrenOnTheSameClockAreFlaggedNotMoved) {
  Builder b;
  b.add(1, 0, "a", "root", 0, 100, SpanKind::server);
  b.add(2, 1, "a", "fire-and-forget", 90, 50, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("child_outside_parent"), 1u);
  EXPECT_EQ(t.nodes[1].start_us, 90);
}

TEST(Normalize, MissingCalleeTimingIsFilledFromTheCaller) {
  Builder b;
  b.add(1, 0, "a", "root", 0, 100, SpanKind::server);
  b.add(2, 1, "a", "call", 10, 30, SpanKind::client);
  b.add(3, 2, "b", "serve", kNoTime, kNoTime, SpanKind::server);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("spans_without_timing"), 1u);
  EXPECT_EQ(d.count("timing_filled_from_caller"), 1u);
  EXPECT_EQ(t.nodes[1].duration_us, 30);
  EXPECT_TRUE(t.timing_complete);
}

TEST(Normalize, ClientRootMergesWithTheEntryServer) {
  // Alibaba: the USER -> entry call is recorded on both sides with the same id.
  Builder b;
  b.add(7, 0, "USER", "/api", 0, 100, SpanKind::client);
  b.add(7, 0, "svc", "/api", 0, 90, SpanKind::server);
  b.add(8, 7, "svc", "/db", 10, 20, SpanKind::client).remote_service = b.catalog.names.intern("mysql");
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.nodes[0].kind, NodeKind::root);
  EXPECT_EQ(b.label(t, 0), "svc:/api");
  EXPECT_EQ(t.nodes[0].duration_us, 90);
  EXPECT_EQ(t.nodes[0].caller_duration_us, 100);
  EXPECT_EQ(b.label(t, 1), "mysql:/db");
}

TEST(Normalize, ChildrenAreInStartOrderBreadthFirst) {
  Builder b;
  b.add(1, 0, "a", "root", 0, 100, SpanKind::server);
  b.add(2, 1, "a", "late", 50, 10, SpanKind::internal);
  b.add(3, 1, "a", "early", 10, 10, SpanKind::internal);
  b.add(4, 2, "a", "grandchild", 52, 1, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  ASSERT_EQ(t.nodes.size(), 4u);
  EXPECT_EQ(b.label(t, 1), "a:early");
  EXPECT_EQ(b.label(t, 2), "a:late");
  EXPECT_EQ(b.label(t, 3), "a:grandchild");
  EXPECT_EQ(t.nodes[0].first_child, 1u);
  EXPECT_EQ(t.nodes[0].child_count, 2u);
  EXPECT_EQ(t.nodes[2].first_child, 3u);
  EXPECT_EQ(t.nodes[3].parent, 2);
  EXPECT_EQ(t.max_depth(), 3u);
}

TEST(Normalize, DeepChainsDoNotOverflowTheStack) {
  Builder b;
  const uint64_t n = 200000;
  for (uint64_t i = 1; i <= n; ++i) b.add(i, i - 1, "a", "x", static_cast<int64_t>(i), 1, SpanKind::internal);
  b.raw.spans[0].kind = SpanKind::server;
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(t.nodes.size(), n);
  EXPECT_EQ(t.max_depth(), n);
}

TEST(Normalize, PlaceholdersForMissingNames) {
  Builder b;
  b.add(1, 0, "a", "x", 0, 10, SpanKind::server).service = kNoName;
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("spans_without_service"), 1u);
  EXPECT_EQ(b.label(t, 0), "unknown_service:x");
}

// A record with neither kind nor timing that repeats a half's id and service (84 in the SmartThings
// mobile Zipkin trace) is a piece of that half, not a third span with the id.
TEST(Normalize, KindlessUntimedPieceMergesIntoItsHalf) {
  Builder b;
  b.add(1, 0, "front", "get", 1000, 100, SpanKind::server);
  b.add(2, 1, "back", "handle", kNoTime, kNoTime);
  b.add(2, 1, "front", "call", 1010, 80, SpanKind::client);
  b.add(2, 1, "back", "handle", 1020, 60, SpanKind::server).shared = true;
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("merged_span_fragments"), 1u);
  EXPECT_EQ(d.count("conflicting_span_ids"), 0u);
  EXPECT_EQ(t.span_count, 3u);
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(t.nodes[1].start_us, 1020);
}

// Same side and service but different start times: separate spans (receptions of one message at three
// moments), where pieces of which at most one had a duration used to merge. A lone client's `shared`
// servers all answer it; the id's child goes to the reception that started last before it.
TEST(Normalize, SharedServersOfOneClientAreAllItsCalls) {
  Builder b;
  b.add(1, 0, "bouncer", "post", 1000, 900, SpanKind::server);
  b.add(2, 1, "bouncer", "send", 1100, kNoTime, SpanKind::client);
  for (int k = 0; k < 3; ++k) b.add(2, 1, "pusher", "receive", 1200 + 100 * k, kNoTime, SpanKind::server).shared = true;
  b.add(3, 2, "pusher", "process", 1350, 20, SpanKind::internal);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("merged_span_fragments"), 0u);
  EXPECT_EQ(d.count("shared_client_server_ids"), 3u);
  EXPECT_EQ(d.count("unpaired_shared_fragments"), 0u);
  EXPECT_EQ(d.count("client_spans_with_several_servers"), 1u);
  ASSERT_EQ(t.nodes.size(), 5u);
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(t.nodes[i].kind, NodeKind::rpc);
    EXPECT_EQ(t.nodes[i].parent, 0);
    EXPECT_EQ(t.nodes[i].child_count, t.nodes[i].start_us == 1300 ? 1u : 0u);  // process started at 1350
  }
}

// Without `shared`, extra records of one id still pair up two by two and the rest are counted
// (Alibaba's rpcids seen more than twice).
TEST(Normalize, UnsharedExtraServersStayUnpaired) {
  Builder b;
  b.add(1, 0, "a", "entry", 1000, 900, SpanKind::server);
  b.add(2, 1, "a", "call", 1100, 100, SpanKind::client);
  b.add(2, 1, "b", "serve", 1110, 80, SpanKind::server);
  b.add(2, 1, "b", "serve", 1500, 80, SpanKind::server);
  CallTree t;
  Diagnostics d;
  ASSERT_TRUE(b.run(t, d));
  EXPECT_EQ(d.count("shared_client_server_ids"), 1u);
  EXPECT_EQ(d.count("unpaired_shared_fragments"), 1u);
  EXPECT_EQ(d.count("client_spans_with_several_servers"), 0u);
}
