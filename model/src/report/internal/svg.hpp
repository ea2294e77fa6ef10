#pragma once
// Machinery shared by the SVG plot writers: escaping, number formatting, axis scales with "nice"
// ticks (1-2-5 steps, decades on log axes), and the plot frame (title, grid, ticks, axis labels,
// legend) that a writer fills with its series.
#include <string>
#include <string_view>
#include <vector>

#include "palette/report/series_style.hpp"

namespace palette::report::internal {

// Text and attribute values for XML/HTML: & < > " ' escaped.
std::string escape(std::string_view text);
// A coordinate or value with at most `decimals` decimals and no trailing zeros ("12.5", "3", "-0.25").
std::string num(double v, int decimals = 2);

struct Tick {
  double value = 0;
  std::string label;  // empty: a minor tick (grid line only)
};

// One axis: the value range it shows, how values map to pixels, and its ticks.
struct Axis {
  double lo = 0, hi = 1;  // value range shown (positive on a log axis)
  bool log = false;
  std::vector<Tick> ticks;
  std::string label;
  // The pixel range is set by the frame; from < to for x, from > to for y (SVG y grows downwards).
  double from_px = 0, to_px = 1;

  // The pixel position of a value, clamped to the axis (so steps that leave the range run along it).
  double px(double v) const;
};

// Ticks at 1, 2, 2.5 or 5 times a power of ten, about `target` of them, the range widened to the
// nearest ticks around [lo, hi] (unless `exact`, which keeps lo and hi as they are).
Axis linear_axis(double lo, double hi, int target = 6, bool exact = false);
// A log axis over positive [lo, hi]: for up to ~2.5 decades the range snaps to 1-2-5 values and each is
// labelled; wider ranges snap to decades, labelled, with minor ticks at 2..9.
Axis log_axis(double lo, double hi);
// Tick label for a value: "%g"-like with up to 4 significant digits ("0.25", "120", "1500", "2e+05").
std::string tick_label(double v);

struct LegendEntry {
  std::string name;
  SeriesStyle style;
  bool marker = false;  // draw the series' point marker in the legend too
};

struct FrameSpec {
  int width = 760, height = 440;
  std::string title;
  std::vector<LegendEntry> legend;
  std::string y_tick_suffix;  // e.g. "%" (labels come as given by the axis otherwise)
};

// A spec with one legend entry per series name, styled by position (series_style(k)).
FrameSpec frame_spec(int width, int height, std::string title, const std::vector<std::string>& series_names,
                     bool legend_markers);

// Lays out the plot area (room for the title, the y tick labels, the axis labels and the legend: on
// the right, or below when it would take more than 30 % of the width), sets the axes' pixel ranges,
// and writes everything but the series.
class Frame {
 public:
  Frame(FrameSpec spec, Axis x, Axis y);

  const Axis& x() const { return x_; }
  const Axis& y() const { return y_; }
  double left() const { return left_; }
  double right() const { return right_; }
  double top() const { return top_; }
  double bottom() const { return bottom_; }

  std::string open() const;   // <svg>, background, title, grid, tick labels, axis labels
  std::string close() const;  // axis lines, legend, </svg>

 private:
  FrameSpec spec_;
  Axis x_, y_;
  double left_ = 0, right_ = 0, top_ = 0, bottom_ = 0;
  double legend_width_ = 0;  // of the widest entry
  // Where each legend entry goes: on the right of the plot, or in rows under it when long names
  // would otherwise squeeze the plot.
  std::vector<std::pair<double, double>> legend_at_;
};

// A polyline through pixel points, dropping points closer than `resolution` px to the last one kept
// (a million-point CDF becomes a few thousand points without visible change).
std::string polyline(const std::vector<std::pair<double, double>>& points, const SeriesStyle& style,
                     double stroke_width = 1.8, double resolution = 0.3);
// A point marker centred on (x, y).
std::string marker(Marker m, double x, double y, const std::string& color, double size = 4);
// Rough width of a text in px at a font size (sans-serif averages ~0.56 em per character).
double text_width(std::string_view text, double font_px);

inline constexpr const char* kFont = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

}  // namespace palette::report::internal
