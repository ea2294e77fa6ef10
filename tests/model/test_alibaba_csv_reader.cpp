// Alibaba cluster-trace-microservices CallGraph CSV: there is no real dump in the shared corpus, so
// every file here is written by the test, in the layouts the two releases publish, and the call trees
// that normalization builds from them are checked node by node.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "palette/ingest/ingest.hpp"
#include "palette/ingest/normalize.hpp"
#include "palette/stats/trace_stats.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

const char* kV2021 = ",timestamp,traceid,rpcid,um,rpctype,interface,dm,rt\n";
const char* kV2022 = "timestamp,traceid,service,rpc_id,rpctype,um,uminstanceid,interface,dm,dminstanceid,rt\n";

TraceSet load(const std::vector<std::string>& paths, bool strict = false, int64_t idle_window_us = 0) {
  IngestOptions o;
  o.strict = strict;
  o.idle_window_us = idle_window_us;
  return load_traces(paths, o);
}

std::string ms(int64_t us) {
  std::ostringstream o;
  o << static_cast<double>(us) / 1000.0;
  return o.str();
}

// "api kind callee_ms/caller_ms [children...]": the whole tree in one comparable line.
std::string tree_text(const TraceSet& set, const CallTree& t, uint32_t i = 0) {
  const CallNode& n = t.nodes[i];
  std::string out = set.catalog.api_label(n.api) + " " + to_string(n.kind) + " " + ms(n.duration_us);
  if (n.caller_duration_us != kNoTime) out += "/" + ms(n.caller_duration_us);
  if (n.child_count) {
    out += " [";
    for (uint32_t c = n.first_child; c < n.end_child(); ++c) out += (c == n.first_child ? "" : ", ") + tree_text(set, t, c);
    out += "]";
  }
  return out;
}

// The tree of a load that must hold exactly one trace.
std::string only_tree(const TraceSet& set) {
  if (set.traces.size() != 1) return std::to_string(set.traces.size()) + " traces";
  return tree_text(set, set.traces[0]);
}

// One call graph of each release, the same calls: USER -> A (http), A -> B (rpc) which reads MC1 (mc)
// and DB1 (db), A -> C (rpc) whose callee answered in under 1 ms (rt 0).
std::string v2021_rows() {
  return std::string(kV2021) +
         "0,1000,0b1c,0,USER,http,/home,A,20\n"
         "1,1000,0b1c,0,USER,http,/home,A,-18\n"
         "2,1002,0b1c,0.1,A,rpc,getUser,B,5\n"
         "3,1003,0b1c,0.1,A,rpc,getUser,B,-3\n"
         "4,1004,0b1c,0.1.1,B,mc,get,MC1,0\n"
         "5,1005,0b1c,0.1.2,B,db,select,DB1,1\n"
         "6,1008,0b1c,0.2,A,rpc,getCart,C,6\n"
         "7,1009,0b1c,0.2,A,rpc,getCart,C,0\n";
}
const char* kExpected = "A:/home root 18/20 [B:getUser rpc 3/5 [MC1:get client_only 0/0, DB1:select client_only 1/1], C:getCart rpc 0/6]";

}  // namespace

TEST(AlibabaCsvReader, V2021RowsBecomeOneCallPerRpcid) {
  test::TempDir dir;
  auto set = load({dir.write("MSCallGraph_0.csv", v2021_rows())});
  EXPECT_EQ(set.report.files.at(0).format, "alibaba_csv");
  EXPECT_TRUE(set.report.files.at(0).detected);
  ASSERT_EQ(only_tree(set), kExpected);
  EXPECT_EQ(set.report.spans_read, 8u);
  EXPECT_EQ(set.traces[0].span_count, 8u);
  EXPECT_EQ(set.diag.count("alibaba.files_v2021"), 1u);
  EXPECT_EQ(set.diag.count("shared_client_server_ids"), 3u);   // USER->A, A->B, A->C
  EXPECT_EQ(set.diag.count("call_sides_inferred"), 1u);        // C's rt-0 row is the callee's
  EXPECT_EQ(set.diag.count("alibaba.zero_rt_side_unknown"), 1u);
  EXPECT_EQ(set.diag.count("client_spans_without_server"), 2u);  // mc and db: one row each
  EXPECT_EQ(set.diag.count("alibaba.rows_rpc"), 4u);
  EXPECT_EQ(set.diag.count("alibaba.rows_http"), 2u);
  EXPECT_EQ(set.diag.count("alibaba.rows_mc"), 1u);
  EXPECT_EQ(set.diag.count("alibaba.rows_db"), 1u);
  // Times: ms -> µs; the callee half of A -> B starts at its own row's timestamp.
  const CallTree& t = set.traces[0];
  EXPECT_EQ(t.nodes[0].start_us, 1'000'000);
  EXPECT_EQ(t.nodes[1].caller_start_us, 1'002'000);
  EXPECT_EQ(t.nodes[1].start_us, 1'003'000);
}

