#include "internal/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace palette::report {

SeriesStyle series_style(size_t index) {
  // Okabe & Ito (2008), reordered so the first colours are the most distinct on white; their yellow
  // is left out (too pale for thin lines on a white background).
  static constexpr std::array<const char*, kDistinctSeries> colors = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                                      "#E69F00", "#56B4E9", "#000000"};
  // As many dash patterns as colours: the first kDistinctSeries series differ in both.
  static constexpr std::array<const char*, kDistinctSeries> dashes = {"", "7 3", "2 2.5", "9 3 2 3", "4 4", "12 3", "1 3"};
  static constexpr std::array<Marker, 5> markers = {Marker::circle, Marker::square, Marker::triangle, Marker::diamond,
                                                    Marker::cross};
  return {colors[index % colors.size()], dashes[index % dashes.size()], markers[index % markers.size()]};
}

}  // namespace palette::report

namespace palette::report::internal {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

double Axis::px(double v) const {
  double a, b, t;
  if (log) {
    a = std::log10(lo);
    b = std::log10(hi);
    t = v > 0 ? std::log10(v) : a;
  } else {
    a = lo;
    b = hi;
    t = v;
  }
  double f = b > a ? (t - a) / (b - a) : 0.5;
  f = std::clamp(f, 0.0, 1.0);
  return from_px + f * (to_px - from_px);
}

Axis linear_axis(double lo, double hi, int target, bool exact) {
  if (!(hi > lo)) {  // one value (or none): centre it in a unit-wide range
    double half = lo != 0 ? std::fabs(lo) * 0.1 : 0.5;
    lo -= half;
    hi += half;
  }
  double raw = (hi - lo) / std::max(target, 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / mag;
  double step = (norm < 1.5 ? 1 : norm < 2.25 ? 2 : norm < 3.5 ? 2.5 : norm < 7.5 ? 5 : 10) * mag;
  Axis axis;
  auto first = static_cast<long long>(exact ? std::ceil(lo / step - 1e-9) : std::floor(lo / step + 1e-9));
  auto last = static_cast<long long>(exact ? std::floor(hi / step + 1e-9) : std::ceil(hi / step - 1e-9));
  axis.lo = exact ? lo : static_cast<double>(first) * step;
  axis.hi = exact ? hi : static_cast<double>(last) * step;
  for (long long k = first; k <= last; ++k) {
    double v = static_cast<double>(k) * step;
    axis.ticks.push_back({v, tick_label(v)});
  }
  return axis;
}

Axis log_axis(double lo, double hi) {
  if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
  if (!(hi > lo)) {
    lo /= 2;
    hi = lo * 4;
  }
  Axis axis;
  axis.log = true;
  double decades = std::log10(hi / lo);
  int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9)), d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  // Labelled mantissas: all of 1..9 on a short axis, 1-2-5 on a medium one, decades on a long one.
  std::vector<int> labelled = decades <= 1.05 ? std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}
                              : decades <= 2.5 ? std::vector<int>{1, 2, 5}
                                               : std::vector<int>{1};
  std::vector<std::pair<double, bool>> candidates;  // value, labelled
  for (int d = d0 - 1; d <= d1 + 1; ++d)
    for (int m = 1; m <= 9; ++m) {
      double v = m * std::pow(10.0, d);
      candidates.emplace_back(v, std::find(labelled.begin(), labelled.end(), m) != labelled.end());
    }
  axis.lo = lo;
  axis.hi = hi;
  for (const auto& [v, lab] : candidates)
    if (lab && v <= lo * (1 + 1e-9)) axis.lo = v;
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it)
    if (it->second && it->first >= hi * (1 - 1e-9)) axis.hi = it->first;
  for (const auto& [v, lab] : candidates)
    if (v >= axis.lo * (1 - 1e-9) && v <= axis.hi * (1 + 1e-9)) axis.ticks.push_back({v, lab ? tick_label(v) : ""});
  return axis;
}

double text_width(std::string_view text, double font_px) {
  // Count code points, not bytes (names may carry µ, arrows, ...).
  size_t chars = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++chars;
  return static_cast<double>(chars) * font_px * 0.56;
}

