// Zipkin v2 JSON reader: the ten zipkin-lens test traces (two of them real SmartThings production
// traces), the shapes and quirks of FORMAT-NOTES.md built inline, and malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "ingest_support.hpp"

using namespace palette;
using namespace palette::ingest;
using test::load_text;
using test::summarize;

namespace {

struct Expected {
  const char* file;
  uint64_t spans, calls, services, apis, edges;
  uint32_t max_depth, max_span_depth;
  const char* root_api;
  std::map<std::string, uint64_t> anomalies;  // every non-zero counter, exactly
};

// Every number below was computed a second time by a separate Python script (stdlib json; its own id
// parsing, fragment merging, shared-id pairing, orphan and call-tree rules, written from the rules in
// normalize.hpp rather than from the C++), which agrees on all of them, anomaly counters included.
//
// Where SOURCE.txt says otherwise, it counts something else:
//  - spans: SOURCE counts records (1041 in the mobile trace); palette counts spans after merging the 84
//    kind-less, untimed records that repeat a server half's id, service and host (the incomplete spans
//    SOURCE mentions) into that server half: 1041 - 84 = 957.
//  - services and (service, operation) pairs: SOURCE counts localEndpoint names of all records (35
//    services, 186 pairs over the ten files, 87 pairs in the mobile trace). palette counts the APIs of
//    the call tree: a client half merged with its server is the server's API, and a client span nobody
//    answered is an API of its remoteEndpoint (app_db, memcache, mysql, blt, kafka, rabbitmq), while
//    yelp's client-only service "unknown" and envoy's missing name (placeholder unknown_service) differ:
//    40 services and 147 APIs over the ten files.
//  - depth: SOURCE's span depths (39 and 33) are max_span_depth; its "service depth" (10, 8, 4) counts
//    service hops, not call-tree levels (max_depth, where a client+server pair is one level).
const Expected kFiles[] = {
    {"ascend.json", 8, 6, 3, 6, 5, 3, 4, "mobile-gateway:get",
     {{"shared_client_server_ids", 2}, {"span_kinds_inferred", 2}, {"client_spans_without_server", 1},
      {"local_spans", 2}, {"clock_skew_adjusted", 1}}},
    {"envoy.json", 1, 1, 1, 1, 0, 1, 1, "unknown_service:localhost:10000", {{"spans_without_service", 1}}},
    {"messaging-kafka.json", 28, 25, 3, 6, 7, 4, 5, "servicea:poll",
     {{"span_kinds_inferred", 12}, {"local_spans", 12}, {"client_spans_without_server", 6},
      {"client_spans_with_several_servers", 3}, {"messaging_calls", 6}, {"child_outside_parent", 21}}},
    {"messaging.json", 4, 3, 2, 3, 2, 3, 4, "frontend:get /",
     {{"span_kinds_inferred", 1}, {"messaging_calls", 1}, {"local_spans", 1}, {"child_outside_parent", 1}}},
    // SOURCE.txt: 6 orphan spans (parents not in the file): attached under the root.
    {"messaging2.json", 11, 11, 5, 10, 10, 3, 3, "mobile-gateway:post",
     {{"orphans_attached", 6}, {"span_kinds_inferred", 3}, {"client_spans_without_server", 5}, {"local_spans", 1},
      {"child_outside_parent", 7}}},
    {"simple-db-p6.json", 5, 5, 2, 3, 2, 2, 2, "bootifulmeters:http:/book", {{"client_spans_without_server", 4}}},
    {"skew.json", 4, 3, 2, 3, 2, 3, 4, "servicea:get",
     {{"shared_client_server_ids", 1}, {"span_kinds_inferred", 1}, {"local_spans", 1}, {"clock_skew_adjusted", 1}}},
    // 294 shared client/server ids (SOURCE.txt), 84 untimed fragments merged, one message sent once and
    // received five times (a client with several servers). A server half without a name takes its client's.
    {"smartthings-mobile-web-install.json", 957, 667, 16, 67, 107, 32, 39, "coreSrv:get /login/tokenauth",
     {{"spans_without_operation", 1}, {"callee_names_from_caller", 1}, {"merged_span_fragments", 84}, {"shared_client_server_ids", 294},
      {"span_kinds_inferred", 3}, {"client_spans_without_server", 338}, {"client_spans_with_several_servers", 1},
      {"local_spans", 3}, {"spans_without_timing", 91}, {"child_outside_parent", 31}, {"clock_skew_adjusted", 15}}},
    {"smartthings-oauth-authorization.json", 175, 134, 8, 53, 75, 24, 33, "datamgmt:get /oauth/authorize",
     {{"spans_without_operation", 6}, {"callee_names_from_caller", 6}, {"shared_client_server_ids", 45}, {"span_kinds_inferred", 3},
      {"client_spans_without_server", 54}, {"client_spans_with_several_servers", 1}, {"local_spans", 3},
      {"spans_without_timing", 19}, {"child_outside_parent", 12}, {"clock_skew_adjusted", 3}}},
    {"yelp.json", 16, 13, 8, 13, 12, 3, 5, "routing:post /location/update/v4",
     {{"shared_client_server_ids", 3}, {"span_kinds_inferred", 1}, {"client_spans_without_server", 8},
      {"client_spans_with_several_servers", 1}}},
};

// A Zipkin span; `extra` is appended inside the object.
std::string zspan(const std::string& id, const std::string& parent, const std::string& kind, const std::string& service,
                  const std::string& name, int64_t ts, int64_t dur, const std::string& extra = "") {
  std::string s = R"({"traceId":"463ac35c9f6413ad","id":")" + id + R"(","name":")" + name + "\"";
  if (!parent.empty()) s += R"(,"parentId":")" + parent + "\"";
  if (!kind.empty()) s += R"(,"kind":")" + kind + "\"";
  if (ts) s += R"(,"timestamp":)" + std::to_string(ts);
  if (dur) s += R"(,"duration":)" + std::to_string(dur);
  if (!service.empty()) s += R"(,"localEndpoint":{"serviceName":")" + service + "\"}";
  return s + extra + "}";
}

