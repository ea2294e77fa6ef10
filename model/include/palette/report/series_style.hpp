#pragma once
// The look of the k-th series in every palette plot: a colour from the Okabe–Ito palette (chosen to
// stay distinguishable under the common forms of colour blindness), a dash pattern and a point marker
// that change with it, so that series can be told apart in grey print too. Tables use the same colour
// for the swatch of the row that describes the series.
//
//   SeriesStyle s = series_style(1);   // s.color "#D55E00", s.dash "7 3", s.marker Marker::square
#include <cstddef>
#include <string>

namespace palette::report {

enum class Marker { circle, square, triangle, diamond, cross };

struct SeriesStyle {
  std::string color;  // "#RRGGBB"
  std::string dash;   // SVG stroke-dasharray, "" for solid
  Marker marker = Marker::circle;
};

// The first kDistinctSeries series differ in colour and dash; markers cycle over five shapes.
SeriesStyle series_style(size_t index);
inline constexpr size_t kDistinctSeries = 7;

}  // namespace palette::report
