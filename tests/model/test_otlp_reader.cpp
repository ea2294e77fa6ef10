// OTLP JSON reader: the two real OTLP fixtures (the OpenTelemetry example and the input of Jaeger's
// OTLP->Jaeger conversion test), every quirk of FORMAT-NOTES.md built inline, and malformed input.
//
// Expected counts were checked with a separate Python script (stdlib json, its own id parsing, grouping,
// de-duplication and call-tree rules), which agrees on every count and anomaly counter asserted here.
#include <gtest/gtest.h>

#include "ingest_support.hpp"

using namespace palette;
using namespace palette::ingest;
using test::load_text;
using test::summarize;

namespace {

// One span as OTLP JSON; `extra` is appended inside the object (attributes, status, ...).
std::string span(const std::string& trace, const std::string& id, const std::string& parent, const std::string& name,
                 int kind, const std::string& start_ns, const std::string& end_ns, const std::string& extra = "") {
  std::string s = R"({"traceId":")" + trace + R"(","spanId":")" + id + R"(","name":")" + name + "\"";
  if (!parent.empty()) s += R"(,"parentSpanId":")" + parent + "\"";
  if (kind) s += R"(,"kind":)" + std::to_string(kind);
  if (!start_ns.empty()) s += R"(,"startTimeUnixNano":")" + start_ns + "\"";
  if (!end_ns.empty()) s += R"(,"endTimeUnixNano":")" + end_ns + "\"";
  return s + extra + "}";
}

// One resourceSpans element of a service (no service.name when `service` is empty).
std::string resource(const std::string& service, const std::string& spans, const std::string& scope_key = "scopeSpans") {
  std::string attrs = service.empty() ? "" : R"({"key":"service.name","value":{"stringValue":")" + service + "\"}}";
  return R"({"resource":{"attributes":[)" + attrs + R"(]},")" + scope_key + R"(":[{"scope":{"name":"lib"},"spans":[)" +
         spans + "]}]}";
}

std::string document(const std::string& resources) { return R"({"resourceSpans":[)" + resources + "]}"; }

const std::string kTrace = "0af7651916cd43dd8448eb211c80319c";

}  // namespace

// otlp_example_trace.json: one server span whose parent is not in the file; ids in upper case.
TEST(OtlpReader, OpenTelemetryExampleTrace) {
  auto set = load_traces({test::shared_trace("format-fixtures-otlp-jaeger/otlp_example_trace.json")}, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_TRUE(set.report.files.at(0).detected);
  EXPECT_EQ(set.report.spans_read, 1u);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 1u);
  EXPECT_EQ(s.services, 1u);
  EXPECT_EQ(s.apis, 1u);
  EXPECT_EQ(s.max_depth, 1u);
  EXPECT_EQ(set.diag.count("traces_missing_root"), 1u);  // its parent EEE19B7EC3C1B173 is not in the file
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 0u);
  ASSERT_EQ(s.root_apis.size(), 1u);
  EXPECT_EQ(s.root_apis[0].first, "my.service:I'm a server span");
  const CallTree& t = set.traces.at(0);
  EXPECT_EQ(t.trace_id.hex(), "5b8efff798038103d269b633813fc60c");  // upper case read as the same number
  EXPECT_EQ(t.root().start_us, 1544712660000000);
  EXPECT_EQ(t.root().duration_us, 1000000);  // 1 s of nanoseconds
}

// The input of Jaeger's conversion test lists one span twice; its parent is not in the file.
TEST(OtlpReader, JaegerConversionInputIsOneDuplicatedOrphan) {
  auto set = load_traces({test::shared_trace("format-fixtures-otlp-jaeger/jaeger_otlp2jaeger-in.otlp.json")}, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_EQ(set.report.spans_read, 2u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 1u);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 1u);
  EXPECT_EQ(s.services, 1u);
  EXPECT_EQ(s.apis, 1u);
  EXPECT_EQ(s.max_depth, 1u);
  EXPECT_EQ(set.diag.count("traces_missing_root"), 1u);
  ASSERT_EQ(s.root_apis.size(), 1u);
  EXPECT_EQ(s.root_apis[0].first, "telemetrygen:okey-dokey-0");
  EXPECT_EQ(set.traces.at(0).root().duration_us, 123);  // 209712000 -> 209835000 ns
}

