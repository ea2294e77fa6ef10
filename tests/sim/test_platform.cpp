// Platform YAML and placement: the shipped files load, units parse, bad files say where, and the
// three placements put services where they should.
#include <gtest/gtest.h>

#include <filesystem>

#include "palette/sim/placement.hpp"
#include "palette/sim/platform.hpp"
#include "support.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

std::string config(const std::string& name) { return std::string(PALETTE_SOURCE_DIR) + "/configs/platforms/" + name; }

model::Topology services(int n) {
  test::TopologyBuilder b;
  model::ApiIndex first = 0;
  for (int i = 0; i < n; ++i) {
    auto a = b.api(b.service("s" + std::to_string(i)), "op", model::Distribution::constant(1));
    if (i == 0) first = a;
  }
  b.root(first);
  return b.build();
}

}  // namespace

TEST(Platform, ShippedDefaultIsTheBuiltInOne) {
  EXPECT_EQ(load_platform_file(config("default.yaml")), default_platform());
  for (const auto& f : std::filesystem::directory_iterator(std::string(PALETTE_SOURCE_DIR) + "/configs/platforms"))
    EXPECT_NO_THROW(load_platform_file(f.path().string())) << f.path();
}

TEST(Platform, UnitsMeanWhatTheySay) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("10Gbps"), 1.25e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1.25GBps"), 1.25e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("100 Mbps"), 12.5e6);
  EXPECT_DOUBLE_EQ(parse_bandwidth("5000"), 5000);
  EXPECT_DOUBLE_EQ(parse_duration("25us"), 25e-6);
  EXPECT_DOUBLE_EQ(parse_duration("1.5ms"), 1.5e-3);
  EXPECT_DOUBLE_EQ(parse_duration("2"), 2);
  EXPECT_DOUBLE_EQ(parse_speed("2.5Gf"), 2.5e9);
  EXPECT_EQ(test::error_of([] { parse_bandwidth("10Gbit"); }),
            "unknown unit \"Gbit\" in \"10Gbit\" (hint: one of Tbps, Gbps, Mbps, kbps, Kbps, bps, TBps, GBps, MBps, kBps, KBps, Bps)");
  EXPECT_EQ(test::error_of([] { parse_duration("-1ms"); }), "must be a finite value >= 0, got \"-1ms\"");
}

TEST(Platform, HostsExpand) {
  PlatformSpec p;
  p.hosts = {HostSpec{"db", 1, 16, 3e9, LinkSpec{1e9, 1e-6}}, HostSpec{"web", 3, 2, 1e9, std::nullopt}};
  auto hosts = p.expand_hosts(7);
  ASSERT_EQ(hosts.size(), 4u);
  EXPECT_EQ(hosts[0].name, "db");
  EXPECT_EQ(hosts[0].link->latency_s, 1e-6);
  EXPECT_EQ(hosts[3].name, "web-2");
  EXPECT_EQ(*hosts[3].link, p.link);
  EXPECT_EQ(default_platform().expand_hosts(6).size(), 6u);
}

TEST(Platform, BadFilesSayWhereAndWhat) {
  auto err = [](const std::string& yaml) { return test::error_of([&] { load_platform(yaml, "p.yaml"); }); };
  EXPECT_EQ(err("layout: ring\n"), "p.yaml:1: layout: unknown layout \"ring\" (hint: star or cluster)");
  EXPECT_EQ(err("hosts:\n  - name: a\n    cpus: 4\n"),
            "p.yaml:3: hosts[0].cpus: unknown key (hint: known keys: cores, count, link, name, speed)");
  EXPECT_EQ(err("link: {bandwidth: fast}\n"), "p.yaml:1: link.bandwidth: expected a bandwidth, got \"fast\"");
  EXPECT_EQ(err("hosts:\n  - name: a\n    cores: 0\n"), "p.yaml:3: hosts[0].cores: expected a whole number >= 1, got \"0\"");
  EXPECT_EQ(err("hosts:\n  - name: a\n  - name: a\n"), "p.yaml: hosts: two hosts are named \"a\"");
  EXPECT_EQ(err("hosts: [\n"), "p.yaml:2: end of sequence flow not found");
  EXPECT_EQ(test::error_of([] { load_platform_file("/nonexistent/p.yaml"); }), "/nonexistent/p.yaml: cannot open platform file");
}

