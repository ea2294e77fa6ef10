// `palette compare` as a user runs it: the numbers against an independent reference, the JSON shape,
// the report folder, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "markup_check.hpp"
#include "support.hpp"

using palette::test::run_command;

namespace {

std::string palette_cmd(const std::string& args) { return std::string(PALETTE_BINARY) + " " + args; }
std::string hotel(const std::string& load) {
  return palette::test::shared_trace("dsb-hotel-jaeger/hotel_load" + load + ".jaeger.json");
}

// The number after the n-th occurrence of "key": in a JSON text; NaN when absent.
double json_number(const std::string& json, const std::string& key, size_t nth = 0) {
  std::string needle = "\"" + key + "\": ";
  size_t pos = json.find(needle);
  for (size_t k = 0; k < nth && pos != std::string::npos; ++k) pos = json.find(needle, pos + 1);
  if (pos == std::string::npos) return std::nan("");
  return std::strtod(json.c_str() + pos + needle.size(), nullptr);
}

// The text is one JSON object: it opens with '{' and its braces first balance at the very end.
bool one_object(const std::string& text) {
  if (text.empty() || text.front() != '{') return false;
  int depth = 0;
  bool in_string = false;
  for (size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (in_string) {
      if (c == '\\') ++k;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth == 0) return text.substr(k + 1) == "\n";
  }
  return false;
}

}  // namespace