TEST(AlibabaCsvReader, V2022InEitherColumnOrderGivesTheSameTree) {
  test::TempDir dir;
  // The published files order the columns as below; the README lists um, uminstanceid before rpctype.
  const std::string rows[] = {
      "1000,T_1,S_9,0,http,USER,USER,/home,A,A_POD_1,20.0",   "1000,T_1,S_9,0,http,USER,USER,/home,A,A_POD_1,-18.0",
      "1002,T_1,S_9,0.1,rpc,A,A_POD_1,getUser,B,B_POD_3,5.0", "1003,T_1,S_9,0.1,rpc,A,A_POD_1,getUser,B,B_POD_3,-3.0",
      "1004,T_1,S_9,0.1.1,mc,B,B_POD_3,get,MC1,UNKNOWN,0.0",  "1005,T_1,S_9,0.1.2,db,B,B_POD_3,select,DB1,UNKNOWN,1.0",
      "1008,T_1,S_9,0.2,rpc,A,A_POD_1,getCart,C,C_POD_0,6.0", "1009,T_1,S_9,0.2,rpc,A,A_POD_1,getCart,C,C_POD_0,0.0"};
  std::string published = kV2022, readme = "timestamp,traceid,service,rpc_id,um,uminstanceid,rpctype,interface,dm,dminstanceid,rt\n";
  for (const auto& r : rows) {
    published += r + "\n";
    std::vector<std::string> f;
    std::stringstream ss(r);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    readme += f[0] + "," + f[1] + "," + f[2] + "," + f[3] + "," + f[5] + "," + f[6] + "," + f[4] + "," + f[7] + "," + f[8] +
              "," + f[9] + "," + f[10] + "\n";
  }
  for (const auto& text : {published, readme}) {
    auto set = load({dir.write("CallGraph_0.csv", text)});
    EXPECT_EQ(only_tree(set), kExpected);
    EXPECT_EQ(set.diag.count("alibaba.files_v2022"), 1u);
  }
}

TEST(AlibabaCsvReader, RpcidsRecordedMoreThanTwiceArePairedTwoByTwoAndTheRestCounted) {
  test::TempDir dir;
  // Two async threads of B lost their context: both calls to C got rpcid 0.1.1, and a third caller
  // record of it has no callee record. Each callee's children stay with the callee half they fall in.
  auto set = load({dir.write("x.csv", std::string(kV2021) +
                                          "0,0,t1,0.1,A,rpc,op,B,100\n"
                                          "1,1,t1,0.1,A,rpc,op,B,-98\n"
                                          "2,10,t1,0.1.1,B,rpc,get,C,20\n"
                                          "3,11,t1,0.1.1,B,rpc,get,C,-18\n"
                                          "4,50,t1,0.1.1,B,rpc,get,C,30\n"
                                          "5,52,t1,0.1.1,B,rpc,get,C,-26\n"
                                          "6,60,t1,0.1.1,B,rpc,get,C,7\n"
                                          "7,12,t1,0.1.1.1,C,db,q,DB,2\n"
                                          "8,53,t1,0.1.1.1,C,db,q,DB,3\n")});
  EXPECT_EQ(only_tree(set),
            "B:op root 98/100 [C:get rpc 18/20 [DB:q client_only 2/2], C:get rpc 26/30 [DB:q client_only 3/3], "
            "C:get client_only 7/7]");
  EXPECT_EQ(set.diag.count("shared_client_server_ids"), 3u);
  EXPECT_EQ(set.diag.count("unpaired_shared_fragments"), 2u);  // the third caller record; the second db row
  EXPECT_EQ(set.diag.count("traces_missing_root"), 1u);        // the graph starts at 0.1: no 0 row
}