// Nodes of a tree with this API label.
std::vector<const CallNode*> nodes_of(const TraceSet& set, const CallTree& t, const std::string& label) {
  std::vector<const CallNode*> out;
  for (const CallNode& n : t.nodes)
    if (set.catalog.api_label(n.api) == label) out.push_back(&n);
  return out;
}

}  // namespace

TEST(ZipkinReader, EachRealFileWithExactCounts) {
  for (const Expected& x : kFiles) {
    SCOPED_TRACE(x.file);
    auto set = load_traces({test::shared_trace(std::string("zipkin-lens-production-samples/") + x.file)}, {});
    auto s = summarize(set);
    EXPECT_EQ(set.report.files.at(0).format, "zipkin");
    EXPECT_TRUE(set.report.files.at(0).detected);
    EXPECT_EQ(s.traces, 1u);
    EXPECT_EQ(s.spans, x.spans);
    EXPECT_EQ(s.calls, x.calls);
    EXPECT_EQ(s.services, x.services);
    EXPECT_EQ(s.apis, x.apis);
    EXPECT_EQ(s.edges, x.edges);
    EXPECT_EQ(s.max_depth, x.max_depth);
    EXPECT_EQ(s.max_span_depth, x.max_span_depth);
    ASSERT_EQ(s.root_apis.size(), 1u);
    EXPECT_EQ(s.root_apis[0].first, x.root_api);
    EXPECT_EQ(set.diag.nonzero(), x.anomalies);
  }
}

TEST(ZipkinReader, TheWholeFolder) {
  auto set = load_traces({test::shared_trace("zipkin-lens-production-samples")}, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.size(), 10u);
  EXPECT_EQ(set.report.skipped_files.size(), 2u);  // README.upstream.md, SOURCE.txt
  EXPECT_EQ(set.report.spans_read, 1293u);         // SOURCE.txt: 1293 spans
  EXPECT_EQ(s.traces, 10u);
  EXPECT_EQ(s.spans, 1209u);
  EXPECT_EQ(s.calls, 868u);
  EXPECT_EQ(s.services, 40u);
  EXPECT_EQ(s.apis, 147u);
  EXPECT_EQ(s.edges, 213u);
}

