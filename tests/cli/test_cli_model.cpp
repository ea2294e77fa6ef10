// `palette show` as a user runs it: the summary of a valid topology, one clear line for a bad one.
#include <gtest/gtest.h>

#include "palette/topology/topology_yaml.hpp"
#include "support.hpp"
#include "topology_fixtures.hpp"

using palette::test::run_command;

namespace {
std::string palette_cmd(const std::string& args) { return std::string(PALETTE_BINARY) + " " + args; }
}  // namespace

TEST(CliShow, SummarisesATopology) {
  palette::test::TempDir dir;
  palette::model::save_topology_file(palette::test::hotel_topology(), dir.file("hotel.yaml"));
  auto r = run_command(palette_cmd("show " + dir.file("hotel.yaml") + " 2>&1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "5 services, 6 APIs (1 external), 5 edges, 2 roots, 3 latency classes, 2 structure classes");
  for (const char* row : {"\n  search    8\n", "\n  search:Nearby                              1000    298 us    596 us         3         2       3            2\n",
                          "\n  search:Nearby -> rate:GetRates                              1395       60.4 us\n",
                          "\n  frontend:HTTP GET /recommendations   25.0%  (250 requests)\n", "\n  latency    0.5  0.3  0.2\n"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
}

TEST(CliShow, ABadTopologyIsOneLineNamingFileLineAndKey) {
  palette::test::TempDir dir;
  auto bad = dir.write("bad.yaml", "palette_topology: 1\narrival_rate_per_s: 1\nlatency_class_weights: [1]\n"
                                   "structure_class_weights: [1]\nroots: []\nservices:\n  - {name: a, workers: fast}\napis: {}\nedges: []\n");
  auto r = run_command(palette_cmd("show " + bad + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "palette show: error: " + bad + ":7: services[0].workers: expected a non-negative integer, got \"fast\"\n");

  r = run_command(palette_cmd("show " + dir.file("missing.yaml") + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "palette show: error: " + dir.file("missing.yaml") + ": no such file or directory\n");

  r = run_command(palette_cmd("show 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "palette show: error: TOPOLOGY: give the topology file to show\n");
}