// Host of replica 0 of each service.
std::vector<uint32_t> first_hosts(const Placement& p) {
  std::vector<uint32_t> out;
  for (const auto& replicas : p.host) out.push_back(replicas.at(0));
  return out;
}

TEST(Placement, RoundRobinPackedAndExplicit) {
  model::Topology t = services(5);
  PlatformSpec p;
  p.hosts = {HostSpec{"h", 3, 1, 1e9, std::nullopt}};
  auto hosts = p.expand_hosts(5);
  EXPECT_EQ(first_hosts(place_services(t, hosts, parse_placement("round-robin"))), (std::vector<uint32_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(first_hosts(place_services(t, hosts, parse_placement("packed:2"))), (std::vector<uint32_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(first_hosts(place_services(t, hosts, parse_placement("packed:1"))), (std::vector<uint32_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(first_hosts(place_services(t, hosts, parse_placement("s0=h-2,s1=h-2,s2=h-0,s3=h-1,s4=h-1"))), (std::vector<uint32_t>{2, 2, 0, 1, 1}));
  test::TempDir dir;
  std::string file = dir.write("placement.yaml", "s0: h-1\ns1: h-1\ns2: h-1\ns3: h-1\ns4: h-0\n");
  EXPECT_EQ(first_hosts(place_services(t, hosts, parse_placement(file))), (std::vector<uint32_t>{1, 1, 1, 1, 0}));
  EXPECT_EQ(describe_placement(parse_placement("s1=h-0,s0=h-1")), "s0=h-1,s1=h-0");
}

TEST(Placement, ReplicasAreUnitsAndGroupsShareThem) {
  // s1 has 3 replicas; s2 and s3 form one group (one process): 1 + 3 + 1 (group) + 1 = 6 units.
  model::Topology t = services(5);
  t.services[1].replicas = 3;
  t.services[2].group = "g";
  t.services[3].group = "g";
  EXPECT_EQ(placement_units(t), 6u);
  auto hosts = default_platform().expand_hosts(placement_units(t));
  ASSERT_EQ(hosts.size(), 6u);
  Placement rr = place_services(t, hosts, parse_placement("round-robin"));
  EXPECT_EQ(rr.host[1], (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(rr.host[2], rr.host[3]);
  EXPECT_EQ(rr.host[4], (std::vector<uint32_t>{5}));
  Placement one = place_services(t, hosts, parse_placement("s0=node-0,s1=node-1,s2=node-1,s3=node-2,s4=node-2"));
  EXPECT_EQ(one.host[1], (std::vector<uint32_t>{1, 1, 1}));
}

TEST(Placement, MistakesAreNamed) {
  model::Topology t = services(3);
  auto hosts = default_platform().expand_hosts(placement_units(t));
  auto err = [&](const std::string& text) { return test::error_of([&] { place_services(t, hosts, parse_placement(text)); }); };
  EXPECT_EQ(err("packed:4"), "placement: packed:4 needs that many hosts, the platform has 3");
  EXPECT_EQ(err("packed:x"), "placement: expected packed:K with K >= 1, got \"packed:x\"");
  EXPECT_EQ(err("s0=node-0,s1=node-1"), "placement: services without a host: s2 (hint: name every service, or use round-robin / packed:K)");
  EXPECT_EQ(err("s0=node-0,s1=node-1,s2=nowhere"), "placement.s2: no host \"nowhere\" in the platform");
  EXPECT_EQ(err("s9=node-0"), "placement.s9: no service \"s9\" in the topology");
  EXPECT_EQ(err("spread"),
            "placement: unknown placement \"spread\" (hint: round-robin, packed:K, svc=host,svc=host, or a YAML file of service: host)");
}