// The five fragments of FORMAT-NOTES: one Kafka message sent by bouncer and received five times by
// pusher (five server halves reusing the client's id, none with a duration). Five calls, each
// answering the one client, each holding the work that followed it on its host.
TEST(ZipkinReader, FiveServerHalvesOfOneClientInTheOauthTrace) {
  auto set = load_traces({test::shared_trace("zipkin-lens-production-samples/smartthings-oauth-authorization.json")}, {});
  ASSERT_EQ(set.traces.size(), 1u);
  const CallTree& t = set.traces[0];
  auto receives = nodes_of(set, t, "pusher:receive iot-events360");
  ASSERT_EQ(receives.size(), 5u);
  std::vector<uint32_t> children;
  for (const CallNode* n : receives) {
    EXPECT_EQ(n->kind, NodeKind::rpc);
    EXPECT_EQ(n->parent, receives[0]->parent);  // siblings: all calls of the one client
    children.push_back(n->child_count);
    for (uint32_t c = n->first_child; c < n->end_child(); ++c) EXPECT_GE(t.nodes[c].start_us, n->start_us);
  }
  std::sort(children.begin(), children.end());
  EXPECT_EQ(children, (std::vector<uint32_t>{0, 0, 1, 1, 1}));  // three process.* spans, one per reception
  EXPECT_EQ(set.diag.count("merged_span_fragments"), 0u);
  EXPECT_EQ(set.diag.count("unpaired_shared_fragments"), 0u);
}

// --- shapes ---

TEST(ZipkinReader, SingleSpanObject) {
  test::TempDir dir;
  auto set = load_text(dir, "one.json", zspan("a1", "", "SERVER", "web", "get /", 1000, 50));
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "zipkin");
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 1u);
  EXPECT_EQ(s.root_apis.at(0).first, "web:get /");
  EXPECT_EQ(set.traces[0].root().duration_us, 50);
}

// GET /api/v2/traces: a list of traces. A bad span inside a trace is skipped alone.
TEST(ZipkinReader, ListOfTraces) {
  test::TempDir dir;
  std::string t1 = "[" + zspan("a1", "", "SERVER", "web", "get /", 1000, 50) + ",\n" +
                   zspan("a2", "a1", "", "web", "render", 1010, 20) + ",\n" +
                   R"({"traceId":"463ac35c9f6413ad","id":"a3","timestamp":"soon"})" + "]";
  std::string t2 = R"([{"traceId":"0000000000000000000000000000beef","id":"b1","name":"x","timestamp":5,"duration":2}])";
  auto set = load_text(dir, "traces.json", "[" + t1 + ",\n" + t2 + "]");
  auto s = summarize(set);
  EXPECT_EQ(s.traces, 2u);
  EXPECT_EQ(s.spans, 3u);
  EXPECT_EQ(set.report.spans_read, 3u);
  EXPECT_EQ(set.diag.count("malformed.zipkin_span"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  EXPECT_EQ(set.diag.examples()[0].line(), 3);
  EXPECT_NE(std::string(set.diag.examples()[0].what()).find("timestamp"), std::string::npos);
  EXPECT_EQ(set.traces[1].trace_id.hex(), "000000000000beef");
}

// A 128-bit trace id whose high half is zero is the 64-bit id; ids in upper case are the same ids.
TEST(ZipkinReader, IdWidthsAndCase) {
  test::TempDir dir;
  std::string text = R"([{"traceId":"00000000000000004BF92F3577B34DA6","id":"00F067AA0BA902B7","name":"a","kind":"SERVER",)"
                     R"("timestamp":100,"duration":50,"localEndpoint":{"serviceName":"s1"}},)"
                     R"({"traceId":"4bf92f3577b34da6","id":"1","parentId":"00f067aa0ba902b7","name":"b","timestamp":110,)"
                     R"("duration":10,"localEndpoint":{"serviceName":"s1"}},)"
                     R"({"traceId":"14bf92f3577b34da6","id":"2","name":"c","timestamp":100,"duration":5}])";
  auto set = load_text(dir, "ids.json", text);
  ASSERT_EQ(set.traces.size(), 2u);  // the third id has a high half: another trace
  EXPECT_EQ(set.traces[0].span_count, 2u);
  EXPECT_EQ(set.diag.count("orphans_attached"), 0u);
}

// The halves of a shared RPC keep one id; normalization pairs them and hands the id's children to the
// half that runs in their service. (Regression: the server half was made its own parent, turning every
// shared RPC into an extra root.)
TEST(ZipkinReader, SharedClientServerIdIsOneCall) {
  test::TempDir dir;
  std::string text = "[" + zspan("01", "", "SERVER", "front", "get /", 1000, 100) + "," +
                     zspan("02", "01", "CLIENT", "front", "call", 1010, 80, R"(,"remoteEndpoint":{"serviceName":"back"})") +
                     "," + zspan("02", "01", "SERVER", "back", "handle", 1020, 60, R"(,"shared":true)") + "," +
                     zspan("03", "02", "", "back", "db work", 1030, 10) + "," + zspan("04", "02", "", "front", "retry", 1085, 3) + "]";
  auto set = load_text(dir, "shared.json", text);
  auto s = summarize(set);
  ASSERT_EQ(set.traces.size(), 1u);
  const CallTree& t = set.traces[0];
  EXPECT_EQ(set.diag.count("shared_client_server_ids"), 1u);
  EXPECT_EQ(set.diag.count("extra_roots_attached"), 0u);
  EXPECT_EQ(s.node_kinds.at("rpc"), 1u);
  EXPECT_EQ(s.max_depth, 3u);
  auto handle = nodes_of(set, t, "back:handle");
  ASSERT_EQ(handle.size(), 1u);
  EXPECT_EQ(handle[0]->caller_duration_us, 80);
  EXPECT_EQ(handle[0]->duration_us, 60);
  ASSERT_EQ(handle[0]->child_count, 1u);
  EXPECT_EQ(set.catalog.api_label(t.nodes[handle[0]->first_child].api), "back:db work");
  // The client's own in-process child stays with the caller.
  auto retry = nodes_of(set, t, "front:retry");
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0]->parent, 0);
}

