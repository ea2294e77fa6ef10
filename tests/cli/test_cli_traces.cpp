// The `palette traces` commands as a user runs them: exit codes, --json output, error messages.
#include <gtest/gtest.h>

#include "support.hpp"

using palette::test::run_command;

namespace {
std::string palette_cmd(const std::string& args) { return std::string(PALETTE_BINARY) + " " + args; }
}  // namespace

TEST(CliTraces, StatsJsonIsOneObjectWithTheDocumentedKeys) {
  auto r = run_command(palette_cmd("traces stats --json " + palette::test::shared_trace("dsb-hotel-jaeger/hotel_load100.jaeger.json") + " 2>/dev/null"));
  ASSERT_EQ(r.status, 0);
  for (const char* key : {"\"traces\": 1000", "\"spans\": 11000", "\"services\": 6", "\"apis\": 6", "\"edges\": 5",
                          "\"max_depth\": 3", "\"root_latency_us\"", "\"p50\"", "\"p99\"", "\"anomalies\""})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << "\n" << r.out;
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(r.out.find('{', 1) != std::string::npos, true);
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n");
}

TEST(CliTraces, ShippedExampleWorks) {
  auto r = run_command(palette_cmd("traces stats " + std::string(PALETTE_SOURCE_DIR) + "/examples/traces/ 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("traces         400"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("anomalies      none"), std::string::npos) << r.out;
}

TEST(CliTraces, ErrorsNameTheFileAndExitNonZero) {
  palette::test::TempDir dir;
  auto garbage = dir.write("garbage.bin", std::string("\x01\x02\x03\xff\xfe binary", 12));
  auto r = run_command(palette_cmd("traces stats " + garbage + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("garbage.bin: its first bytes match no known trace format"), std::string::npos) << r.out;

  auto empty = dir.write("empty.json", "");
  r = run_command(palette_cmd("traces stats " + empty + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("empty.json: the file is empty"), std::string::npos) << r.out;

  r = run_command(palette_cmd("traces stats " + dir.file("missing.json") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("missing.json: no such file or directory"), std::string::npos) << r.out;

  r = run_command(palette_cmd("traces stats --format nonsense " + garbage + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--format: unknown trace format \"nonsense\""), std::string::npos) << r.out;

  r = run_command(palette_cmd("traces stats --bogus 2>&1"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unrecognised option '--bogus'"), std::string::npos) << r.out;
}

TEST(CliTraces, StrictStopsAtTheFirstMalformedRecord) {
  palette::test::TempDir dir;
  auto f = dir.write("bad.json", "{\"data\":[\n{\"traceID\":\"1\",\"spans\":[{\"spanID\":\"1\",\"duration\":\"x\"}]}\n]}");
  auto lenient = run_command(palette_cmd("traces stats --json " + f + " 2>/dev/null"));
  EXPECT_EQ(lenient.status, 0);
  EXPECT_NE(lenient.out.find("\"malformed.jaeger_trace\": 1"), std::string::npos) << lenient.out;
  auto strict = run_command(palette_cmd("traces stats --strict " + f + " 2>&1"));
  EXPECT_EQ(strict.status, 1);
  EXPECT_NE(strict.out.find("bad.json:2: jaeger_trace record: duration"), std::string::npos) << strict.out;
}

TEST(CliTraces, SynthRefusesToOverwrite) {
  palette::test::TempDir dir;
  auto out = dir.file("s.json");
  ASSERT_EQ(run_command(palette_cmd("traces synth -n 10 -o " + out + " 2>/dev/null")).status, 0);
  auto again = run_command(palette_cmd("traces synth -n 10 -o " + out + " 2>&1"));
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("already exists; not overwriting it (hint: pass --force"), std::string::npos) << again.out;
  EXPECT_EQ(run_command(palette_cmd("traces synth -n 10 --force -o " + out + " 2>/dev/null")).status, 0);
}
