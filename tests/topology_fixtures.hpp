#pragma once
// Topologies built in code for the tests of topology.yaml and `palette show`: a hotel-like system
// with every feature the format has — a PFA with a loop and a concurrent step, contexts per caller
// and structure class, local work per caller and pattern with 3 latency classes, edges with
// overhead classes and payload sizes, two roots, an external API.
#include <cmath>
#include <random>

#include "palette/topology/topology.hpp"

namespace palette::test {

// Box-Muller on mt19937_64's raw output rather than std::lognormal_distribution, whose draws differ
// between standard libraries: tests print these numbers.
inline model::Distribution lognormal_samples(uint64_t seed, size_t n, double median_us, double sigma) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  std::vector<double> xs(n);
  for (auto& x : xs) x = median_us * std::exp(sigma * std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()));
  return model::Distribution::from_samples(std::move(xs));
}

inline std::vector<model::LatentParams> three_classes(double shift) {
  return {{-0.8 + shift, 0.55}, {0.1 + shift, 0.7}, {1.3 + shift, 0.45}};
}

inline model::Topology hotel_topology() {
  using namespace palette::model;
  Topology t;
  // Deployment fields set here and there, so their round trip is tested too.
  t.services = {{"frontend", 0, 1, "", ""}, {"search", 8, 2, "edge", "cpu"}, {"geo", 4, 1, "edge", ""},
                {"rate", 4, 1, "", "memory"}, {"profile", 2, 1, "", ""}};
  // 0 frontend:HTTP GET /hotels, 1 search:Nearby, 2 geo:Nearby, 3 rate:GetRates, 4 profile:GetProfiles,
  // 5 frontend:HTTP GET /recommendations
  const std::vector<std::pair<uint32_t, std::string>> apis = {
      {0, "HTTP GET /hotels"}, {1, "Nearby"}, {2, "Nearby"}, {3, "GetRates"}, {4, "GetProfiles"}, {0, "HTTP GET /recommendations"}};
  for (const auto& [s, op] : apis) {
    ApiModel a;
    a.service = s;
    a.operation = op;
    a.invocations = 1000;
    a.pfa.states = {PfaState{{}, 1.0, 1000, {}}};  // leaves: START, then FINISH
    a.gcm.work = {WorkContext{kNoApiIndex, -1, lognormal_samples(s + 11, 30, 200 + 50 * s, 0.4), three_classes(0)}};
    t.apis.push_back(std::move(a));
  }
  t.apis[4].external = true;
  t.apis[3].error_rate = 0.01;

  // frontend /hotels: search, then profile; after profile sometimes search again (a retry loop).
  ApiModel& fe = t.apis[0];
  fe.pfa.steps = {Step{{1}}, Step{{4}}};
  fe.pfa.states = {
      PfaState{{PfaTransition{0, 1, 1.0, 1000}}, 0.0, 1000, {}},
      PfaState{{PfaTransition{1, 2, 0.7, 840}, PfaTransition{0, 1, 0.2, 240}}, 0.1, 1200,
               {PfaContext{kNoApiIndex, 0, {0.6, 0.3, 0.1}, 700}, PfaContext{kNoApiIndex, 1, {0.8, 0.1, 0.1}, 500}}},
      PfaState{{}, 1.0, 840, {}}};
  fe.gcm.dependencies = {Dependency{1, 1.0, true, 1240}, Dependency{4, 0.98, true, 840}};
  fe.gcm.patterns = {Pattern{{0, 1}, 700, {0.2, 0.5, 0.3}}, Pattern{{0, 0, 1}, 140, {0.1, 0.2, 0.3, 0.4}}};
  fe.gcm.work = {WorkContext{kNoApiIndex, -1, lognormal_samples(1, 1000, 850, 0.6), three_classes(0)},
                 WorkContext{kNoApiIndex, 0, lognormal_samples(2, 700, 800, 0.5), three_classes(0.1)}};

  // search: geo and rate together, then sometimes rate once more.
  ApiModel& se = t.apis[1];
  se.pfa.steps = {Step{{2, 3}}, Step{{3}}};
  se.pfa.states = {PfaState{{PfaTransition{0, 1, 0.9, 1116}}, 0.1, 1240, {PfaContext{0, -1, {0.95, 0.05}, 1240}}},
                   PfaState{{PfaTransition{1, 2, 0.25, 279}}, 0.75, 1116, {}},
                   PfaState{{}, 1.0, 279, {}}};
  se.gcm.dependencies = {Dependency{2, 1.0, true, 1116}, Dependency{3, 0.5, false, 1395}};
  se.gcm.patterns = {Pattern{{0}, 837, {0.5, 0.5}}, Pattern{{0, 1}, 279, {}}};
  se.gcm.work = {WorkContext{0, -1, lognormal_samples(3, 200, 300, 0.3), three_classes(-0.2)},
                 WorkContext{0, 0, lognormal_samples(4, 40, 310, 0.3), {}},
                 WorkContext{kNoApiIndex, -1, lognormal_samples(5, 1240, 305, 0.3), three_classes(0)}};
  se.gcm.min_context_count = 25;

  // recommendations: profile only.
  ApiModel& rec = t.apis[5];
  rec.pfa.steps = {Step{{4}}};
  rec.pfa.states = {PfaState{{PfaTransition{0, 1, 1.0, 250}}, 0.0, 250, {}}, PfaState{{}, 1.0, 250, {}}};
  rec.gcm.dependencies = {Dependency{4, 1.0, true, 250}};

  auto edge = [](ApiIndex from, ApiIndex to, uint64_t calls, uint64_t seed) {
    Edge e;
    e.caller = from;
    e.callee = to;
    e.calls = calls;
    e.overhead_us = lognormal_samples(seed, 400, 60, 0.3);
    e.overhead_classes = three_classes(0.05);
    return e;
  };
  t.edges = {edge(0, 1, 1240, 21), edge(0, 4, 840, 22), edge(1, 2, 1116, 23), edge(1, 3, 1395, 24), edge(5, 4, 250, 25)};
  t.edges[0].request_bytes = lognormal_samples(31, 1240, 512, 0.2);
  t.edges[0].response_bytes = lognormal_samples(32, 1240, 2048, 0.7);
  t.edges[4].overhead_classes.clear();
  t.edges[1].keep_probability = 0.5;
  t.edges[2].add_probability = 0.125;
  t.edges[3].timeout_us = 50000;

  t.roots = {RootShare{0, 0.75, 750}, RootShare{5, 0.25, 250}};
  t.latency_class_weights = {0.5, 0.3, 0.2};
  t.structure_class_weights = {0.6, 0.4};
  t.arrival_rate_per_s = 1000.0 / 60.0;
  t.fit = FitInfo{Conditioning::caller, 42, 0.05, 3, 2, 25, 20};
  t.source = SourceInfo{1000, 11000, 59.87, 0.3, {"traces/hotel_load100.jaeger.json", "traces/more traces #2.json"}};
  return t;
}

