#pragma once
// CDF plot: the empirical latency distributions of several named samples as step curves in one SVG,
// x in milliseconds (log or linear), with a legend and optional p50/p99 markers. The `tail` view plots
// the complementary CDF (share of requests slower than x) on a log y axis, where p99 and p99.9
// differences that the plain CDF squeezes against its top edge become visible.
//
//   std::string svg = cdf_plot_svg({{"traces", &traces}, {"simulation", &sim}}, {.title = "root latency"});
//
// Curves are exact steps of the ECDF, thinned to what can be seen (points closer than 0.3 px to the
// previous one are dropped), so a million-request sample still gives an SVG of a few hundred KB at most.
// Values <= 0 on a log axis are drawn at its left edge.
#include <string>
#include <vector>

#include "palette/stats/compare.hpp"

namespace palette::report {

struct CdfSeries {
  std::string name;                       // legend text
  const stats::Sample* sample = nullptr;  // latencies in µs; must outlive the call
};

struct CdfPlotOptions {
  std::string title;
  std::string x_label = "latency (ms)";
  bool log_x = true;
  bool tail = false;           // plot 1 − CDF on a log y axis (down to 1/n of the largest sample)
  bool quantile_markers = true;  // mark where each curve crosses p50 and p99
  int width = 760, height = 440;
};

// Throws Error(bad_value) when there is no series or a series has no sample or no values.
std::string cdf_plot_svg(const std::vector<CdfSeries>& series, const CdfPlotOptions& options = {});

}  // namespace palette::report
