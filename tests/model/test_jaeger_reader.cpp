// Jaeger JSON reader: the real DeathStarBench hotelReservation exports, the Jaeger side of the OTLP
// conversion fixture, the bare forms, and malformed input.
#include <gtest/gtest.h>

#include "ingest_support.hpp"

using namespace palette;
using namespace palette::ingest;
using test::load_text;
using test::summarize;

// Counts verified independently with a Python json walk over the same files (1000 traces x 11 spans;
// 6 services; 6 server-side APIs; frontend->{search,reservation,profile}, search->{geo,rate}).
TEST(JaegerReader, HotelLoad25) {
  auto set = load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "jaeger");
  EXPECT_TRUE(set.report.files.at(0).detected);
  EXPECT_EQ(s.traces, 1000u);
  EXPECT_EQ(s.spans, 11000u);
  EXPECT_EQ(s.services, 6u);
  EXPECT_EQ(s.apis, 6u);
  EXPECT_EQ(s.edges, 5u);
  EXPECT_EQ(s.max_depth, 3u);
  EXPECT_EQ(s.max_span_depth, 5u);
  EXPECT_EQ(s.calls, 6000u);
  EXPECT_EQ(s.node_kinds.at("rpc"), 5000u);
  // Root p50 20.9 ms per SOURCE.txt; the sketch is accurate to 0.1%.
  EXPECT_NEAR(s.root_p50_us, 20900, 100);
  EXPECT_EQ(set.diag.count("malformed.jaeger_trace"), 0u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 0u);
  ASSERT_EQ(s.root_apis.size(), 1u);
  EXPECT_EQ(s.root_apis[0].first, "frontend:HTTP GET /hotels");
  // Root spans record sampler.type=probabilistic, sampler.param=0.3: load 25 is ~24 requests/s.
  EXPECT_NEAR(s.sampling_probability, 0.3, 1e-6);
  EXPECT_NEAR(s.traced_rate_per_s, 999.0 / 137.932, 0.01);
  EXPECT_NEAR(s.request_rate_per_s, 999.0 / 137.932 / 0.3, 0.05);
}

TEST(JaegerReader, AllThreeLoadsTogetherFromTheDirectory) {
  auto set = load_traces({test::shared_trace("dsb-hotel-jaeger")}, {});
  auto s = summarize(set);
  // SOURCE.txt is in the directory too: skipped as not a trace file, and said so.
  EXPECT_EQ(set.report.files.size(), 3u);
  EXPECT_EQ(set.report.skipped_files.size(), 1u);
  EXPECT_EQ(set.diag.count("files_skipped_unknown_format"), 1u);
  EXPECT_EQ(s.traces, 3000u);
  EXPECT_EQ(s.spans, 33000u);
}

TEST(JaegerReader, ConversionFixtureIsOneDuplicatedOrphan) {
  auto set = load_traces({test::shared_trace("format-fixtures-otlp-jaeger/jaeger_otlp2jaeger-out.jaeger.json")}, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.files.at(0).format, "jaeger");
  EXPECT_EQ(s.traces, 1u);
  // The file lists the same span twice, byte for byte, and its parent is not in the file.
  EXPECT_EQ(set.report.spans_read, 2u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 1u);
  EXPECT_EQ(s.spans, 1u);
  EXPECT_EQ(set.diag.count("traces_missing_root"), 1u);
  ASSERT_EQ(s.root_apis.size(), 1u);
  EXPECT_EQ(s.root_apis[0].first, "telemetrygen:okey-dokey-0");
}

TEST(JaegerReader, BareTraceObjectAndBareSpanArray) {
  test::TempDir dir;
  const std::string span_a =
      R"({"traceID":"ab","spanID":"1","operationName":"GET /","startTime":1000,"duration":500,"references":[],)"
      R"("tags":[{"key":"span.kind","type":"string","value":"server"}],"processID":"p1"})";
  const std::string span_b =
      R"({"traceID":"ab","spanID":"2","operationName":"child","startTime":1100,"duration":100,)"
      R"("references":[{"refType":"CHILD_OF","traceID":"ab","spanID":"1"}],"processID":"p2"})";
  auto bare = load_text(dir, "bare.json",
                        R"({"traceID":"ab","spans":[)" + span_a + "," + span_b +
                            R"(],"processes":{"p1":{"serviceName":"front"},"p2":{"serviceName":"back"}}})");
  auto s = summarize(bare);
  EXPECT_EQ(s.traces, 1u);
  EXPECT_EQ(s.spans, 2u);
  EXPECT_EQ(s.services, 2u);
  EXPECT_EQ(s.max_depth, 2u);

  // The anonymizer's array of spans, each with its own process.
  auto arr = load_text(dir, "spans.json",
                       R"([{"traceID":"cd","spanID":"1","operationName":"a","startTime":1,"duration":9,"process":{"serviceName":"s1"}},)"
                       R"({"traceID":"cd","spanID":"2","operationName":"b","startTime":2,"duration":3,"process":{"serviceName":"s2"},)"
                       R"("references":[{"refType":"CHILD_OF","spanID":"1"}]}])");
  auto s2 = summarize(arr);
  EXPECT_EQ(s2.traces, 1u);
  EXPECT_EQ(s2.spans, 2u);
  EXPECT_EQ(s2.services, 2u);
}

