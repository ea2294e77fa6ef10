// What to speed up: critical-path shares and simulated gains.
#include <gtest/gtest.h>

#include "palette/experiment/advise.hpp"
#include "palette/topology/fit.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::experiment;

TEST(Advise, HotelRanksTheHeavyTailFirst) {
  auto set = ingest::load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  model::Topology t = model::fit_topology(set, {});
  // Hotel's calls are sequential: every API is on every request's critical path.
  for (double s : critical_path_shares(t, 500, 1)) EXPECT_DOUBLE_EQ(s, 1.0);
  AdviceOptions o;
  o.setup.workload.requests = 1500;
  Advice a = advise(t, o);
  ASSERT_EQ(a.rows.size(), 6u);
  EXPECT_NEAR(a.rate_per_s, t.arrival_rate_per_s, 1e-9);
  // Halving anything makes requests faster; removing does more than halving.
  for (const auto& r : a.rows) {
    EXPECT_LT(r.p50_halved_us, 0) << r.target;
    EXPECT_LE(r.p99_removed_us, r.p99_halved_us + 1) << r.target;
  }
  // reservation's local work has the long tail (p99 50 ms): it buys the most p99.
  EXPECT_EQ(a.rows[0].target, "reservation:/reservation.Reservation/CheckAvailability");
  EXPECT_LT(a.rows[0].p99_halved_us, -0.15 * a.baseline_p99_us);
  EXPECT_NE(advice_text(a).find("reservation"), std::string::npos);
}

TEST(Advise, ConcurrentCallsAreNotAllCritical) {
  // A calls B and C at once; C is always slower, so B is never on the critical path.
  model::Topology t;
  auto dist = [](double us) { return model::Distribution::constant(us); };
  for (const char* s : {"A", "B", "C"}) {
    model::ServiceModel m;
    m.name = s;
    t.services.push_back(m);
  }
  for (uint32_t s = 0; s < 3; ++s) {
    model::ApiModel a;
    a.service = s;
    a.operation = "op";
    a.pfa.states.push_back(model::PfaState{{}, 1.0, 1, {}});
    a.gcm.work.push_back(model::WorkContext{model::kNoApiIndex, -1, dist(s == 2 ? 500 : 100), {}});
    t.apis.push_back(a);
  }
  t.apis[0].pfa.steps.push_back(model::Step{{1, 2}});
  t.apis[0].pfa.states = {model::PfaState{{model::PfaTransition{0, 1, 1.0, 1}}, 0.0, 1, {}}, model::PfaState{{}, 1.0, 1, {}}};
  for (model::ApiIndex c : {1u, 2u}) {
    model::Edge e;
    e.caller = 0;
    e.callee = c;
    e.overhead_us = dist(50);
    t.edges.push_back(e);
    model::Dependency d;
    d.callee = c;
    t.apis[0].gcm.dependencies.push_back(d);
  }
  t.roots.push_back(model::RootShare{0, 1.0, 1});
  t.validate();
  auto share = critical_path_shares(t, 200, 1);
  EXPECT_DOUBLE_EQ(share[0], 1.0);
  EXPECT_DOUBLE_EQ(share[1], 0.0);
  EXPECT_DOUBLE_EQ(share[2], 1.0);
}