// Jaeger's conversion pair is the same span in two formats: read together they are one span, so both
// readers agree on ids, service, operation, kind and µs times.
TEST(OtlpReader, AgreesWithTheJaegerSideOfTheConversionFixture) {
  auto set = load_traces({test::shared_trace("format-fixtures-otlp-jaeger/jaeger_otlp2jaeger-in.otlp.json"),
                          test::shared_trace("format-fixtures-otlp-jaeger/jaeger_otlp2jaeger-out.jaeger.json")},
                         {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_EQ(set.report.files.at(1).format, "jaeger");
  EXPECT_EQ(set.report.spans_read, 4u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 3u);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 1u);
}

TEST(OtlpReader, UpperCaseIdsAreTheSameIdsAsLowerCase) {
  test::TempDir dir;
  std::string upper = "0AF7651916CD43DD8448EB211C80319C";
  auto set = load_text(dir, "case.json",
                       document(resource("front", span(upper, "B7AD6B7169203331", "", "GET /", 2, "1000000", "9000000")) + "," +
                                resource("back", span(kTrace, "00f067aa0ba902b7", "b7ad6b7169203331", "get", 2, "2000000",
                                                      "3000000"))));
  auto s = summarize(set);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(s.max_span_depth, 2u);
  EXPECT_EQ(set.diag.count("orphans_attached"), 0u);
  EXPECT_EQ(set.traces.at(0).trace_id.hex(), kTrace);
}

// A 128-bit id whose high half is zero is its own id, not the truncation of another.
TEST(OtlpReader, TraceIdsWithZeroHighHalfAreNotTruncated) {
  test::TempDir dir;
  auto set = load_text(dir, "ids.json",
                       document(resource("svc", span("00000000000000000000000000000abc", "01", "", "a", 2, "1000", "5000") + "," +
                                                    span("00000000000000010000000000000abc", "01", "", "a", 2, "1000", "5000"))));
  ASSERT_EQ(set.traces.size(), 2u);
  EXPECT_EQ(set.traces[0].trace_id.hex(), "0000000000000abc");
  EXPECT_EQ(set.traces[1].trace_id.hex(), "00000000000000010000000000000abc");
}

TEST(OtlpReader, EmptyParentSpanIdIsARoot) {
  test::TempDir dir;
  auto set = load_text(dir, "root.json",
                       document(resource("svc", span(kTrace, "01", "", "root", 2, "1000", "9000", R"(,"parentSpanId":"")") +
                                                    "," + span(kTrace, "02", "01", "child", 1, "2000", "3000"))));
  auto s = summarize(set);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(set.diag.count("traces_missing_root"), 0u);
  EXPECT_EQ(set.diag.count("orphans_attached"), 0u);
  EXPECT_EQ(s.root_apis.at(0).first, "svc:root");
}

TEST(OtlpReader, MissingServiceNameGetsThePlaceholderAndIsCounted) {
  test::TempDir dir;
  auto set = load_text(dir, "nosvc.json", document(resource("", span(kTrace, "01", "", "op", 2, "1000", "2000"))));
  auto s = summarize(set);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(set.diag.count("spans_without_service"), 1u);
  EXPECT_EQ(s.root_apis.at(0).first, "unknown_service:op");
}

TEST(OtlpReader, OlderInstrumentationLibrarySpans) {
  test::TempDir dir;
  auto set = load_text(dir, "old.json",
                       document(resource("legacy", span(kTrace, "01", "", "op", 2, "1000", "2000") + "," +
                                                       span(kTrace, "02", "01", "inner", 1, "1200", "1800"),
                                         "instrumentationLibrarySpans")));
  auto s = summarize(set);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(s.services, 1u);
  EXPECT_EQ(s.max_depth, 2u);
  EXPECT_EQ(s.node_kinds.at("local"), 1u);
}

// JSON lines, a trace continued on a later line, in a file not named .json: detected and joined.
TEST(OtlpReader, JsonLinesWithATraceSplitOverTwoLines) {
  test::TempDir dir;
  std::string other = "11111111111111111111111111111111";
  std::string text = document(resource("front", span(kTrace, "01", "", "GET /", 2, "1000000", "9000000"))) + "\n" +
                     document(resource("front", span(other, "01", "", "GET /", 2, "1000000", "2000000"))) + "\n" +
                     document(resource("back", span(kTrace, "02", "01", "get", 2, "2000000", "3000000"))) + "\n";
  auto set = load_text(dir, "export.otlp", text);
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_EQ(s.traces, 2u);
  EXPECT_EQ(s.spans, 3u);
  EXPECT_EQ(s.services, 2u);
  EXPECT_EQ(s.max_depth, 2u);
  EXPECT_EQ(set.diag.count("orphans_attached"), 0u);
  EXPECT_EQ(s.node_kinds.at("server_only"), 1u);  // the back-end span, called without a client span
}

TEST(OtlpReader, JaegerApiV3ResultWrapper) {
  test::TempDir dir;
  std::string text = R"({"result":{"resourceSpans":[)" + resource("svc", span(kTrace, "01", "", "op", 2, "1000", "2000")) +
                     "," + resource("db", span(kTrace, "02", "01", "query", 2, "1200", "1500")) + "]}}";
  auto set = load_text(dir, "v3.json", text);
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(s.services, 2u);
}

// Proto3 JSON: enum names or numbers, times as strings or numbers, omitted zero values; ns -> µs rounds
// to the nearest.
TEST(OtlpReader, ValueEncodingsAndOmittedFields) {
  test::TempDir dir;
  std::string spans =
      R"({"traceId":")" + kTrace + R"(","spanId":"01","name":"root","kind":"SPAN_KIND_SERVER",)"
      R"("startTimeUnixNano":1000499,"endTimeUnixNano":"9000500","status":{"code":"STATUS_CODE_ERROR"}},)" +
      span(kTrace, "02", "01", "call", 3, "2000000", "3000000",
           R"(,"attributes":[{"key":"peer.service","value":{"stringValue":"payments"}},)"
           R"({"key":"http.status_code","value":{"intValue":"503"}},{"key":"ratio","value":{"doubleValue":"NaN"}},)"
           R"({"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}},{"value":{"boolValue":true},"key":"flag"}])") +
      "," + span(kTrace, "03", "01", "untimed", 1, "", "") + "," +
      span(kTrace, "04", "01", "failed", 1, "4000000", "5000000", R"(,"status":{"code":2,"message":"boom"})");
  auto set = load_text(dir, "enc.json", document(resource("svc", spans)));
  ASSERT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 0u);
  const CallTree& t = set.traces[0];
  EXPECT_EQ(t.root().start_us, 1000);        // 1000499 ns
  EXPECT_EQ(t.root().duration_us, 9001 - 1000);  // 9000500 ns rounds up
  EXPECT_TRUE(t.root().error);
  EXPECT_EQ(set.diag.count("spans_without_timing"), 1u);
  ASSERT_EQ(t.nodes.size(), 4u);
  int errors = 0, client_only = 0;
  for (const CallNode& n : t.nodes) {
    errors += n.error;
    if (n.kind == NodeKind::client_only) {
      ++client_only;
      EXPECT_EQ(set.catalog.api_label(n.api), "payments:call");  // peer.service names the callee
      EXPECT_TRUE(n.error);                                       // intValue "503"
    }
  }
  EXPECT_EQ(client_only, 1);
  EXPECT_EQ(errors, 3);
}

