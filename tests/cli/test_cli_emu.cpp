// `palette emu` as a user runs it: fit the hotel traces, replay their arrivals against the emulated
// system, compare with the traces — the whole path of the issue through the command line; and the
// errors a user meets, one clear line each.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "support.hpp"

using palette::test::run_command;

namespace {
std::string palette_cmd(const std::string& args) { return std::string(PALETTE_BINARY) + " " + args + " 2>&1"; }
}  // namespace

TEST(CliEmu, FitReplayCompare) {
  palette::test::TempDir dir;
  const std::string traces = palette::test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json");
  auto r = run_command(palette_cmd("fit " + traces + " -o " + dir.file("hotel.yaml")));
  ASSERT_EQ(r.status, 0) << r.out;
  // The 1000 traced arrivals (138 s) replayed 50x faster, each request entering where it did.
  r = run_command(palette_cmd("emu " + dir.file("hotel.yaml") + " --arrivals replay --replay " + traces +
                              " --replay-speed 50 --seed 3 -o " + dir.file("run")));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("emulated 1000 requests on 6 processes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1000 ok, 0 failed"), std::string::npos) << r.out;
  std::string csv = palette::test::read_file(dir.file("run/latencies.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1001);
  EXPECT_NE(palette::test::read_file(dir.file("run/summary.json")).find("\"workload\": \"replay requests=1000\""), std::string::npos);
  // The results folder is an input of palette compare, like the traces.
  r = run_command(palette_cmd("compare " + traces + " " + dir.file("run")));
  EXPECT_EQ(r.status, 0) << r.out;
  // The same topology, the same seed: the emulated spans are re-ingestable.
  r = run_command(palette_cmd("traces stats " + dir.file("run/traces.jaeger.json")));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("services       6"), std::string::npos) << r.out;
}

TEST(CliEmu, MistakesAreOneClearLine) {
  palette::test::TempDir dir;
  auto r = run_command(palette_cmd("emu --example chain:2 --rate 10 --requests 5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "palette emu: error: --output: give the results folder\n");

  r = run_command(palette_cmd("emu --example chain:2 --requests 5 -o " + dir.file("a")));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "palette emu: error: workload.rate: an open-loop workload needs a rate > 0\n");

  r = run_command(palette_cmd("emu --example ring:3 --rate 10 --requests 5 -o " + dir.file("a")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("example: example \"ring:3\": unknown example"), std::string::npos) << r.out;

  std::filesystem::create_directories(dir.file("keep"));
  dir.write("keep/precious.txt", "");
  r = run_command(palette_cmd("emu --example chain:2 --rate 10 --requests 5 -o " + dir.file("keep")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("is not empty; not overwriting it (hint: pass --force"), std::string::npos) << r.out;

  r = run_command(palette_cmd("emu --example chain:2 --rate 10 --requests 5 --work gpu -o " + dir.file("b")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("unknown work spec \"gpu\""), std::string::npos) << r.out;
}
