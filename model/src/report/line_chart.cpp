#include "palette/report/line_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "internal/svg.hpp"
#include "palette/error.hpp"

namespace palette::report {

std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& options) {
  if (series.empty()) throw Error(ErrorKind::bad_value, "a line chart needs at least one series");
  auto drawable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!options.log_x || x > 0) && (!options.log_y || y > 0);
  };
  const double inf = std::numeric_limits<double>::infinity();
  double xlo = inf, xhi = -inf, ylo = inf, yhi = -inf;
  for (const auto& s : series) {
    if (s.x.size() != s.y.size())
      throw Error(ErrorKind::bad_value, "series \"" + s.name + "\" has " + std::to_string(s.x.size()) + " x values but " +
                                            std::to_string(s.y.size()) + " y values");
    for (size_t k = 0; k < s.x.size(); ++k) {
      if (!drawable(s.x[k], s.y[k])) continue;
      xlo = std::min(xlo, s.x[k]);
      xhi = std::max(xhi, s.x[k]);
      ylo = std::min(ylo, s.y[k]);
      yhi = std::max(yhi, s.y[k]);
    }
  }
  if (!std::isfinite(xlo)) throw Error(ErrorKind::bad_value, "a line chart with no point to draw");

  internal::Axis x = options.log_x ? internal::log_axis(xlo, xhi) : internal::linear_axis(xlo, xhi, 7);
  internal::Axis y = options.log_y ? internal::log_axis(ylo, yhi)
                                   : internal::linear_axis(options.y_from_zero ? std::min(0.0, ylo) : ylo, yhi, 6);
  x.label = options.x_label;
  y.label = options.y_label;
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  internal::Frame frame(internal::frame_spec(options.width, options.height, options.title, names, true), x, y);

  std::string svg = frame.open();
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    SeriesStyle style = series_style(k);
    svg += "<g class=\"series\" data-name=\"" + internal::escape(s.name) + "\">\n";
    // One polyline per run of drawable points: a missing point leaves a gap, not a fake value.
    std::vector<std::pair<double, double>> run;
    std::string markers;
    auto flush = [&] {
      if (run.size() > 1) svg += internal::polyline(run, style, 2.0, 0);
      run.clear();
    };
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i])) {
        flush();
        continue;
      }
      double px = frame.x().px(s.x[i]), py = frame.y().px(s.y[i]);
      run.emplace_back(px, py);
      markers += "<g><title>" + internal::escape(s.name) + ": " + internal::tick_label(s.x[i]) + ", " +
                 internal::tick_label(s.y[i]) + "</title>" + internal::marker(style.marker, px, py, style.color) + "</g>\n";
    }
    flush();
    svg += markers + "</g>\n";
  }
  return svg + frame.close();
}

}  // namespace palette::report