// A small topology a person could have written: the golden file of the format and the example of
// docs/topology-schema.md. web:GET /cart reads the cart, sometimes retries it (a loop), sometimes
// reads cart and database together (a concurrent step).
inline model::Topology shop_topology() {
  using namespace palette::model;
  Topology t;
  t.services = {{"web", 0, 1, "", ""}, {"cart", 4, 1, "", ""}, {"db", 0, 1, "", ""}};
  auto api = [](uint32_t service, const char* op, uint64_t n, Distribution work) {
    ApiModel a;
    a.service = service;
    a.operation = op;
    a.invocations = n;
    a.pfa.states = {PfaState{{}, 1.0, n, {}}};
    a.gcm.work = {WorkContext{kNoApiIndex, -1, std::move(work), {}}};
    return a;
  };
  t.apis = {api(0, "GET /cart", 200, Distribution::from_quantiles({0, 0.25, 0.5, 0.75, 1}, {90, 120, 160, 220, 900}, 200)),
            api(1, "Get", 220, Distribution::from_quantiles({0, 0.5, 1}, {300, 450, 2500}, 220)),
            api(2, "SELECT", 50, Distribution::from_quantiles({0, 0.5, 0.99, 1}, {800, 1000, 4000, 9000}, 50))};
  t.apis[2].external = true;
  ApiModel& web = t.apis[0];
  web.pfa.steps = {Step{{1}}, Step{{1, 2}}};
  web.pfa.states = {PfaState{{PfaTransition{0, 1, 0.75, 150}, PfaTransition{1, 2, 0.25, 50}}, 0.0, 200, {}},
                    PfaState{{PfaTransition{0, 1, 0.1, 20}}, 0.9, 170, {PfaContext{kNoApiIndex, 1, {0.5, 0.5}, 40}}},
                    PfaState{{}, 1.0, 50, {}}};
  web.gcm.dependencies = {Dependency{1, 1.0, true, 220}, Dependency{2, 0.9, true, 50}};
  web.gcm.patterns = {Pattern{{0}, 135, {0.25, 0.75}}, Pattern{{1}, 50, {0.5, 0.5}}};
  web.gcm.work[0].classes = {{-0.5, 0.8}, {1.2, 0.6}};
  web.gcm.work.push_back(WorkContext{kNoApiIndex, 1, Distribution::from_quantiles({0, 0.5, 1}, {150, 200, 600}, 50), {}});
  t.apis[1].pfa.states[0].contexts = {PfaContext{0, -1, {1}, 220}};
  t.apis[1].gcm.work.insert(t.apis[1].gcm.work.begin(),
                            WorkContext{0, -1, Distribution::from_quantiles({0, 0.5, 1}, {280, 400, 2000}, 220), {{-0.4, 1}, {1, 1}}});
  Edge cart{0, 1, 220, Distribution::from_quantiles({0, 0.5, 1}, {20, 35, 80}, 220), {{0, 1}, {0.5, 1}},
            Distribution::from_quantiles({0, 1}, {120, 300}, 220), Distribution::from_quantiles({0, 0.5, 1}, {800, 2000, 64000}, 220)};
  Edge db{0, 2, 50, Distribution::constant(150), {}, {}, {}};
  t.edges = {cart, db};
  t.roots = {RootShare{0, 1.0, 200}};
  t.latency_class_weights = {0.7, 0.3};
  t.structure_class_weights = {0.6, 0.4};
  t.arrival_rate_per_s = 20;
  t.fit = FitInfo{Conditioning::caller, 1, 0.05, 2, 2, 30, 20};
  t.source = SourceInfo{200, 670, 10, 0, {"traces/shop.jaeger.json"}};
  return t;
}

}  // namespace palette::test
