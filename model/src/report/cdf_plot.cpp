#include "palette/report/cdf_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "internal/svg.hpp"
#include "palette/error.hpp"

namespace palette::report {
namespace {

using internal::Axis;

// Percent labels ("20%", "0.1%") for the y axis of both views.
void label_percent(Axis& y) {
  for (auto& t : y.ticks)
    if (!t.label.empty()) t.label = internal::tick_label(t.value * 100) + "%";
}

// The ECDF (or 1 − ECDF) of a sorted sample as step corners in pixels.
std::vector<std::pair<double, double>> step_points(const stats::Sample& s, const internal::Frame& f, bool tail) {
  const auto& v = s.values();
  const double n = static_cast<double>(v.size());
  std::vector<std::pair<double, double>> pts;
  pts.reserve(std::min<size_t>(2 * v.size(), 1 << 20));
  double below = 0;  // F just left of the current value
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j] == v[i]) ++j;
    double at = static_cast<double>(j) / n;
    double x = f.x().px(v[i] / 1000.0);
    if (tail) {
      pts.emplace_back(x, f.y().px(1 - below));
      if (j < v.size()) pts.emplace_back(x, f.y().px(1 - at));  // the last drop (to 0) is not drawn
    } else {
      pts.emplace_back(x, f.y().px(below));
      pts.emplace_back(x, f.y().px(at));
    }
    below = at;
    i = j;
  }
  return pts;
}

}  // namespace

std::string cdf_plot_svg(const std::vector<CdfSeries>& series, const CdfPlotOptions& options) {
  if (series.empty()) throw Error(ErrorKind::bad_value, "a CDF plot needs at least one series");
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, lo_positive = lo;
  size_t largest = 0;
  for (const auto& s : series) {
    if (!s.sample || s.sample->empty())
      throw Error(ErrorKind::bad_value, "series \"" + s.name + "\" has no values to plot");
    const auto& v = s.sample->values();
    lo = std::min(lo, v.front() / 1000.0);
    hi = std::max(hi, v.back() / 1000.0);
    auto pos = std::upper_bound(v.begin(), v.end(), 0.0);
    if (pos != v.end()) lo_positive = std::min(lo_positive, *pos / 1000.0);
    largest = std::max(largest, v.size());
  }
  Axis x = options.log_x ? internal::log_axis(std::isfinite(lo_positive) ? lo_positive : 1e-3, hi)
                         : internal::linear_axis(lo, hi, 7);
  x.label = options.x_label;
  Axis y;
  if (options.tail) {
    double floor_p = std::pow(10.0, std::floor(std::log10(1.0 / static_cast<double>(largest))));
    y = internal::log_axis(floor_p, 1.0);
    y.label = "requests slower than x (1 \u2212 CDF)";
  } else {
    y = internal::linear_axis(0, 1, 5, true);
    y.label = "requests with latency \u2264 x";
  }
  label_percent(y);

  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  internal::Frame frame(internal::frame_spec(options.width, options.height, options.title, names, false), x, y);
  std::string svg = frame.open();

  std::vector<double> levels;
  if (options.quantile_markers) {
    levels = {0.5, 0.99};
    if (options.tail && largest >= 10000) levels.push_back(0.999);  // below 10⁴ values p99.9 is one or two points
    // Faint horizontal guides, named at the right end, so a reader finds p50/p99 on every curve.
    for (double level : levels) {
      double py = frame.y().px(options.tail ? 1 - level : level);
      svg += "<line x1=\"" + internal::num(frame.left(), 1) + "\" y1=\"" + internal::num(py, 1) + "\" x2=\"" +
             internal::num(frame.right(), 1) + "\" y2=\"" + internal::num(py, 1) +
             "\" stroke=\"#9a9a9a\" stroke-width=\"0.8\" stroke-dasharray=\"3 3\"/>\n";
      std::string name = level == 0.5 ? "p50" : level == 0.99 ? "p99" : "p99.9";
      // Below the line: p99 sits right under the top edge of a CDF.
      svg += "<text x=\"" + internal::num(frame.right() - 4, 1) + "\" y=\"" + internal::num(py + 12, 1) +
             "\" text-anchor=\"end\" font-size=\"10\" fill=\"#777\">" + name + "</text>\n";
    }
  }
  // The first series is the reference: drawn last, so it stays on top where curves overlap.
  for (size_t k = series.size(); k-- > 0;) {
    const stats::Sample& s = *series[k].sample;
    SeriesStyle style = series_style(k);
    svg += "<g class=\"series\" data-name=\"" + internal::escape(series[k].name) + "\">\n";
    svg += internal::polyline(step_points(s, frame, options.tail), style);
    for (double level : levels) {
      double q = s.quantile(level) / 1000.0;
      double px = frame.x().px(q), py = frame.y().px(options.tail ? 1 - level : level);
      svg += "<line x1=\"" + internal::num(px, 1) + "\" y1=\"" + internal::num(frame.bottom(), 1) + "\" x2=\"" +
             internal::num(px, 1) + "\" y2=\"" + internal::num(py, 1) + "\" stroke=\"" + style.color +
             "\" stroke-width=\"1\" stroke-dasharray=\"1.5 2.5\" opacity=\"0.8\"/>\n";
      svg += internal::marker(Marker::circle, px, py, style.color, 3.2) + "\n";
    }
    svg += "</g>\n";
  }
  return svg + frame.close();
}

}  // namespace palette::report
