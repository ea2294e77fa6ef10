// The `palette sim` commands as a user runs them: outputs in the results folder, the summary on
// stdout, errors that say what to do, and the capacity and calibration helpers.
#include <gtest/gtest.h>

#include <filesystem>

#include "support.hpp"

using palette::test::run_command;

namespace {
std::string palette_cmd(const std::string& args) { return std::string(PALETTE_BINARY) + " " + args; }
std::string hotel(int load) { return palette::test::shared_trace("dsb-hotel-jaeger/hotel_load" + std::to_string(load) + ".jaeger.json"); }
}  // namespace

TEST(CliSim, WritesTheResultsFolder) {
  palette::test::TempDir dir;
  auto r = run_command(palette_cmd("fit " + hotel(25) + " -o " + dir.file("topology.yaml") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = run_command(palette_cmd("sim " + dir.file("topology.yaml") + " --requests 2000 --spans 10 -o " + dir.file("out") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* line : {"requests       19", "latency        p50 ", "simulated      ", "hosts          node-0 ", "wrote          "})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  for (const char* f : {"latencies.csv", "summary.json", "timing.json", "spans.json"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("out/") + f))) << f;
  std::string csv = palette::test::read_file(dir.file("out/latencies.csv"));
  EXPECT_EQ(csv.rfind("request_id,root_api,start_us,latency_us,status\n", 0), 0u);
  EXPECT_NE(csv.find(",frontend:HTTP GET /hotels,"), std::string::npos);
  std::string summary = palette::test::read_file(dir.file("out/summary.json"));
  for (const char* key : {"\"backend\": \"sim\"", "\"host_utilisation\"", "\"node-0\"", "\"p99.9\"", "\"network_model\": \"cm02\"",
                          "\"fast_path\": \"on\"", "\"correction\": \"on\"", "\"seed\": \"1\""})
    EXPECT_NE(summary.find(key), std::string::npos) << key << "\n" << summary;

  // The results compare against the traces they came from.
  r = run_command(palette_cmd("compare " + hotel(25) + " " + dir.file("out") + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;

  // Not overwritten without --force.
  r = run_command(palette_cmd("sim " + hotel(25) + " --requests 100 -o " + dir.file("out") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("already holds results; not overwriting them (hint: pass --force to replace them)"), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " --requests 100 --force -o " + dir.file("out") + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(CliSim, PlatformPlacementAndWorkloadOptions) {
  palette::test::TempDir dir;
  const std::string platforms = std::string(PALETTE_SOURCE_DIR) + "/configs/platforms/";
  auto r = run_command(palette_cmd("sim " + hotel(25) + " --platform " + platforms + "cluster-8x8.yaml --placement packed:2" +
                                   " --arrivals constant --rate 50 --duration 10 --workers 8 --network constant -o " + dir.file("a") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("rack-0 "), std::string::npos) << r.out;
  std::string summary = palette::test::read_file(dir.file("a/summary.json"));
  EXPECT_NE(summary.find("\"network_model\": \"constant\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"placement\": \"packed:2\""), std::string::npos) << summary;
  r = run_command(palette_cmd("sim " + hotel(25) + " --arrivals replay --requests 500 -o " + dir.file("b") + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " --arrivals closed --users 4 --think-time 0.01 --requests 500 --work sleep -o " +
                              dir.file("c") + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(CliSim, ErrorsSayWhatToDo) {
  palette::test::TempDir dir;
  auto r = run_command(palette_cmd("sim " + hotel(25) + " --requests 10 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--output: give a results folder"), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " --requests 10 --spans some -o " + dir.file("x") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--spans: expected all, none or a count, got \"some\""), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " -o " + dir.file("x") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("workload: give a number of requests or a duration"), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " --requests 10 --rate 100 --cores 1 --placement packed:1 -o " + dir.file("x") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("host node-0 would be 14"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("or allow overload"), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim " + hotel(25) + " --requests 10 --placement frontend=nowhere -o " + dir.file("x") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("placement.frontend: no host \"nowhere\" in the platform"), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim --help"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: palette sim TOPOLOGY"), std::string::npos) << r.out;
}

TEST(CliSim, CapacityAndCalibrate) {
  auto r = run_command(palette_cmd("sim capacity " + hotel(25) + " --rate 100 --placement packed:1 --cores 1 --cpu-fraction 0.25 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("frontend "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no worker limit seen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("node-0 (1 cores) "), std::string::npos) << r.out;
  r = run_command(palette_cmd("sim calibrate " + hotel(25) + " --against " + hotel(100) +
                              " --placement packed:1 --cores 1 --trial-requests 1500 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("overloaded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best CPU share 0.2"), std::string::npos) << r.out;
}