TEST(OtlpReader, DetectionPrefersOtlpOverZipkinAndJaeger) {
  const auto& reg = ReaderRegistry::builtin();
  std::string doc = document(resource("svc", span(kTrace, "01", "", "op", 2, "1", "2")));
  EXPECT_EQ(reg.detect(doc, "a.json").name, "otlp");
  EXPECT_EQ(reg.detect(R"({"result":{"resourceSpans":[]}})", "b.json").name, "otlp");
  EXPECT_EQ(reg.find("otlp")->sniff(R"([{"traceId":"ab","id":"01","timestamp":1}])"), 0);
}

// --- malformed input: skipped and counted with the file and line, or thrown in strict mode ---

TEST(OtlpReader, TruncatedFileKeepsTheCompleteResourcesAndCountsTheCut) {
  test::TempDir dir;
  std::string r1 = resource("a", span(kTrace, "01", "", "op", 2, "1000", "2000"));
  std::string r2 = resource("b", span(kTrace, "02", "01", "op", 2, "1100", "1900"));
  auto set = load_text(dir, "cut.json", "{\"resourceSpans\":[\n" + r1 + ",\n" + r2 + ",\n" + r2.substr(0, 60));
  auto s = summarize(set);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  EXPECT_EQ(set.diag.examples()[0].file(), dir.file("cut.json"));
  EXPECT_EQ(set.diag.examples()[0].line(), 4);
}