TEST(AlibabaCsvReader, NegativeRtOnRootRowsIsTakenAsItsMagnitudeAndCounted) {
  test::TempDir dir;
  // Only the entry's own record of the user's call: rt < 0, the callee side.
  auto set = load({dir.write("x.csv", std::string(kV2021) +
                                          "0,5,t2,0,UNKNOWN,http,/buy,A,-40\n"
                                          "1,6,t2,0.1,A,rpc,pay,B,10\n"
                                          "2,7,t2,0.1,A,rpc,pay,B,-8\n")});
  ASSERT_EQ(only_tree(set), "A:/buy root 40 [B:pay rpc 8/10]");
  EXPECT_EQ(set.diag.count("alibaba.negative_rt_root_rows"), 1u);
  EXPECT_EQ(set.diag.count("alibaba.missing_um"), 1u);  // UNKNOWN is the dataset's missing value
  EXPECT_EQ(set.traces[0].nodes[0].duration_us, 40'000);
}

TEST(AlibabaCsvReader, RootThatIsOnlyTheUsersRecordIsNamedAfterTheEntry) {
  test::TempDir dir;
  auto set = load({dir.write("x.csv", std::string(kV2021) + "0,5,t3,0,USER,http,/buy,A,40\n1,6,t3,0.1,A,db,q,DB,3\n")});
  EXPECT_EQ(only_tree(set), "A:/buy root 40 [DB:q client_only 3/3]");
}

TEST(AlibabaCsvReader, MissingNamesAreTakenFromTheOtherRecordOfTheCall) {
  test::TempDir dir;
  // The callee's record lost dm and interface, the caller's has them (README: "some metrics related to
  // rpcID could be found from another record").
  auto set = load({dir.write("x.csv", std::string(kV2021) +
                                          "0,0,t4,0,USER,http,/x,A,50\n"
                                          "1,0,t4,0,USER,http,/x,A,-45\n"
                                          "2,1,t4,0.1,A,rpc,get,B,9\n"
                                          "3,2,t4,0.1,A,rpc,(?),,-7\n")});
  EXPECT_EQ(only_tree(set), "A:/x root 45/50 [B:get rpc 7/9]");
  EXPECT_EQ(set.diag.count("alibaba.missing_dm"), 1u);
  EXPECT_EQ(set.diag.count("alibaba.missing_interface"), 1u);
  EXPECT_EQ(set.diag.count("callee_names_from_caller"), 2u);
}

TEST(AlibabaCsvReader, ACalleeWhoseCallerRecordIsLostHangsUnderItsCaller) {
  test::TempDir dir;
  // 0.1.1 was recorded by its callee C only: it is called from B (its um), so it belongs under B's
  // half of call 0.1, not beside it.
  auto set = load({dir.write("x.csv", std::string(kV2021) +
                                          "0,0,t5,0,USER,http,/x,A,50\n"
                                          "1,0,t5,0,USER,http,/x,A,-45\n"
                                          "2,1,t5,0.1,A,rpc,get,B,30\n"
                                          "3,2,t5,0.1,A,rpc,get,B,-28\n"
                                          "4,3,t5,0.1.1,B,rpc,find,C,-9\n")});
  EXPECT_EQ(only_tree(set), "A:/x root 45/50 [B:get rpc 28/30 [C:find server_only 9]]");
}

TEST(AlibabaCsvReader, FastCallsWhoseBothRecordsSayZeroAreStillOneCall) {
  test::TempDir dir;
  auto set = load({dir.write("x.csv", std::string(kV2021) +
                                          "0,0,t6,0,USER,http,/x,A,10\n"
                                          "1,0,t6,0,USER,http,/x,A,-9\n"
                                          "2,3,t6,0.1,A,rpc,ping,B,0\n"
                                          "3,4,t6,0.1,A,rpc,ping,B,0\n")});
  ASSERT_EQ(only_tree(set), "A:/x root 9/10 [B:ping rpc 0/0]");
  EXPECT_EQ(set.traces[0].nodes[1].caller_start_us, 3000);  // the earlier record is the caller's
  // A 0 ms callee 1 ms after a 0 ms caller is outside it: timing that does not add up is moved into
  // the caller and counted, never dropped.
  EXPECT_EQ(set.traces[0].nodes[1].start_us, 3000);
  EXPECT_EQ(set.diag.count("clock_skew_adjusted"), 1u);
}

TEST(AlibabaCsvReader, ATraceSpanningTwoFilesIsOneTree) {
  test::TempDir dir;
  auto a = dir.write("CallGraph_0.csv", std::string(kV2022) +
                                            "179990,T_7,S_1,0,http,USER,USER,/x,A,A_1,30.0\n"
                                            "179990,T_7,S_1,0,http,USER,USER,/x,A,A_1,-29.0\n"
                                            "179995,T_8,S_1,0,http,USER,USER,/y,A,A_1,-2.0\n"
                                            "179999,T_7,S_1,0.1,rpc,A,A_1,get,B,B_1,12.0\n");
  auto b = dir.write("CallGraph_1.csv", std::string(kV2022) +
                                            "180001,T_7,S_1,0.1,rpc,A,A_1,get,B,B_1,-10.0\n"
                                            "180004,T_7,S_1,0.2,rpc,A,A_1,put,C,C_1,5.0\n"
                                            "180005,T_7,S_1,0.2,rpc,A,A_1,put,C,C_1,-4.0\n");
  auto set = load({dir.path()});
  ASSERT_EQ(set.report.files.size(), 2u);
  ASSERT_EQ(set.traces.size(), 2u);
  EXPECT_EQ(tree_text(set, set.traces[0]), "A:/x root 29/30 [B:get rpc 10/12, C:put rpc 4/5]");
  EXPECT_EQ(tree_text(set, set.traces[1]), "A:/y root 2");
  EXPECT_EQ(set.diag.count("late_spans"), 0u);
  EXPECT_EQ(set.diag.count("alibaba.rows_out_of_time_order"), 0u);
}

TEST(AlibabaCsvReader, MemoryIsBoundedByTheOpenTracesNotByTheDump) {
  test::TempDir dir;
  // 40 000 call graphs, one every 5 ms of trace time, rows time-sorted across 4 files: with a 1 s idle
  // window the assembler holds a few hundred traces at a time, whatever the dump's length.
  const int traces = 40'000;
  std::vector<std::string> files(4, kV2022);
  for (int i = 0; i < traces; ++i) {
    const std::string ts = std::to_string(i * 5), id = "T_" + std::to_string(i);
    std::string& out = files[static_cast<size_t>(i * 4 / traces)];
    out += ts + "," + id + ",S_1,0,http,USER,USER,/x,A,A_1,3.0\n";
    out += ts + "," + id + ",S_1,0,http,USER,USER,/x,A,A_1,-2.0\n";
    out += ts + "," + id + ",S_1,0.1,mc,A,A_1,get,MC,UNKNOWN,0.0\n";
  }
  for (size_t f = 0; f < files.size(); ++f) dir.write("CallGraph_" + std::to_string(f) + ".csv", files[f]);
  auto set = load({dir.path()}, false, 1'000'000);
  EXPECT_EQ(set.traces.size(), static_cast<size_t>(traces));
  EXPECT_EQ(set.report.spans_read, static_cast<uint64_t>(traces * 3));
  EXPECT_EQ(set.diag.count("late_spans"), 0u);
  // 1 s of traces is 200; sweeps happen every quarter window and 4096 spans (~1365 traces here).
  EXPECT_LT(set.report.peak_open_traces, 2000u);
  EXPECT_GT(set.report.peak_open_traces, 200u);
}

TEST(AlibabaCsvReader, TheDefaultIdleWindowIsShort) {
  const ReaderFactory* f = ReaderRegistry::builtin().find("alibaba_csv");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->default_idle_window_us, 10'000'000);
}