// A kind-less, untimed record repeating a server half's id and service (84 of them in the mobile
// trace) is a fragment of that server half, not a third span with the id.
TEST(ZipkinReader, UntimedKindlessFragmentMergesIntoItsHalf) {
  test::TempDir dir;
  std::string text = "[" + zspan("01", "", "SERVER", "front", "get /", 1000, 100) + "," +
                     zspan("02", "01", "", "back", "handle", 0, 0) + "," +
                     zspan("02", "01", "CLIENT", "front", "call", 1010, 80) + "," +
                     zspan("02", "01", "SERVER", "back", "handle", 1020, 60, R"(,"shared":true)") + "]";
  auto set = load_text(dir, "fragment.json", text);
  auto s = summarize(set);
  EXPECT_EQ(set.diag.count("merged_span_fragments"), 1u);
  EXPECT_EQ(set.diag.count("conflicting_span_ids"), 0u);
  EXPECT_EQ(set.diag.count("spans_without_timing"), 0u);
  EXPECT_EQ(s.spans, 3u);
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.node_kinds.at("rpc"), 1u);
}

// Five server halves with one id, at five moments, no durations: five receptions of one message, each
// with the work that followed it (the child goes to the reception that started last before it).
TEST(ZipkinReader, FiveFragmentsWithOneId) {
  test::TempDir dir;
  std::string text = "[" + zspan("01", "", "SERVER", "bouncer", "post", 1000, 900) + "," +
                     zspan("0a", "01", "CLIENT", "bouncer", "send", 1100, 0);
  for (int k = 0; k < 5; ++k)
    text += "," + zspan("0a", "01", "SERVER", "pusher", "receive", 1200 + 100 * k, 0, R"(,"shared":true)");
  text += "," + zspan("0b", "0a", "", "pusher", "process", 1450, 20) + "]";
  auto set = load_text(dir, "five.json", text);
  auto s = summarize(set);
  ASSERT_EQ(set.traces.size(), 1u);
  const CallTree& t = set.traces[0];
  EXPECT_EQ(set.diag.count("merged_span_fragments"), 0u);
  EXPECT_EQ(set.diag.count("shared_client_server_ids"), 5u);
  EXPECT_EQ(set.diag.count("client_spans_with_several_servers"), 1u);
  EXPECT_EQ(set.diag.count("unpaired_shared_fragments"), 0u);
  EXPECT_EQ(s.spans, 8u);
  auto receives = nodes_of(set, t, "pusher:receive");
  ASSERT_EQ(receives.size(), 5u);
  for (const CallNode* n : receives) {
    EXPECT_EQ(n->kind, NodeKind::rpc);
    EXPECT_EQ(n->parent, 0);
    EXPECT_EQ(n->child_count, n->start_us == 1400 ? 1u : 0u);  // 1450 follows the reception at 1400
  }
}

