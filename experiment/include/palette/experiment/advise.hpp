#pragma once
// What to speed up: for each API (and each service with several APIs), the simulated change of the
// end-to-end p50 and p99 if its local work were halved, and if it were removed (zero: off the critical
// path), next to the share of requests on whose critical path it lies. The critical path alone does
// not say what a speed-up buys under queueing; the simulation does. Ranked by the p99 gain of halving.
//
//   auto rows = advise(topology, opts, progress);
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "palette/report/html_page.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/topology/topology.hpp"

namespace palette::experiment {

struct AdviceOptions {
  sim::SimSetup setup;       // platform, placement, workload (rate 0 = the topology's traced rate)
  uint32_t max_targets = 12; // simulate at most this many, the most critical first
  uint64_t sample_requests = 2000;  // for the critical-path shares
};

struct AdviceRow {
  std::string target;        // an API label, or a service name
  bool service = false;
  double critical_share = 0; // share of requests with it on the critical path (local work > 0)
  double p50_halved_us = 0, p99_halved_us = 0;    // change vs the baseline (negative = faster)
  double p50_removed_us = 0, p99_removed_us = 0;
};

struct Advice {
  double baseline_p50_us = 0, baseline_p99_us = 0;
  double rate_per_s = 0;
  uint64_t requests = 0;
  std::vector<AdviceRow> rows;  // ranked
};

Advice advise(const model::Topology& topology, const AdviceOptions& options,
              const std::function<void(const std::string&)>& progress = {});

// The share of sampled requests whose critical path runs through each API (by index).
std::vector<double> critical_path_shares(const model::Topology& topology, uint64_t requests, uint64_t seed);

void add_advice_section(report::HtmlPage& page, const Advice& advice);
std::string advice_text(const Advice& advice);

}  // namespace palette::experiment