// A value of the wrong type skips its resourceSpans element; the error gives the line of that value
// inside a pretty-printed document, not just where the element starts.
TEST(OtlpReader, WrongTypeNamesTheFileAndTheLineOfTheValue) {
  test::TempDir dir;
  std::string good = resource("a", span(kTrace, "01", "", "op", 2, "1000", "2000"));
  std::string text = "{\n\"resourceSpans\": [\n" + good + ",\n{\n  \"resource\": {},\n  \"scopeSpans\": [{\n    \"spans\": [{\n" +
                     "      \"spanId\": \"02\",\n      \"startTimeUnixNano\": \"soon\"\n    }]\n  }]\n}\n]}\n";
  auto set = load_text(dir, "types.json", text);
  EXPECT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  const Error& e = set.diag.examples()[0];
  EXPECT_EQ(e.line(), 10);
  EXPECT_NE(std::string(e.what()).find("types.json:10: "), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("startTimeUnixNano"), std::string::npos) << e.what();

  Error strict = test::strict_error(dir, "types2.json", text);
  EXPECT_EQ(strict.kind(), ErrorKind::malformed);
  EXPECT_EQ(strict.file(), dir.file("types2.json"));
  EXPECT_EQ(strict.line(), 10);
}

TEST(OtlpReader, MalformedSpansSkipTheirResourceOnly) {
  test::TempDir dir;
  std::string good = resource("a", span(kTrace, "01", "", "op", 2, "1000", "2000"));
  const std::string bad[] = {
      resource("b", span(kTrace, "02", "01", "op", 2, "5000", "4000")),               // ends before it starts
      resource("b", R"({"traceId":")" + kTrace + R"(","name":"no id"})"),            // no spanId
      R"({"resource":{},"scopeSpans":{"spans":[]}})",                                  // object for an array
      resource("b", span(kTrace, "03", "01", "op", 2, "1000", "2000", R"(,"kind":[])")),  // kind of no type
      resource("b", span(kTrace, "04", "01", "op", 2, "-5", "2000")),                 // negative time
      R"({"resource":{"attributes":[{"key":"service.name","value":"plain"}]},"scopeSpans":[]})",  // AnyValue not an object
      R"("a string")",
  };
  std::string text = "{\"resourceSpans\":[" + good;
  for (const auto& b : bad) text += ",\n" + b;
  auto set = load_text(dir, "bad.json", text + "]}");
  EXPECT_EQ(set.traces.size(), 1u);
  EXPECT_EQ(set.report.spans_read, 1u);
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), std::size(bad));
  ASSERT_EQ(set.diag.examples().size(), std::size(bad));
  for (size_t i = 0; i < std::size(bad); ++i) EXPECT_EQ(set.diag.examples()[i].line(), static_cast<int64_t>(i) + 2);
  EXPECT_NE(std::string(set.diag.examples()[0].what()).find("before startTimeUnixNano"), std::string::npos);
}

TEST(OtlpReader, EmptyFile) {
  test::TempDir dir;
  // Named explicitly: an error naming the file.
  try {
    load_text(dir, "empty.json", "");
    FAIL() << "an empty file named on the command line is an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unknown_format);
    EXPECT_EQ(e.file(), dir.file("empty.json"));
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
  // Forced format: one malformed record, counted; strict mode stops at it.
  auto set = load_text(dir, "empty2.json", " \n", false, "otlp");
  EXPECT_EQ(set.traces.size(), 0u);
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 1u);
  Error e = test::strict_error(dir, "empty3.json", "", "otlp");
  EXPECT_EQ(e.file(), dir.file("empty3.json"));
  EXPECT_EQ(e.line(), 1);
}