namespace {

constexpr double kTickFont = 11, kLabelFont = 12, kTitleFont = 14, kLegendFont = 12;
constexpr size_t kLegendChars = 42;

std::string legend_text(const std::string& name) {
  if (name.size() <= kLegendChars) return name;
  return name.substr(0, kLegendChars - 1) + "\u2026";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
                 const std::string& dash = "") {
  std::string s = "<line x1=\"" + num(x1, 1) + "\" y1=\"" + num(y1, 1) + "\" x2=\"" + num(x2, 1) + "\" y2=\"" +
                  num(y2, 1) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"";
  if (!dash.empty()) s += " stroke-dasharray=\"" + dash + "\"";
  return s + "/>\n";
}

std::string text(double x, double y, const std::string& content, const char* anchor, double size,
                 const std::string& extra = "") {
  return "<text x=\"" + num(x, 1) + "\" y=\"" + num(y, 1) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
         num(size) + "\"" + extra + ">" + escape(content) + "</text>\n";
}

}  // namespace

FrameSpec frame_spec(int width, int height, std::string title, const std::vector<std::string>& series_names,
                     bool legend_markers) {
  FrameSpec spec;
  spec.width = width;
  spec.height = height;
  spec.title = std::move(title);
  for (size_t k = 0; k < series_names.size(); ++k) spec.legend.push_back({series_names[k], series_style(k), legend_markers});
  return spec;
}

Frame::Frame(FrameSpec spec, Axis x, Axis y) : spec_(std::move(spec)), x_(std::move(x)), y_(std::move(y)) {
  double widest_y = 0;
  for (const auto& t : y_.ticks) widest_y = std::max(widest_y, text_width(t.label + spec_.y_tick_suffix, kTickFont));
  std::vector<double> entry_width;
  for (const auto& e : spec_.legend) {
    entry_width.push_back(text_width(legend_text(e.name), kLegendFont) + 40);
    legend_width_ = std::max(legend_width_, entry_width.back());
  }
  const bool below = legend_width_ > 0.3 * spec_.width;
  left_ = (y_.label.empty() ? 8 : 26) + widest_y + 8;
  right_ = spec_.width - (legend_width_ > 0 && !below ? legend_width_ + 14 : 16);
  top_ = spec_.title.empty() ? 14 : 40;
  const double axis_room = x_.label.empty() ? 24 : 44;
  if (below) {
    // Rows of entries as wide as the plot, filled left to right.
    double used = 0;  // of the current row
    int row = 0;
    for (double w : entry_width) {
      if (used > 0 && used + w > right_ - left_) {
        ++row;
        used = 0;
      }
      legend_at_.emplace_back(left_ + used, row);
      used += w + 16;
    }
    bottom_ = spec_.height - axis_room - 20.0 * (row + 1) - 4;
    for (auto& [lx, r] : legend_at_) r = bottom_ + axis_room + 6 + 20 * r;
  } else {
    bottom_ = spec_.height - axis_room;
    for (size_t k = 0; k < spec_.legend.size(); ++k) legend_at_.emplace_back(right_ + 14, top_ + 8 + 20.0 * static_cast<double>(k));
  }
  x_.from_px = left_;
  x_.to_px = right_;
  y_.from_px = bottom_;
  y_.to_px = top_;
}

std::string Frame::open() const {
  std::string w = num(spec_.width), h = num(spec_.height);
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " +
                  w + " " + h + "\" font-family=\"" + kFont + "\" role=\"img\"";
  if (!spec_.title.empty()) s += " aria-label=\"" + escape(spec_.title) + "\"";
  s += ">\n";
  if (!spec_.title.empty()) s += "<title>" + escape(spec_.title) + "</title>\n";
  s += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
  if (!spec_.title.empty()) s += text(left_, 22, spec_.title, "start", kTitleFont, " font-weight=\"600\" fill=\"#222\"");

  // Grid first, so that the series are drawn over it; minor lines fainter than labelled ones.
  s += "<g class=\"grid\">\n";
  for (const auto& t : x_.ticks) {
    double p = x_.px(t.value);
    s += line(p, top_, p, bottom_, t.label.empty() ? "#f1f1f1" : "#e2e2e2");
  }
  for (const auto& t : y_.ticks) {
    double p = y_.px(t.value);
    s += line(left_, p, right_, p, t.label.empty() ? "#f1f1f1" : "#e2e2e2");
  }
  s += "</g>\n<g class=\"ticks\" fill=\"#444\">\n";
  // x labels, skipping any that would run into the previous one.
  double last_end = -1e9;
  for (const auto& t : x_.ticks) {
    if (t.label.empty()) continue;
    double p = x_.px(t.value), half = text_width(t.label, kTickFont) / 2;
    if (p - half < last_end + 6) continue;
    s += line(p, bottom_, p, bottom_ + 4, "#888");
    s += text(p, bottom_ + 17, t.label, "middle", kTickFont);
    last_end = p + half;
  }
  double last_top = 1e9;
  for (const auto& t : y_.ticks) {
    if (t.label.empty()) continue;
    double p = y_.px(t.value);
    if (p + 4 > last_top - 2) continue;
    s += line(left_ - 4, p, left_, p, "#888");
    s += text(left_ - 7, p + 4, t.label + spec_.y_tick_suffix, "end", kTickFont);
    last_top = p - 8;
  }
  s += "</g>\n";
  if (!x_.label.empty()) s += text((left_ + right_) / 2, bottom_ + 34, x_.label, "middle", kLabelFont, " fill=\"#222\"");
  if (!y_.label.empty()) {
    double cy = (top_ + bottom_) / 2;
    s += "<text transform=\"translate(16 " + num(cy, 1) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"" +
         num(kLabelFont) + "\" fill=\"#222\">" + escape(y_.label) + "</text>\n";
  }
  return s;
}

