// Interventions change exactly what they target; absorbing and downscaling keep the end-to-end latency.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "palette/stats/compare.hpp"
#include "palette/topology/downscale.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/interventions.hpp"
#include "palette/topology/model_sampling.hpp"
#include "palette/topology/topology_yaml.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::model;

namespace {

const Topology& hotel() {
  static const Topology t = [] {
    auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
    return fit_topology(set, {});
  }();
  return t;
}

std::vector<double> root_latencies(const Topology& t, int n = 4000, uint64_t seed = 5) {
  Catalog cat;
  ModelSampler ms(t, seed, cat);
  std::vector<double> out;
  for (int r = 0; r < n; ++r) out.push_back(static_cast<double>(ms.sample(static_cast<uint64_t>(r), 0).root().duration_us));
  return out;
}

double ks(const std::vector<double>& a, const std::vector<double>& b) {
  return stats::ks_statistic(stats::Sample(a), stats::Sample(b));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string yaml_of(const Topology& t) {
  std::ostringstream o;
  save_topology(t, o);
  return o.str();
}

}  // namespace

TEST(Interventions, ScaleTouchesOnlyItsTarget) {
  Topology t = hotel();
  const ApiIndex rate = api_by_label(t, "rate:/rate.Rate/GetRates");
  const double before = t.apis[rate].gcm.work_context(kNoApiIndex, -1).work_us.quantile(0.5);
  std::string what = scale_local_work(t, Target::parse(t, "rate"), 0.5);
  EXPECT_EQ(what, "local work of rate x0.5");
  EXPECT_DOUBLE_EQ(t.apis[rate].gcm.work_context(kNoApiIndex, -1).work_us.quantile(0.5), before * 0.5);
  // Everything else is byte for byte the same: restore the target and compare the files.
  scale_local_work(t, Target::parse(t, "rate"), 2.0);
  EXPECT_EQ(yaml_of(t), yaml_of(hotel()));
  // Faster rate -> faster requests.
  Topology fast = hotel();
  scale_local_work(fast, Target::parse(fast, "rate:/rate.Rate/GetRates"), 0.1);
  EXPECT_LT(median(root_latencies(fast)), median(root_latencies(hotel())) - 1000);
  EXPECT_THROW(Target::parse(t, "nope"), Error);
}

TEST(Interventions, ShiftAndSetLocalWork) {
  Topology t = hotel();
  shift_local_work(t, Target::parse(t, "geo"), -1e9);
  const ApiIndex geo = api_by_label(t, "geo:/geo.Geo/Nearby");
  for (const auto& w : t.apis[geo].gcm.work) EXPECT_EQ(w.work_us.quantile(1.0), 0.0);  // clamped at zero
  set_local_work(t, Target::parse(t, "geo"), Distribution::constant(250));
  ASSERT_EQ(t.apis[geo].gcm.work.size(), 1u);
  EXPECT_EQ(t.apis[geo].gcm.work[0].work_us.quantile(0.3), 250.0);
  t.validate();
}

TEST(Interventions, RemoveWithAbsorbKeepsTheLatencyDropRemovesIt) {
  const auto base = root_latencies(hotel());
  Topology absorbed = hotel();
  std::string what = remove_api(absorbed, Target::parse(absorbed, "profile"), RemoveMode::absorb, 1);
  absorbed.validate();
  EXPECT_EQ(absorbed.services.size(), 5u);
  EXPECT_EQ(absorbed.find_service("profile"), UINT32_MAX);
  double k = ks(base, root_latencies(absorbed));
  EXPECT_LT(k, 0.05) << what;

  Topology dropped = hotel();
  remove_api(dropped, Target::parse(dropped, "profile"), RemoveMode::drop, 1);
  dropped.validate();
  // profile's call took ~1.8 ms overhead + ~1.5 ms of work on the median request.
  EXPECT_LT(median(root_latencies(dropped)), median(base) - 2000);
  // The result saves and loads back exactly.
  std::istringstream in(yaml_of(absorbed));
  EXPECT_EQ(yaml_of(load_topology(in, "t.yaml")), yaml_of(absorbed));
}

TEST(Interventions, RemovingASubtreeRootDropsWhatOnlyItCalled) {
  Topology t = hotel();
  remove_api(t, Target::parse(t, "search"), RemoveMode::drop, 1);
  // geo and rate were only called by search.
  EXPECT_EQ(t.services.size(), 3u);
  EXPECT_EQ(t.apis.size(), 3u);
  t.validate();
  EXPECT_THROW(remove_api(t, Target::parse(t, "frontend"), RemoveMode::drop, 1), Error);  // no root left
}

TEST(Interventions, CallProbabilityDownAndUp) {
  Topology t = hotel();
  const ApiIndex front = api_by_label(t, "frontend:HTTP GET /hotels");
  const ApiIndex res = api_by_label(t, "reservation:/reservation.Reservation/CheckAvailability");
  EXPECT_NEAR(call_probability(t, front, res, 1), 1.0, 1e-9);
  set_call_probability(t, front, res, 0.3, 1);
  EXPECT_NEAR(call_probability(t, front, res, 2), 0.3, 0.015);
  // A call that never happens, raised to 60%.
  const ApiIndex geo = api_by_label(t, "geo:/geo.Geo/Nearby");
  set_call_probability(t, front, geo, 0.6, 1);
  EXPECT_NEAR(call_probability(t, front, geo, 3), 0.6, 0.015);
  t.validate();
}

TEST(Interventions, AddApiEdgePayloadWorkersErrors) {
  Topology t = hotel();
  const ApiIndex front = api_by_label(t, "frontend:HTTP GET /hotels");
  add_api(t, "cache", "GET", Distribution::constant(100), {{front, 0.5}});
  const ApiIndex cache = api_by_label(t, "cache:GET");
  EXPECT_NEAR(call_probability(t, front, cache, 4), 0.5, 0.015);
  set_payload(t, front, cache, 512, 4096);
  EXPECT_EQ(t.edge(front, cache)->response_bytes.quantile(0.5), 4096.0);
  set_workers(t, "cache", 3);
  set_replicas(t, "cache", 2);
  set_work_spec(t, "*", "cpu");
  set_error_rate(t, Target::parse(t, "cache"), 0.05);
  set_timeout(t, front, cache, 2000);
  t.validate();
  std::istringstream in(yaml_of(t));
  Topology back = load_topology(in, "t.yaml");
  EXPECT_EQ(yaml_of(back), yaml_of(t));
  EXPECT_EQ(back.services[back.find_service("cache")].workers, 3u);
  EXPECT_EQ(back.services[back.find_service("cache")].replicas, 2u);
  EXPECT_EQ(back.services[0].work, "cpu");
  EXPECT_THROW(set_work_spec(t, "cache", "gpu"), Error);
  EXPECT_THROW(add_api(t, "cache", "GET", Distribution::constant(1), {}), Error);
}

TEST(Downscale, PruneHotelToHalfKeepsTheEndToEndLatency) {
  Topology t = hotel();
  auto report = prune_services(t, 3, 1);
  t.validate();
  EXPECT_EQ(report.services_before, 6u);
  EXPECT_EQ(report.services_after, 3u);
  EXPECT_EQ(report.actions.size(), 3u);
  double k = ks(root_latencies(hotel()), root_latencies(t));
  EXPECT_LT(k, 0.05);
  std::cout << "hotel 6 -> 3 services: KS " << k << ", depth " << report.depth_before << " -> " << report.depth_after << "\n";
  for (const auto& a : report.actions) std::cout << "  " << a << "\n";
  EXPECT_THROW(prune_services(t, 0, 1), Error);
}

TEST(Downscale, ColocateKeepsTheGraphAndBalancesGroups) {
  Topology t = hotel();
  auto report = colocate_services(t, 2);
  EXPECT_EQ(report.actions.size(), 2u);
  std::set<std::string> groups;
  for (const auto& s : t.services) {
    EXPECT_FALSE(s.group.empty());
    groups.insert(s.group);
  }
  EXPECT_EQ(groups.size(), 2u);
  EXPECT_EQ(t.apis.size(), hotel().apis.size());
  EXPECT_EQ(t.edges.size(), hotel().edges.size());
}