// Spans without timestamp or duration (0 counts as unset): a server half takes its client's timing.
TEST(ZipkinReader, MissingTimestamps) {
  test::TempDir dir;
  std::string text = "[" + zspan("01", "", "SERVER", "front", "get /", 1000, 100) + "," +
                     zspan("02", "01", "CLIENT", "front", "call", 1010, 80) + "," +
                     zspan("02", "01", "SERVER", "back", "handle", 0, 0, R"(,"shared":true,"timestamp":0)") + "]";
  auto set = load_text(dir, "untimed.json", text);
  ASSERT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("spans_without_timing"), 1u);
  EXPECT_EQ(set.diag.count("timing_filled_from_caller"), 1u);
  auto handle = nodes_of(set, set.traces[0], "back:handle");
  ASSERT_EQ(handle.size(), 1u);
  EXPECT_EQ(handle[0]->start_us, 1010);
  EXPECT_EQ(handle[0]->duration_us, 80);
  EXPECT_TRUE(set.traces[0].timing_complete);
}

// The "error" tag marks a failed span whatever its value; names may be any Unicode; annotations,
// debug flags, endpoints without a service and unknown fields are read past.
TEST(ZipkinReader, ErrorTagUnicodeAndIgnoredFields) {
  test::TempDir dir;
  std::string text = "[" +
                     zspan("01", "", "SERVER", "front", "\\u83b7\\u53d6 /caf\\u00e9", 1000, 100,
                           R"(,"tags":{"error":"","http.path":"/x"},"annotations":[{"timestamp":1001,"value":"ws"}],"debug":true)") +
                     "," + zspan("02", "01", "CLIENT", "", "call", 1010, 80, R"(,"remoteEndpoint":{"ipv4":"10.0.0.1"},"x":{"y":[1]})") +
                     "]";
  auto set = load_text(dir, "misc.json", text);
  ASSERT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("malformed.zipkin_span"), 0u);
  const CallTree& t = set.traces[0];
  EXPECT_TRUE(t.root().error);
  EXPECT_EQ(set.catalog.api_label(t.root().api), "front:\xe8\x8e\xb7\xe5\x8f\x96 /caf\xc3\xa9");
  EXPECT_EQ(set.diag.count("spans_without_service"), 1u);
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_FALSE(t.nodes[1].error);
  EXPECT_EQ(set.catalog.api_label(t.nodes[1].api), "unknown_service:call");  // no remote service name either
}

TEST(ZipkinReader, Detection) {
  const auto& reg = ReaderRegistry::builtin();
  EXPECT_EQ(reg.detect(zspan("01", "", "SERVER", "front", "get /", 1000, 100), "a.json").name, "zipkin");
  EXPECT_EQ(reg.detect(R"([{"traceId":"ab","id":"01","timestamp":1}])", "b.json").name, "zipkin");
  EXPECT_EQ(reg.detect(R"([[{"traceId":"ab","id":"01","localEndpoint":{}}]])", "c.json").name, "zipkin");
  EXPECT_EQ(reg.find("zipkin")->sniff(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"ab","spanId":"1"}]}]}]})"), 0);
  EXPECT_EQ(reg.find("zipkin")->sniff(R"({"data":[{"traceID":"ab","spans":[]}]})"), 0);
}

// --- malformed input ---