std::string Frame::close() const {
  std::string s = "<rect x=\"" + num(left_, 1) + "\" y=\"" + num(top_, 1) + "\" width=\"" + num(right_ - left_, 1) +
                  "\" height=\"" + num(bottom_ - top_, 1) + "\" fill=\"none\" stroke=\"#999\"/>\n";
  if (!spec_.legend.empty()) {
    s += "<g class=\"legend\">\n";
    for (size_t k = 0; k < spec_.legend.size(); ++k) {
      const auto& e = spec_.legend[k];
      auto [x0, y] = legend_at_[k];
      s += "<g>";
      if (legend_text(e.name) != e.name) s += "<title>" + escape(e.name) + "</title>";
      s += line(x0, y, x0 + 26, y, e.style.color, 2.2, e.style.dash);
      if (e.marker) s += marker(e.style.marker, x0 + 13, y, e.style.color);
      s += text(x0 + 32, y + 4, legend_text(e.name), "start", kLegendFont, " fill=\"#222\"");
      s += "</g>\n";
    }
    s += "</g>\n";
  }
  return s + "</svg>\n";
}

std::string polyline(const std::vector<std::pair<double, double>>& points, const SeriesStyle& style,
                     double stroke_width, double resolution) {
  std::string s = "<polyline fill=\"none\" stroke=\"" + style.color + "\" stroke-width=\"" + num(stroke_width) +
                  "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"";
  if (!style.dash.empty()) s += " stroke-dasharray=\"" + style.dash + "\"";
  s += " points=\"";
  double lx = 0, ly = 0;
  for (size_t k = 0; k < points.size(); ++k) {
    auto [x, y] = points[k];
    bool keep = k == 0 || k + 1 == points.size() || std::fabs(x - lx) >= resolution || std::fabs(y - ly) >= resolution;
    if (!keep) continue;
    if (k) s += ' ';
    s += num(x, 1) + "," + num(y, 1);
    lx = x;
    ly = y;
  }
  return s + "\"/>\n";
}

std::string marker(Marker m, double x, double y, const std::string& color, double size) {
  std::string fill = " fill=\"" + color + "\" stroke=\"#ffffff\" stroke-width=\"0.8\"";
  switch (m) {
    case Marker::circle:
      return "<circle cx=\"" + num(x, 1) + "\" cy=\"" + num(y, 1) + "\" r=\"" + num(size) + "\"" + fill + "/>";
    case Marker::square:
      return "<rect x=\"" + num(x - size, 1) + "\" y=\"" + num(y - size, 1) + "\" width=\"" + num(2 * size, 1) +
             "\" height=\"" + num(2 * size, 1) + "\"" + fill + "/>";
    case Marker::triangle: {
      double r = size * 1.25;
      return "<polygon points=\"" + num(x, 1) + "," + num(y - r, 1) + " " + num(x + r, 1) + "," + num(y + r * 0.8, 1) +
             " " + num(x - r, 1) + "," + num(y + r * 0.8, 1) + "\"" + fill + "/>";
    }
    case Marker::diamond: {
      double r = size * 1.3;
      return "<polygon points=\"" + num(x, 1) + "," + num(y - r, 1) + " " + num(x + r, 1) + "," + num(y, 1) + " " +
             num(x, 1) + "," + num(y + r, 1) + " " + num(x - r, 1) + "," + num(y, 1) + "\"" + fill + "/>";
    }
    case Marker::cross:
      return "<path d=\"M" + num(x - size, 1) + " " + num(y - size, 1) + "L" + num(x + size, 1) + " " +
             num(y + size, 1) + "M" + num(x - size, 1) + " " + num(y + size, 1) + "L" + num(x + size, 1) + " " +
             num(y - size, 1) + "\" stroke=\"" + color + "\" stroke-width=\"2\"/>";
  }
  return "";
}

}  // namespace palette::report::internal