TEST(OtlpReader, BinaryGarbageAndOtherJson) {
  test::TempDir dir;
  const char bytes[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe{[\"";
  std::string garbage(bytes, sizeof bytes - 1);
  try {
    load_text(dir, "garbage.bin", garbage);
    FAIL() << "garbage named on the command line is an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unknown_format);
    EXPECT_EQ(e.file(), dir.file("garbage.bin"));
  }
  auto set = load_text(dir, "garbage2.bin", garbage, false, "otlp");
  EXPECT_EQ(set.traces.size(), 0u);
  EXPECT_GE(set.diag.count("malformed.otlp_resource_spans"), 1u);
  // JSON that is not OTLP, forced: a clear message.
  auto other = load_text(dir, "other.json", R"({"traces":[]})", false, "otlp");
  EXPECT_EQ(other.diag.count("malformed.otlp_resource_spans"), 1u);
  ASSERT_EQ(other.diag.examples().size(), 1u);
  EXPECT_NE(std::string(other.diag.examples()[0].what()).find("not OTLP JSON"), std::string::npos);
}

// Grafana Tempo's download ({"batches":[...]}, the older instrumentationLibrarySpans, base64 ids as in
// protobuf's own JSON mapping, kinds as enum names): a trace of a client span in one service and the
// server span it caused in another, detected as OTLP and linked into one call.
TEST(OtlpReader, GrafanaTempoDownload) {
  test::TempDir dir;
  // Base64 of 16-byte trace and 8-byte span ids (made up for this test).
  const std::string trace = "AAAAAAAAAABhdGVzdCtpZA==", root = "cm9vdHNwYW4=", child = "Y2hpbGQrLzE=";
  const std::string text =
      R"({"batches":[)" +
      resource("web",
               span(trace, root, "", "GET /home", 0, "1627471657255000000", "1627471657265000000",
                    R"(,"kind":"SPAN_KIND_SERVER")") + "," +
               span(trace, "Y2xpZW50MDE=", root, "call db", 0, "1627471657256000000", "1627471657263000000",
                    R"(,"kind":"SPAN_KIND_CLIENT")"),
               "instrumentationLibrarySpans") +
      "," +
      resource("db",
               span(trace, child, "Y2xpZW50MDE=", "query", 0, "1627471657257000000", "1627471657262000000",
                    R"(,"kind":"SPAN_KIND_SERVER")"),
               "instrumentationLibrarySpans") +
      "]}";
  auto set = load_text(dir, "tempo-trace.json", text);
  ASSERT_EQ(set.report.files.at(0).format, "otlp");
  EXPECT_TRUE(set.report.files.at(0).detected);
  auto s = summarize(set);
  EXPECT_EQ(set.report.spans_read, 3u);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.services, 2u);
  EXPECT_EQ(s.max_depth, 2u);  // web -> db, the client and server spans merged into one call
  EXPECT_EQ(set.diag.count("malformed.otlp_resource_spans"), 0u);
  const CallTree& t = set.traces.at(0);
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(t.root().duration_us, 10000);
  EXPECT_EQ(t.nodes[1].duration_us, 5000);         // the db server span
  EXPECT_EQ(t.nodes[1].caller_duration_us, 7000);  // the web client span
  EXPECT_EQ(set.catalog.api_label(t.nodes[1].api), "db:query");
  // The same trace in Tempo's API v2 wrapping and with proto field names: the same tree.
  std::string v2 = text;
  v2.replace(0, std::string(R"({"batches":)").size(), R"({"trace":{"resource_spans":)");
  v2 += "}";
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"traceId\"", "\"trace_id\""}, {"\"spanId\"", "\"span_id\""}, {"\"parentSpanId\"", "\"parent_span_id\""},
           {"\"startTimeUnixNano\"", "\"start_time_unix_nano\""}, {"\"endTimeUnixNano\"", "\"end_time_unix_nano\""},
           {"\"instrumentationLibrarySpans\"", "\"instrumentation_library_spans\""}, {"\"stringValue\"", "\"string_value\""}})
    for (size_t at = v2.find(from); at != std::string::npos; at = v2.find(from, at + to.size())) v2.replace(at, from.size(), to);
  auto set2 = load_text(dir, "tempo-v2.json", v2, false, "otlp");
  ASSERT_EQ(set2.traces.size(), 1u);
  EXPECT_EQ(summarize(set2).services, 2u);
  ASSERT_EQ(set2.traces[0].nodes.size(), 2u);
  EXPECT_EQ(set2.traces[0].nodes[1].caller_duration_us, 7000);
  EXPECT_EQ(set2.catalog.api_label(set2.traces[0].nodes[1].api), "db:query");
}
