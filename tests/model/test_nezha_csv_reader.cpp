// Nezha / TraStrainer span CSV reader: the real OnlineBoutique files of the shared corpus, file by file
// and pooled, and synthetic files for the pod-name rule, the duration cross-check and bad input.
#include <gtest/gtest.h>

#include <set>

#include "palette/ingest/ingest.hpp"
#include "palette/stats/trace_stats.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

const std::string kDir = "nezha-onlineboutique-csv/";
const char* kHeader = "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\n";

stats::TraceSummary summarize(const TraceSet& set) {
  stats::TraceStats st;
  for (const auto& t : set.traces) st.add(t);
  return st.summary(set.catalog);
}

// The error of loading this text as a Nezha file (format forced, not detected).
std::string forced_error(const test::TempDir& dir, const std::string& name, const std::string& text) {
  IngestOptions forced;
  forced.format = "nezha_csv";
  auto path = dir.write(name, text);
  return test::error_of([&] { load_traces({path}, forced); });
}

struct Expected {
  const char* file;
  uint64_t traces, spans, rpc, local;
};

}  // namespace

// Counts verified independently with a Python csv walk over the same files that applies the documented
// rules (service = pod name without its suffix; kinds inferred: a span whose parent runs in another
// service serves, a span whose children all run elsewhere is a client; a client and the server span
// it caused are one call with the server's (service, operation) as API). Per file and pooled: 10
// services, 55 (service, operation) pairs, 13 service edges and a span depth of 9 as SOURCE.txt says;
// after merging client and server spans 37 APIs, 45 caller->callee API edges, call depth 7.
TEST(NezhaCsvReader, EachRealFileOnItsOwn) {
  const Expected files[] = {{"fault_2022-08-23_12_18_trace.csv", 495, 23444, 5618, 11713},
                            {"fault_2022-08-23_12_19_trace.csv", 402, 18978, 4554, 9468},
                            {"fault_2022-08-23_12_20_trace.csv", 405, 18993, 4565, 9458},
                            {"faultfree_2022-08-23_17_00_trace.csv", 502, 22969, 5525, 11417}};
  for (const auto& f : files) {
    SCOPED_TRACE(f.file);
    auto set = load_traces({test::shared_trace(kDir + f.file)}, {});
    auto s = summarize(set);
    EXPECT_EQ(set.report.files.at(0).format, "nezha_csv");
    EXPECT_TRUE(set.report.files.at(0).detected);
    EXPECT_EQ(s.traces, f.traces);
    EXPECT_EQ(s.spans, f.spans);
    EXPECT_EQ(set.report.spans_read, f.spans);
    EXPECT_EQ(s.services, 10u);
    EXPECT_EQ(s.apis, 37u);
    EXPECT_EQ(s.edges, 45u);
    EXPECT_EQ(s.max_depth, 7u);
    EXPECT_EQ(s.max_span_depth, 9u);
    EXPECT_EQ(s.node_kinds.at("root"), f.traces);
    EXPECT_EQ(s.node_kinds.at("rpc"), f.rpc);
    EXPECT_EQ(s.node_kinds.at("local"), f.local);
    EXPECT_EQ(s.node_kinds.count("client_only") + s.node_kinds.count("server_only"), 0u);
    EXPECT_EQ(set.diag.count("duplicate_spans"), 0u);
    EXPECT_EQ(set.diag.count("nezha.pod_names_kept_whole"), 0u);
    EXPECT_EQ(set.diag.count("nezha.duration_mismatch"), 0u);
    EXPECT_EQ(set.diag.count("malformed.nezha_csv_row"), 0u);
    ASSERT_EQ(s.root_apis.size(), 1u);
    EXPECT_EQ(s.root_apis[0].first, "frontend:hipstershop.Frontend/Recv.");
  }
}

TEST(NezhaCsvReader, ThreeConsecutiveMinutesMergeTheTracesTheyShare) {
  // 15 traces straddle a minute boundary and appear in two files (750 repeated rows): the default idle
  // window keeps them open until the next file has been read past them, so they come out whole, once.
  std::vector<std::string> paths;
  for (const char* m : {"18", "19", "20"}) paths.push_back(test::shared_trace(kDir + "fault_2022-08-23_12_" + m + "_trace.csv"));
  auto set = load_traces(paths, {});
  auto s = summarize(set);
  EXPECT_EQ(set.report.spans_read, 23444u + 18978u + 18993u);
  EXPECT_EQ(s.traces, 1287u);  // 495 + 402 + 405 - 15
  EXPECT_EQ(s.spans, 60665u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 750u);
  EXPECT_EQ(set.diag.count("late_spans"), 0u);
  EXPECT_EQ(set.report.traces_assembled, 1287u);
}

