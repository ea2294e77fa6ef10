// `palette emu` as a user runs it: fit the hotel traces, replay their arrivals against the emulated
// system, compare with the traces — the whole path of the issue through the command line; the
// emulator against the simulator through `palette run`; and the errors a user meets, one line each.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "palette/stats/compare.hpp"
#include "palette/stats/latencies.hpp"
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

// The emulator against the simulator, as `palette run` runs both on one experiment: the hotel
// topology fitted from its traces, the same requests (same seed) at the same load; the root latency
// distributions agree within KS 0.10 (issue 5's target).
TEST(CliEmu, RunAgreesWithTheSimulator) {
  palette::test::TempDir dir;
  const std::string config = dir.write("hotel.yaml",
                                       "name: hotel-sim-emu\nseed: 1\ntraces:\n  paths: [" +
                                           palette::test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json") +
                                           "]\nworkload:\n  arrivals: poisson\n  rate: 40\n  requests: 300\n"
                                           "sim:\n  enabled: true\nemu:\n  enabled: true\n  work: sleep\n");
  auto r = run_command(palette_cmd("run " + config + " -o " + dir.file("out")));
  ASSERT_EQ(r.status, 0) << r.out;
  auto sim = palette::stats::read_latencies(dir.file("out/sim"), {});
  auto emu = palette::stats::read_latencies(dir.file("out/emu"), {});
  ASSERT_EQ(sim.values_us.size(), 300u);
  ASSERT_EQ(emu.values_us.size(), 300u);
  palette::stats::Sample s(sim.values_us), e(emu.values_us);
  const double ks = palette::stats::ks_statistic(s, e);
  std::printf("hotel at 40/s: sim p50 %.0f p99 %.0f us, emu p50 %.0f p99 %.0f us, KS %.3f\n", s.quantile(0.5),
              s.quantile(0.99), e.quantile(0.5), e.quantile(0.99), ks);
  EXPECT_LE(ks, 0.10);
}