TEST(ZipkinReader, TruncatedFileKeepsTheCompleteSpans) {
  test::TempDir dir;
  std::string a = zspan("01", "", "SERVER", "front", "get /", 1000, 100);
  std::string b = zspan("02", "01", "", "front", "work", 1010, 10);
  auto set = load_text(dir, "cut.json", "[\n" + a + ",\n" + b + ",\n" + b.substr(0, 30));
  EXPECT_EQ(set.report.spans_read, 2u);
  EXPECT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("malformed.zipkin_span"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  EXPECT_EQ(set.diag.examples()[0].file(), dir.file("cut.json"));
  EXPECT_EQ(set.diag.examples()[0].line(), 4);
}

TEST(ZipkinReader, WrongTypesAreSkippedWithFileAndLine) {
  test::TempDir dir;
  const std::string bad[] = {
      R"({"traceId":"ab","id":"02","timestamp":"soon"})",
      R"({"traceId":"ab","id":5})",
      R"({"traceId":"ab","id":"03","localEndpoint":"front"})",
      R"({"traceId":"ab","id":"04","tags":["error"]})",
      R"({"traceId":"ab","id":"05","duration":-3})",
      R"({"traceId":"ab","name":"no id"})",
      R"({"traceId":"ab","id":"06","shared":"yes"})",
      R"(17)",
  };
  std::string text = "[" + zspan("01", "", "SERVER", "front", "get /", 1000, 100);
  for (const auto& b : bad) text += ",\n" + b;
  auto set = load_text(dir, "types.json", text + "]");
  EXPECT_EQ(set.report.spans_read, 1u);
  EXPECT_EQ(set.diag.count("malformed.zipkin_span"), std::size(bad));
  ASSERT_EQ(set.diag.examples().size(), std::size(bad));
  for (size_t i = 0; i < std::size(bad); ++i) {
    EXPECT_EQ(set.diag.examples()[i].line(), static_cast<int64_t>(i) + 2);
    EXPECT_NE(std::string(set.diag.examples()[i].what()).find("types.json:" + std::to_string(i + 2) + ": "),
              std::string::npos);
  }
  Error e = test::strict_error(dir, "types2.json", text + "]");
  EXPECT_EQ(e.kind(), ErrorKind::malformed);
  EXPECT_EQ(e.file(), dir.file("types2.json"));
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("timestamp"), std::string::npos);
}

TEST(ZipkinReader, EmptyFileAndGarbage) {
  test::TempDir dir;
  auto empty = load_text(dir, "empty.json", "", false, "zipkin");
  EXPECT_EQ(empty.diag.count("malformed.zipkin_span"), 1u);
  Error e = test::strict_error(dir, "empty2.json", "\n\n", "zipkin");
  EXPECT_EQ(e.file(), dir.file("empty2.json"));
  EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  // An empty list is a file with no spans, not an error.
  auto none = load_text(dir, "none.json", "[]", true, "zipkin");
  EXPECT_EQ(none.traces.size(), 0u);

  const char bytes[] = "\0\x01garbage\xff[[{\"id\":";
  auto garbage = load_text(dir, "garbage.json", std::string(bytes, sizeof bytes - 1), false, "zipkin");
  EXPECT_EQ(garbage.traces.size(), 0u);
  EXPECT_GE(garbage.diag.count("malformed.zipkin_span"), 1u);
  try {
    load_text(dir, "garbage2.json", std::string(bytes, sizeof bytes - 1));
    FAIL() << "garbage named on the command line is an error";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::unknown_format);
    EXPECT_EQ(err.file(), dir.file("garbage2.json"));
  }
}

// Regression: times near the int64 limits overflowed end = start + duration (and the assembler's
// watermark arithmetic), undefined behaviour that UBSan reported on the fuzz build. Times beyond
// ±kMaxTimeUs are now missing, and counted.
TEST(ZipkinReader, ImpossibleTimesAreMissingAndCounted) {
  test::TempDir dir;
  std::string text = "[" + zspan("01", "", "SERVER", "front", "get /", 1000, 100) + "," +
                     zspan("02", "01", "", "front", "late", 9000000000000000000, 9000000000000000000) + "," +
                     zspan("03", "01", "", "front", "long", 1010, 9100000000000000000) + "]";
  auto set = load_text(dir, "huge.json", text);
  ASSERT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("spans_with_impossible_timing"), 2u);
  EXPECT_EQ(set.diag.count("spans_without_timing"), 2u);
  EXPECT_EQ(set.traces[0].span_count, 3u);
  auto lng = nodes_of(set, set.traces[0], "front:long");
  ASSERT_EQ(lng.size(), 1u);
  EXPECT_EQ(lng[0]->start_us, 1010);  // the start was possible: kept
  EXPECT_EQ(lng[0]->duration_us, kNoTime);
}

