#pragma once
// Line chart: metrics against a parameter (p50 and p99 latency against the arrival rate of a sweep,
// KS against a model option, ...) as several named series of (x, y) points in one SVG, each drawn as a
// line with a point marker at every measured value, with a legend.
//
//   LineSeries p99{"p99 (ms)", {100, 200, 400}, {12.1, 14.0, 31.7}};
//   std::string svg = line_chart_svg({p50, p99}, {.title = "rate sweep", .x_label = "requests/s"});
//
// Points are drawn in the order given (sort by x for a sweep). NaN y values break the line there
// (a point that failed to run), they are not drawn as zero.
#include <string>
#include <vector>

namespace palette::report {

struct LineSeries {
  std::string name;
  std::vector<double> x, y;  // same length
};

struct LineChartOptions {
  std::string title;
  std::string x_label, y_label;
  bool log_x = false, log_y = false;  // log axes need positive values (others are left out)
  bool y_from_zero = true;            // linear y axis starts at 0 (changes read as proportions)
  int width = 760, height = 420;
};

// Throws Error(bad_value) when there is no series, when x and y differ in length, or when no point
// can be drawn.
std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& options = {});

}  // namespace palette::report