TEST(NezhaCsvReader, TheWholeFolderPooled) {
  auto set = load_traces({test::shared_trace("nezha-onlineboutique-csv")}, {});
  auto s = summarize(set);
  // SOURCE.txt and the two label files are not traces: skipped and said so.
  EXPECT_EQ(set.report.files.size(), 4u);
  EXPECT_EQ(set.report.skipped_files.size(), 3u);
  EXPECT_EQ(s.traces, 1789u);
  EXPECT_EQ(s.spans, 83634u);
  EXPECT_EQ(s.services, 10u);
  EXPECT_EQ(s.apis, 37u);
  EXPECT_EQ(s.edges, 45u);
  EXPECT_EQ(s.max_depth, 7u);
  EXPECT_EQ(s.max_span_depth, 9u);
  EXPECT_EQ(s.node_kinds.at("rpc"), 20079u);
  EXPECT_EQ(s.node_kinds.at("local"), 41687u);
  EXPECT_EQ(set.diag.count("duplicate_spans"), 750u);
  EXPECT_EQ(set.diag.count("late_spans"), 0u);
  EXPECT_EQ(set.diag.count("span_kinds_inferred"), 83634u);
}

TEST(NezhaCsvReader, TheDefaultIdleWindowOutlastsAMinuteFile) {
  // Measured on the fault files: a trace reappears in the next file up to 61.2 s of trace time after
  // its last span was seen; the window must exceed that plus the sweep delay (a quarter window).
  const ReaderFactory* f = ReaderRegistry::builtin().find("nezha_csv");
  ASSERT_NE(f, nullptr);
  EXPECT_GE(f->default_idle_window_us * 3 / 4, 62'000'000);
}

TEST(NezhaCsvReader, ServiceIsThePodNameWithoutItsReplicaSuffix) {
  test::TempDir dir;
  std::string text = kHeader;
  const char* pods[] = {"frontend-579b9bff58-t2dbm", "cartservice-579f59597d-wc2lz", "redis-cart-0", "x-12345678-abcde",
                        "svc-0123456789abc-abcde", "svc-12345678-ABCDE"};
  int k = 1;
  for (const char* pod : pods) {
    text += "00aa,";
    text += std::to_string(k + 1) + "," + (k == 1 ? "root" : "2") + "," + pod + ",op" + std::to_string(k) + "," +
            std::to_string(1000000 + k) + "," + std::to_string(2000000 + k) + ",1000\n";
    ++k;
  }
  auto set = load_traces({dir.write("pods.csv", text)}, {});
  ASSERT_EQ(set.traces.size(), 1u);
  std::set<std::string> services;
  for (const auto& n : set.traces[0].nodes) services.insert(set.catalog.service_name(n.api));
  EXPECT_EQ(services, (std::set<std::string>{"frontend", "cartservice", "redis-cart-0", "x", "svc-0123456789abc-abcde",
                                             "svc-12345678-ABCDE"}));
  EXPECT_EQ(set.diag.count("nezha.pod_names_kept_whole"), 3u);
}

TEST(NezhaCsvReader, DurationComesFromTheColumnAndIsCrossCheckedWithTheTimestamps) {
  test::TempDir dir;
  auto set = load_traces({dir.write("d.csv", std::string(kHeader) +
                                                 "ab,1,root,a-579b9bff58-t2dbm,root,1000000000,1000900999,900\n"
                                                 "ab,2,1,a-579b9bff58-t2dbm,x,1000001000,1000002000,5\n"  // says 5, is 1
                                                 "ab,3,1,a-579b9bff58-t2dbm,y,1000003000,1000004000,\n")},  // from End
                         {});
  ASSERT_EQ(set.traces.size(), 1u);
  const CallTree& t = set.traces[0];
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.nodes[0].start_us, 1000000);
  EXPECT_EQ(t.nodes[0].duration_us, 900);
  EXPECT_EQ(t.nodes[1].duration_us, 5);
  EXPECT_EQ(t.nodes[2].duration_us, 1);
  EXPECT_EQ(set.diag.count("nezha.duration_mismatch"), 1u);

  // Without a Duration column the timestamps give it; without both the file is refused.
  auto end_only = load_traces({dir.write("e.csv", "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano\n"
                                                  "ab,1,root,p,op,5000,12000\n")},
                              {});
  ASSERT_EQ(end_only.traces.size(), 1u);
  EXPECT_EQ(end_only.traces[0].nodes[0].duration_us, 7);
  EXPECT_EQ(forced_error(dir, "f.csv", "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano\nab,1,root,p,op,5000\n"),
            dir.file("f.csv") + ":1: missing column EndTimeUnixNano or Duration; the header found is: "
                                "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano");
}