// Zipkin v1 (annotations, binaryAnnotations): a frontend server span, its call to a backend recorded
// as one v1 span with the client (cs/cr, frontend) and server (sr/ss, backend) annotations, and a local
// span of the backend ("lc"); a v2 span with event annotations stays v2.
TEST(ZipkinReader, VersionOneSpans) {
  test::TempDir dir;
  auto ep = [](const std::string& service) { return R"({"serviceName":")" + service + R"(","ipv4":"10.0.0.1"})"; };
  auto ann = [&](int64_t at, const std::string& value, const std::string& service) {
    return R"({"timestamp":)" + std::to_string(at) + R"(,"value":")" + value + R"(","endpoint":)" + ep(service) + "}";
  };
  const std::string t = R"("traceId":"a1b2c3d4e5f60718")";
  const std::string text = std::string("[[") +
      // root: the frontend serves GET /
      "{" + t + R"(,"id":"0000000000000001","name":"get /","timestamp":1000,"duration":9000,"annotations":[)" +
      ann(1000, "sr", "frontend") + "," + ann(10000, "ss", "frontend") + "]}," +
      // the call: client half at the frontend, server half at the backend, one v1 span
      "{" + t + R"(,"id":"0000000000000002","parentId":"0000000000000001","name":"query","timestamp":2000,"duration":5000,"annotations":[)" +
      ann(2000, "cs", "frontend") + "," + ann(2500, "sr", "backend") + "," + ann(6500, "ss", "backend") + "," +
      ann(7000, "cr", "frontend") + R"(],"binaryAnnotations":[{"key":"sa","value":true,"endpoint":)" + ep("backend") + "}]}," +
      // local work inside the backend
      "{" + t + R"(,"id":"0000000000000003","parentId":"0000000000000002","name":"compute","timestamp":3000,"duration":1000,)" +
      R"("binaryAnnotations":[{"key":"lc","value":"compute","endpoint":)" + ep("backend") + "}]}" + "]]";
  auto set = load_text(dir, "v1.json", text);
  ASSERT_EQ(set.report.files.at(0).format, "zipkin");
  auto s = summarize(set);
  EXPECT_EQ(set.report.spans_read, 4u);  // the call's span is two halves
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.services, 2u);
  EXPECT_EQ(set.diag.count("spans_without_service"), 0u);
  const CallTree& tree = set.traces.at(0);
  EXPECT_EQ(set.catalog.api_label(tree.root().api), "frontend:get /");
  EXPECT_EQ(tree.root().duration_us, 9000);
  ASSERT_GE(tree.nodes.size(), 2u);
  const CallNode& call = tree.nodes[1];
  EXPECT_EQ(set.catalog.api_label(call.api), "backend:query");
  EXPECT_EQ(call.duration_us, 4000);         // sr -> ss
  EXPECT_EQ(call.caller_duration_us, 5000);  // cs -> cr
  ASSERT_EQ(tree.nodes.size(), 3u);
  EXPECT_EQ(tree.nodes[2].kind, NodeKind::local);  // "lc": in-process work of the backend, below its call
  EXPECT_EQ(set.catalog.api_label(tree.nodes[2].api), "backend:compute");

  // The same call as two v1 records with one id (client and server reported apart): one call again.
  const std::string split = std::string("[") +
      "{" + t + R"(,"id":"0000000000000001","name":"get /","annotations":[)" + ann(1000, "sr", "frontend") + "," +
      ann(10000, "ss", "frontend") + "]}," +
      "{" + t + R"(,"id":"0000000000000002","parentId":"0000000000000001","name":"query","annotations":[)" +
      ann(2000, "cs", "frontend") + "," + ann(7000, "cr", "frontend") + "]}," +
      "{" + t + R"(,"id":"0000000000000002","parentId":"0000000000000001","name":"query","annotations":[)" +
      ann(2500, "sr", "backend") + "," + ann(6500, "ss", "backend") + "]}]";
  auto set3 = load_text(dir, "v1-split.json", split);
  ASSERT_EQ(set3.traces.size(), 1u);
  ASSERT_EQ(set3.traces[0].nodes.size(), 2u);
  EXPECT_EQ(set3.traces[0].nodes[1].kind, NodeKind::rpc);
  EXPECT_EQ(set3.traces[0].nodes[1].duration_us, 4000);
  EXPECT_EQ(set3.traces[0].nodes[1].caller_duration_us, 5000);

  // A v2 span with event annotations ("wr") keeps its v2 kind and endpoint.
  const std::string v2 = R"([{"traceId":"0f","id":"01","name":"x","kind":"SERVER","timestamp":5,"duration":10,)"
                         R"("localEndpoint":{"serviceName":"svc"},"annotations":[{"timestamp":6,"value":"wr"}]}])";
  auto set2 = load_text(dir, "v2.json", v2);
  ASSERT_EQ(set2.traces.size(), 1u);
  EXPECT_EQ(set2.catalog.api_label(set2.traces[0].root().api), "svc:x");
  EXPECT_EQ(set2.report.spans_read, 1u);
}
