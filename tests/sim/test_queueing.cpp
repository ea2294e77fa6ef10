// Queueing is real: one service with exponential work under Poisson arrivals matches M/M/1 and M/M/c.
#include <gtest/gtest.h>

#include <cmath>

#include "palette/sim/simulation.hpp"
#include "topology_builder.hpp"

using namespace palette;
using namespace palette::sim;

namespace {

// Erlang C: probability that an arrival waits, for c servers at offered load a = λ/µ.
double erlang_c(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  double last = term * a / c;  // a^c / c!
  double rho = a / c;
  double top = last / (1 - rho);
  return top / (sum + top);
}

double mmc_mean_latency_us(int c, double lambda_per_s, double mean_service_us) {
  double mu = 1e6 / mean_service_us;
  double a = lambda_per_s / mu;
  return mean_service_us + erlang_c(c, a) / (c * mu - lambda_per_s) * 1e6;
}

// One service, `workers` workers on a host with as many cores, exponential work of mean 1 ms.
SimResult run_queue(uint32_t workers, double rho, uint64_t requests, uint64_t seed, WorkMode work = WorkMode::cpu) {
  test::TopologyBuilder b;
  uint32_t s = b.service("server", workers);
  b.root(b.api(s, "op", test::exponential_us(1000.0)));
  model::Topology t = b.build();
  SimSetup setup;
  setup.platform.hosts = {HostSpec{"host", 1, workers, 1e9, std::nullopt}};
  setup.workload.rate_per_s = rho * workers * 1000.0;
  setup.workload.requests = requests;
  setup.workload.warmup_s = 2.0;
  setup.workload.seed = seed;
  setup.options.seed = seed;
  setup.options.work = work;
  return simulate(t, setup);
}

}  // namespace

TEST(Queueing, MM1MeanLatencyWithinFivePercent) {
  for (double rho : {0.5, 0.8}) {
    SimResult r = run_queue(1, rho, 400000, 7);
    double expected = 1000.0 / (1 - rho);
    double err = r.stats.mean_latency_us / expected - 1;
    std::cout << "M/M/1 rho " << rho << ": mean " << r.stats.mean_latency_us << " us, expected " << expected
              << " us, error " << 100 * err << " %\n";
    EXPECT_LT(std::fabs(err), 0.05);
  }
}

TEST(Queueing, MMcMeanLatencyWithinFivePercent) {
  for (double rho : {0.5, 0.8}) {
    SimResult r = run_queue(4, rho, 400000, 11);
    double expected = mmc_mean_latency_us(4, rho * 4000.0, 1000.0);
    double err = r.stats.mean_latency_us / expected - 1;
    std::cout << "M/M/4 rho " << rho << ": mean " << r.stats.mean_latency_us << " us, expected " << expected
              << " us, error " << 100 * err << " %\n";
    EXPECT_LT(std::fabs(err), 0.05);
  }
}