TEST(NezhaCsvReader, ColumnsAreFoundByNameInAnyOrderWithQuotesAndCrlf) {
  test::TempDir dir;
  auto set = load_traces({dir.write("o.csv",
                                    "Duration,OperationName,PodName,SpanID,TraceID,ParentID,StartTimeUnixNano,EndTimeUnixNano\r\n"
                                    "10,\"GET /a,b\",web-579b9bff58-t2dbm,1,ff,root,1000,11000\r\n"
                                    "3,\"say \"\"x\"\"\",db-579b9bff58-t2dbm,2,ff,1,2000,5000\r\n")},
                         {});
  ASSERT_EQ(set.traces.size(), 1u);
  const CallTree& t = set.traces[0];
  ASSERT_EQ(t.nodes.size(), 2u);
  EXPECT_EQ(set.catalog.api_label(t.nodes[0].api), "web:GET /a,b");
  EXPECT_EQ(set.catalog.api_label(t.nodes[1].api), "db:say \"x\"");
  EXPECT_EQ(t.nodes[1].kind, NodeKind::server_only);  // a callee whose caller recorded no client span
}

TEST(NezhaCsvReader, MalformedRowsNameFileAndLine) {
  test::TempDir dir;
  auto path = dir.write("m.csv", std::string(kHeader) +
                                     "ab,1,root,p-579b9bff58-t2dbm,op,1000,2000,1\n"
                                     "ab,2,1,p-579b9bff58-t2dbm,op,later,2000,1\n"
                                     "ab,,1,p-579b9bff58-t2dbm,op,1000,2000,1\n"
                                     "ab,4,1,p-579b9bff58-t2dbm,op,3000,2000,1\n"
                                     "ab,5,1,p-579b9bff58-t2dbm\n"
                                     "ab,6,1,p-579b9bff58-t2dbm,op,-1000,2000,1\n"
                                     "ab,7,1,p-579b9bff58-t2dbm,op,1000,,99999999999999999\n"
                                     "ab,8,1,p-579b9bff58-t2dbm,op,1000,2000,1\n");
  auto set = load_traces({path}, {});
  EXPECT_EQ(set.diag.count("malformed.nezha_csv_row"), 6u);
  EXPECT_EQ(set.report.spans_read, 2u);
  ASSERT_EQ(set.diag.examples().size(), 6u);
  EXPECT_EQ(std::string(set.diag.examples()[0].what()), path + ":3: StartTimeUnixNano is not an integer: \"later\"");
  EXPECT_EQ(std::string(set.diag.examples()[1].what()), path + ":4: SpanID is empty");
  EXPECT_EQ(std::string(set.diag.examples()[2].what()), path + ":5: EndTimeUnixNano is before StartTimeUnixNano");
  EXPECT_EQ(std::string(set.diag.examples()[3].what()), path + ":6: expected 8 fields as in the header, found 4");
  EXPECT_EQ(std::string(set.diag.examples()[4].what()), path + ":7: StartTimeUnixNano is negative");
  EXPECT_EQ(std::string(set.diag.examples()[5].what()), path + ":8: Duration is out of range");
  IngestOptions strict;
  strict.strict = true;
  try {
    load_traces({path}, strict);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 3);
  }
}

TEST(NezhaCsvReader, AFileWithAnotherHeaderIsRefusedWithWhatWasFound) {
  test::TempDir dir;
  EXPECT_EQ(forced_error(dir, "x.csv", "trace,span,parent\n1,2,3\n"),
            dir.file("x.csv") + ":1: missing columns TraceID, SpanID, ParentID, PodName, OperationName, "
                                "StartTimeUnixNano; the header found is: trace,span,parent");
  // Detection does not take it for a Nezha file either.
  EXPECT_THROW(load_traces({dir.file("x.csv")}, {}), Error);
}
