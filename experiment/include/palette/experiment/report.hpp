#pragma once
// The results of one experiment as a person reads them (report.html: what ran, what was applied, CDF
// plots and tables of traces vs simulation vs emulation, per-API plots, the advice section) and as
// numbers (summary.json).
#include <functional>
#include <string>
#include <vector>

#include "palette/experiment/config.hpp"
#include "palette/experiment/run.hpp"
#include "palette/report/html_page.hpp"
#include "palette/report/latency_comparison.hpp"
#include "palette/topology/topology.hpp"

namespace palette::experiment {

// Writes DIR/report.html and DIR/summary.json. `root` may have no inputs (nothing to compare).
void write_run_report(const std::string& dir, const ExperimentConfig& config, const ExperimentResult& result,
                      const model::Topology& topology, const report::LatencyComparison& root,
                      const std::vector<report::LatencyComparison>& per_api,
                      const std::function<void(report::HtmlPage&)>& extra_sections = {});

}  // namespace palette::experiment