TEST(JaegerReader, MalformedTraceIsSkippedAndCounted) {
  test::TempDir dir;
  const std::string good =
      R"({"traceID":"01","spans":[{"traceID":"01","spanID":"1","operationName":"op","startTime":5,"duration":7,"processID":"p1"}],"processes":{"p1":{"serviceName":"svc"}}})";
  const std::string bad_type =
      R"({"traceID":"02","spans":[{"traceID":"02","spanID":"1","operationName":"op","startTime":"soon","duration":7,"processID":"p1"}],"processes":{"p1":{"serviceName":"svc"}}})";
  auto set = load_text(dir, "mixed.json", R"({"data":[)" + good + "," + bad_type + "," + good + "]}");
  EXPECT_EQ(set.traces.size(), 1u);  // the two good ones are the same trace id: merged, duplicates dropped
  EXPECT_EQ(set.diag.count("malformed.jaeger_trace"), 1u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  EXPECT_NE(std::string(set.diag.examples()[0].what()).find("mixed.json:1: "), std::string::npos);
  EXPECT_NE(std::string(set.diag.examples()[0].what()).find("startTime"), std::string::npos);

  // Strict mode stops at it.
  try {
    load_text(dir, "mixed2.json", R"({"data":[)" + good + "," + bad_type + "]}", true);
    FAIL() << "strict mode should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::malformed);
    EXPECT_EQ(e.file(), dir.file("mixed2.json"));
    EXPECT_EQ(e.line(), 1);
  }
}

TEST(JaegerReader, TruncatedFileKeepsCompleteTracesAndCountsTheCut) {
  test::TempDir dir;
  const std::string t1 =
      R"({"traceID":"01","spans":[{"traceID":"01","spanID":"1","operationName":"op","startTime":5,"duration":7,"processID":"p1"}],"processes":{"p1":{"serviceName":"svc"}}})";
  const std::string t2 =
      R"({"traceID":"02","spans":[{"traceID":"02","spanID":"1","operationName":"op","startTime":5,"duration":7,"processID":"p1"}],"processes":{"p1":{"serviceName":"svc"}}})";
  std::string text = "{\"data\":[\n" + t1 + ",\n" + t2 + ",\n" + t2.substr(0, 40);
  auto set = load_text(dir, "cut.json", text);
  EXPECT_EQ(set.traces.size(), 2u);
  EXPECT_EQ(set.diag.count("malformed.jaeger_trace"), 1u);
  ASSERT_EQ(set.diag.examples().size(), 1u);
  EXPECT_EQ(set.diag.examples()[0].line(), 4);  // the value that is not closed starts on line 4
}

TEST(JaegerReader, UiStateFileWithDataObjectIsNotATrace) {
  test::TempDir dir;
  auto set = load_text(dir, "ui.json", R"({"data":{"traceID":"x","selected":true}})");
  EXPECT_EQ(set.traces.size(), 0u);
  EXPECT_EQ(set.diag.count("malformed.jaeger_trace"), 1u);
}

// Regression: a numeric tag beyond int64 (1e300) was cast to an integer, which is undefined behaviour
// (UBSan in the fuzz build); on x86 it gave INT64_MIN, so a gRPC status of 1e300 marked the span failed
// and 5e18 did not. Out-of-range numbers are now no status code at all; in-range floats still count.
TEST(JaegerReader, HugeNumericTagsAreNotStatusCodes) {
  test::TempDir dir;
  auto make = [](const std::string& id, const std::string& tag) {
    return R"({"traceID":")" + id + R"(","spanID":"1","operationName":"op","startTime":5,"duration":7,"processID":"p1",)"
           R"("tags":[)" + tag + R"(]})";
  };
  auto set = load_text(dir, "huge.json",
                       R"({"data":[{"traceID":"01","spans":[)" +
                           make("01", R"({"key":"rpc.grpc.status_code","type":"float64","value":1e300})") +
                           R"(],"processes":{"p1":{"serviceName":"svc"}}},{"traceID":"02","spans":[)" +
                           make("02", R"({"key":"http.status_code","type":"float64","value":503.0})") +
                           R"(],"processes":{"p1":{"serviceName":"svc"}}}]})");
  ASSERT_EQ(set.traces.size(), 2u);
  EXPECT_FALSE(set.traces[0].root().error);
  EXPECT_TRUE(set.traces[1].root().error);
}