TEST(CliCompare, Hotel25Vs100MatchesTheReferenceScript) {
  // Reference values: python3 tests/cli/compare_reference.py ../shared/data/traces/dsb-hotel-jaeger
  // (stdlib only, reading the Jaeger JSON directly, KS and Wasserstein from their definitions).
  auto r = run_command(palette_cmd("compare --json " + hotel("25") + " " + hotel("100") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(one_object(r.out)) << r.out;
  const double ks = json_number(r.out, "ks");
  EXPECT_NEAR(ks, 0.34500000000000003, 1e-9);
  EXPECT_GT(ks, 0.1);  // load 25 and load 100 are clearly different systems
  EXPECT_NEAR(json_number(r.out, "wasserstein_us"), 15076.70899999998, 1e-9 * 15076.7);
  EXPECT_NEAR(json_number(r.out, "p50_rel_err"), 0.5018428106452231, 1e-9);
  EXPECT_NEAR(json_number(r.out, "p99_rel_err"), 0.6836162906472212, 1e-9);
  EXPECT_LT(json_number(r.out, "ks_pvalue"), 1e-40);
  EXPECT_EQ(json_number(r.out, "count", 0), 1000);
  EXPECT_EQ(json_number(r.out, "count", 1), 1000);
  EXPECT_EQ(json_number(r.out, "p50_us", 0), 20892.0);
  EXPECT_EQ(json_number(r.out, "p50_us", 1), 31376.5);
  EXPECT_NEAR(json_number(r.out, "p99_us", 0), 72263.55, 1e-6);
  EXPECT_NEAR(json_number(r.out, "p99_us", 1), 121664.09, 1e-6);
  for (const char* key : {"\"what\": \"root\"", "\"a\": \"hotel_load25\"", "\"b\": \"hotel_load100\"", "\"p90_us\"",
                          "\"p99_9_us\"", "\"source\": \"traces\""})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

TEST(CliCompare, AFileAgainstItselfIsIdentical) {
  auto r = run_command(palette_cmd("compare --json " + hotel("25") + " " + hotel("25") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json_number(r.out, "ks"), 0);
  EXPECT_EQ(json_number(r.out, "wasserstein_us"), 0);
  EXPECT_EQ(json_number(r.out, "p50_rel_err"), 0);
  EXPECT_EQ(json_number(r.out, "p99_rel_err"), 0);
  EXPECT_NE(r.out.find("\"b\": \"hotel_load25 (2)\""), std::string::npos) << r.out;
}

TEST(CliCompare, HumanTableAndThreeInputs) {
  auto r = run_command(palette_cmd("compare --names low,mid,high " + hotel("25") + " " + hotel("100") + " " +
                                   hotel("150") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("end-to-end (root) latency\n\ninput     n      p50      p90      p99    p99.9     mean      max\n"
                       "low    1000  20.9 ms  45.5 ms  72.3 ms  88.7 ms  24.7 ms  91.8 ms\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("against low      KS  p-value  Wasserstein  p50 err  p99 err\n"
                       "mid          0.3450   <1e-16      15.1 ms   +50.2%   +68.4%\n"),
            std::string::npos)
      << r.out;
  auto j = run_command(palette_cmd("compare --json " + hotel("25") + " " + hotel("100") + " " + hotel("150") + " 2>&1"));
  ASSERT_EQ(j.status, 0) << j.out;
  EXPECT_TRUE(one_object(j.out));
  EXPECT_NE(j.out.find("\"pairs\": ["), std::string::npos);
  EXPECT_NE(j.out.find("\"b\": \"hotel_load150\""), std::string::npos);
  EXPECT_GT(json_number(j.out, "ks", 1), 0.3);  // 25 vs 150
}

TEST(CliCompare, ApiLatenciesFromTraces) {
  auto r = run_command(palette_cmd("compare --json --what search:/search.Search/Nearby " + hotel("25") + " " +
                                   hotel("100") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"what\": \"search:/search.Search/Nearby\""), std::string::npos);
  EXPECT_EQ(json_number(r.out, "p50_us", 0), 8112.0);  // compare_reference.py: server-side durations
  EXPECT_GT(json_number(r.out, "ks"), 0);
}

TEST(CliCompare, LatencyCsvsWithFailedRowsLeftOut) {
  palette::test::TempDir dir;
  auto a = dir.write("a.csv", "request_id,root_api,start_us,latency_us,status\n1,x,0,1000,ok\n2,x,5,2000,ok\n3,x,9,3000,ok\n");
  auto b = dir.write("b.csv", "request_id,root_api,start_us,latency_us,status\n1,x,0,1000,ok\n2,x,5,2000,ok\n"
                              "3,x,9,90000,timeout\n4,x,9,4000,ok\n");
  auto r = run_command(palette_cmd("compare --json " + a + " " + b + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json_number(r.out, "count", 1), 3);
  EXPECT_EQ(json_number(r.out, "status=timeout"), 1);
  EXPECT_NEAR(json_number(r.out, "ks"), 1.0 / 3, 1e-12);          // F_a(3000) = 1, F_b(3000) = 2/3
  EXPECT_NEAR(json_number(r.out, "wasserstein_us"), 1000.0 / 3, 1e-9);  // 1/3 on [3000, 4000)
  auto all = run_command(palette_cmd("compare --json --include-errors " + a + " " + b + " 2>&1"));
  EXPECT_EQ(json_number(all.out, "count", 1), 4);
}

TEST(CliCompare, ResultsFolderSaysWhatItDidNotRead) {
  palette::test::TempDir dir;
  std::filesystem::create_directories(dir.file("sim"));
  dir.write("sim/latencies.csv", "request_id,root_api,start_us,latency_us,status\n1,x,0,1500,ok\n2,x,0,2500,error\n");
  dir.write("sim/summary.json", "{}");
  auto ref = dir.write("ref.csv", "latency_us\n1500\n");
  auto r = run_command(palette_cmd("compare " + ref + " " + dir.file("sim") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\nsim    1  1.5 ms"), std::string::npos) << r.out;  // the folder is named after itself
  EXPECT_NE(r.out.find("  sim: left out 1 (status=error 1)\n  sim: not read: summary.json\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nsim          0.0000        1         0 µs    +0.0%    +0.0%\n"), std::string::npos) << r.out;
  auto j = run_command(palette_cmd("compare --json " + ref + " " + dir.file("sim") + " 2>&1"));
  EXPECT_NE(j.out.find("\"ignored_files\": [\n        \"" + dir.file("sim/summary.json") + "\""), std::string::npos) << j.out;
}

TEST(CliCompare, ReportFolder) {
  palette::test::TempDir dir;
  std::string out = dir.file("report");
  auto r = run_command(palette_cmd("compare --report " + out + " " + hotel("25") + " " + hotel("100") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("wrote " + out + "/report.html"), std::string::npos) << r.out;
  std::string html = palette::test::read_file(out + "/report.html");
  EXPECT_NE(html.find("<svg "), std::string::npos);
  EXPECT_NE(html.find(">hotel_load100</text>"), std::string::npos);  // legend
  EXPECT_NE(html.find("<td class=\"num\">0.3450</td>"), std::string::npos);
  EXPECT_EQ(palette::test::markup_problem(html), "");

  auto again = run_command(palette_cmd("compare --report " + out + " " + hotel("25") + " " + hotel("100") + " 2>&1"));
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("report.html: already exists; not overwriting it (hint: pass --force to replace it)"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(run_command(palette_cmd("compare --force --report " + out + " " + hotel("25") + " " + hotel("25") +
                                    " >/dev/null 2>&1"))
                .status,
            0);
  EXPECT_NE(palette::test::read_file(out + "/report.html").find("hotel_load25 (2)"), std::string::npos);
}

TEST(CliCompare, Errors) {
  palette::test::TempDir dir;
  auto csv = dir.write("latencies.csv", "latency_us\n5\n");
  auto r = run_command(palette_cmd("compare " + hotel("25") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("palette compare: error: PATH: give at least two inputs to compare, got 1"), std::string::npos) << r.out;

  r = run_command(palette_cmd("compare --what frontend:x " + csv + " " + csv + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(csv + ": --what: a latencies CSV holds end-to-end latencies only"), std::string::npos) << r.out;

  r = run_command(palette_cmd("compare --names a " + csv + " " + csv + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--names: 1 names for 2 inputs (hint: give one name per input, separated by commas)"),
            std::string::npos)
      << r.out;

  r = run_command(palette_cmd("compare --names a,a " + csv + " " + csv + " 2>&1"));
  EXPECT_NE(r.out.find("--names: name \"a\" is given twice"), std::string::npos) << r.out;

  auto bad = dir.write("bad.csv", "latency_us,status\n5,ok\nfive,ok\n");
  r = run_command(palette_cmd("compare " + csv + " " + bad + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(bad + ":3: latency_us: not a number: \"five\""), std::string::npos) << r.out;
}