TEST(AlibabaCsvReader, MalformedRowsAreSkippedAndCountedWithFileAndLine) {
  test::TempDir dir;
  // v2022's "crazy rows": rt None, a row shifted by a column, a row cut short; then a good one.
  auto path = dir.write("bad.csv", std::string(kV2022) +
                                       "10,T_1,S_1,0,http,USER,USER,/x,A,A_1,None\n"
                                       "11,T_1,S_1,0,http,USER,USER,/x,A,A_1,MS_12,-2.0\n"
                                       "12,T_1,S_1,0,http,USER\n"
                                       "soon,T_1,S_1,0,http,USER,USER,/x,A,A_1,2.0\n"
                                       "14,T_1,S_1,,http,USER,USER,/x,A,A_1,2.0\n"
                                       "15,T_1,S_1,0,http,USER,USER,/x,A,A_1,2.0\n");
  auto set = load({path});
  EXPECT_EQ(set.diag.count("malformed.alibaba_csv_row"), 5u);
  EXPECT_EQ(set.report.spans_read, 1u);
  ASSERT_EQ(set.diag.examples().size(), 5u);
  const std::string first = set.diag.examples()[0].what();
  EXPECT_EQ(first, path + ":2: rt is not a number: \"None\"");
  EXPECT_EQ(set.diag.examples()[1].line(), 3);
  EXPECT_NE(std::string(set.diag.examples()[1].what()).find("expected 11 fields as in the header, found 12"), std::string::npos);
  EXPECT_EQ(set.diag.examples()[2].line(), 4);
  EXPECT_NE(std::string(set.diag.examples()[3].what()).find(":5: timestamp is not a number"), std::string::npos);
  EXPECT_NE(std::string(set.diag.examples()[4].what()).find(":6: the rpcid is empty"), std::string::npos);
  // Strict mode stops at the first.
  try {
    load({path}, true);
    FAIL() << "strict mode should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::malformed);
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 2);
  }
}

TEST(AlibabaCsvReader, AFileWithoutTheNeededColumnsIsAnErrorThatSaysWhichAndWhatItFound) {
  test::TempDir dir;
  auto path = dir.write("x.csv", "timestamp,traceid,rpc_id,um,dm\n1,T_1,0,USER,A\n");
  IngestOptions o;
  o.format = "alibaba_csv";
  EXPECT_EQ(test::error_of([&] { load_traces({path}, o); }),
            path + ":1: missing columns rpctype, interface, rt; the header found is: timestamp,traceid,rpc_id,um,dm");
}

TEST(AlibabaCsvReader, EmptyAndBinaryFilesAreClearErrors) {
  test::TempDir dir;
  IngestOptions o;
  o.format = "alibaba_csv";
  auto empty = dir.write("empty.csv", "");
  EXPECT_EQ(test::error_of([&] { load_traces({empty}, o); }), empty + ":1: the CSV file is empty: no header line");
  std::string garbage(3 << 20, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) {
    const auto c = static_cast<char>((i * 7919) % 251 + 1);
    garbage[i] = c == '\n' ? 'x' : c;
  }
  auto bin = dir.write("garbage.bin", garbage);
  EXPECT_EQ(test::error_of([&] { load_traces({bin}, o); }),
            bin + ":1: no line break in the first MiB: not a CSV file (binary data?)");
  // Without --format neither is taken for a trace file.
  EXPECT_THROW(load_traces({empty}, {}), Error);
  EXPECT_THROW(load_traces({bin}, {}), Error);
}

TEST(AlibabaCsvReader, QuotedFieldsCrlfBomAndBlankLines) {
  test::TempDir dir;
  auto set = load({dir.write("x.csv", "\xEF\xBB\xBF" + std::string(kV2021).substr(0, std::string(kV2021).size() - 1) +
                                          "\r\n0,1,t9,0,USER,http,\"/a,b\",A,\"-4\"\r\n\r\n1,2,t9,0.1,A,db,\"say \"\"hi\"\"\",DB,1\r\n\r\n\r\n")});
  EXPECT_EQ(only_tree(set), "A:/a,b root 4 [DB:say \"hi\" client_only 1/1]");
  EXPECT_EQ(set.diag.nonzero().count("malformed.alibaba_csv_row"), 0u);
}

TEST(AlibabaCsvReader, ServiceColumnIsKeptWhenAsked) {
  test::TempDir dir;
  IngestOptions o;
  o.reader.keep_attributes = {"service"};
  Catalog catalog;
  Diagnostics diag;
  std::vector<Span> spans;
  struct Sink : SpanSink {
    std::vector<Span>* out;
    void add(Span&& s) override { out->push_back(std::move(s)); }
  } sink;
  sink.out = &spans;
  ReadContext ctx{catalog, diag, sink, o.reader, {}};
  auto text = std::string(kV2022) + "1,T_1,S_42,0,http,USER,USER,/x,A,A_1,2.0\n";
  auto src = ByteSource::from_memory(text, "mem.csv");
  ReaderRegistry::builtin().find("alibaba_csv")->create()->read(*src, ctx);
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].attributes.size(), 1u);
  EXPECT_EQ(catalog.names.text(spans[0].attributes[0].first), "service");
  EXPECT_EQ(catalog.names.text(spans[0].attributes[0].second), "S_42");
  // The reader's decoding of one row, before normalization.
  EXPECT_EQ(spans[0].kind, SpanKind::client);
  EXPECT_EQ(catalog.names.text(spans[0].service), "USER");
  EXPECT_EQ(catalog.names.text(spans[0].remote_service), "A");
  EXPECT_EQ(spans[0].span_id, Id128::hash_of("0"));
  EXPECT_TRUE(spans[0].parent_id.empty());
  EXPECT_EQ(spans[0].start_us, 1000);
  EXPECT_EQ(spans[0].duration_us, 2000);
}
