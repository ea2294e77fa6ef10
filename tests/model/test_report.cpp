// Report building blocks: axes and ticks, the SVG CDF plot and line chart, the HTML page, and the
// latency comparison's renderings (text, JSON, report folder).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "markup_check.hpp"
#include "palette/error.hpp"
#include "palette/report/cdf_plot.hpp"
#include "palette/report/html_page.hpp"
#include "palette/report/latency_comparison.hpp"
#include "palette/report/line_chart.hpp"
#include "report/internal/svg.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::report;
using palette::test::count_of;
using palette::test::markup_problem;

using palette::test::error_of;

namespace {

std::vector<double> tick_values(const internal::Axis& a, bool labelled_only = true) {
  std::vector<double> out;
  for (const auto& t : a.ticks)
    if (!labelled_only || !t.label.empty()) out.push_back(t.value);
  return out;
}

// The points of every <polyline> in an SVG, in order.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> out;
  for (size_t pos = svg.find("<polyline"); pos != std::string::npos; pos = svg.find("<polyline", pos + 1)) {
    size_t start = svg.find("points=\"", pos) + 8, end = svg.find('"', start);
    std::istringstream in(svg.substr(start, end - start));
    auto& pts = out.emplace_back();
    double x, y;
    char comma;
    while (in >> x >> comma >> y) pts.emplace_back(x, y);
  }
  return out;
}

stats::Sample lognormal(uint64_t seed, size_t n, double mu = 9.5) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(mu, 0.5);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return stats::Sample(std::move(v));
}

}  // namespace

// ---- axes ----------------------------------------------------------------------------------------

TEST(Axis, LinearTicksAreNiceAndEncloseTheData) {
  auto a = internal::linear_axis(3, 97);  // 94/6 ≈ 15.7 -> step 20
  EXPECT_EQ(tick_values(a), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 100);
  auto unit = internal::linear_axis(0, 1, 5, true);
  EXPECT_EQ(unit.ticks.size(), 6u);
  EXPECT_EQ(unit.ticks[3].label, "0.6");  // 3 × 0.2, printed without its rounding noise
  auto b = internal::linear_axis(0.012, 0.0131, 4);
  EXPECT_LE(b.lo, 0.012);
  EXPECT_GE(b.hi, 0.0131);
  EXPECT_GE(b.ticks.size(), 3u);
}

TEST(Axis, LogTicksSnapTo125OrToDecades) {
  auto medium = internal::log_axis(8.7, 501);  // 1.76 decades: 1-2-5 labels
  EXPECT_EQ(tick_values(medium), (std::vector<double>{5, 10, 20, 50, 100, 200, 500, 1000}));
  EXPECT_EQ(medium.ticks.front().label, "5");
  auto wide = internal::log_axis(0.001, 1);  // 3 decades: decade labels, minor ticks between
  EXPECT_EQ(tick_values(wide), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  EXPECT_EQ(wide.ticks.size(), 28u);  // 4 labelled + 3 × 8 minor
  auto narrow = internal::log_axis(21, 38);  // under one decade: every mantissa labelled
  EXPECT_EQ(tick_values(narrow), (std::vector<double>{20, 30, 40}));
}

TEST(Axis, PixelsMapLinearlyOrLogarithmicallyAndClamp) {
  auto a = internal::log_axis(1, 100);
  a.from_px = 100;
  a.to_px = 300;
  EXPECT_DOUBLE_EQ(a.px(10), 200);
  EXPECT_DOUBLE_EQ(a.px(0), 100);     // <= 0 on a log axis: the left edge
  EXPECT_DOUBLE_EQ(a.px(1e6), 300);   // beyond the range: clamped
  auto y = internal::linear_axis(0, 1, 5, true);
  y.from_px = 400;
  y.to_px = 40;
  EXPECT_DOUBLE_EQ(y.px(0.25), 310);
}

// ---- CDF plot ------------------------------------------------------------------------------------

TEST(CdfPlot, StepsLegendAndMarkers) {
  stats::Sample a({1000, 2000, 2000, 4000}), b({3000});
  CdfPlotOptions o;
  o.log_x = false;
  o.title = "root <latency> & more";
  std::string svg = cdf_plot_svg({{"traces", &a}, {"sim \"x\"", &b}}, o);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_NE(svg.find("root &lt;latency&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find(">sim &quot;x&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#0072B2\""), std::string::npos);  // series 0 colour
  EXPECT_NE(svg.find("stroke-dasharray=\"7 3\""), std::string::npos);  // series 1 is dashed
  EXPECT_EQ(count_of(svg, "<circle"), 4u);                             // p50 and p99 of each
  auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 2u);
  // Drawn last-first, so the reference is on top: lines[1] is "traces". Three distinct values, two
  // corners each; x never decreases, y (pixels, downward) never increases.
  const auto& t = lines[1];
  ASSERT_EQ(t.size(), 6u);
  for (size_t k = 1; k < t.size(); ++k) {
    EXPECT_GE(t[k].first, t[k - 1].first);
    EXPECT_LE(t[k].second, t[k - 1].second);
  }
  // The x axis runs 1..4 ms (ticks 1, 1.5, ... 4) and the jump at 2 ms is from 1/4 to 3/4.
  double bottom = t[0].second, top = t[5].second;
  EXPECT_NEAR((t[3].second - bottom) / (top - bottom), 0.75, 0.01);
  EXPECT_NEAR((t[2].first - t[0].first) / (t[4].first - t[0].first), 1.0 / 3, 0.01);
}

TEST(CdfPlot, AMillionValuesAreThinnedToWhatCanBeSeen) {
  auto big = lognormal(3, 1'000'000);
  std::string svg = cdf_plot_svg({{"sim", &big}});
  auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(lines[0].size(), 6000u);
  EXPECT_GT(lines[0].size(), 300u);
  EXPECT_LT(svg.size(), 200'000u);
}

TEST(CdfPlot, TailViewGoesDownToOneOverN) {
  auto s = lognormal(5, 1000);
  CdfPlotOptions o;
  o.tail = true;
  std::string svg = cdf_plot_svg({{"traces", &s}}, o);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_NE(svg.find(">0.1%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">100%</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">0.01%</text>"), std::string::npos);
  auto pts = polylines(svg)[0];
  // 1 − CDF starts at 100 % (the top edge) and ends at 1/n (the bottom edge), never rising.
  EXPECT_LT(pts.front().second, pts.back().second);
  for (size_t k = 1; k < pts.size(); ++k) EXPECT_GE(pts[k].second, pts[k - 1].second);
}

TEST(CdfPlot, LongNamesMoveTheLegendUnderThePlot) {
  auto s = lognormal(9, 200);
  // The plot frame is the last <rect x=...>; its width tells where the legend went.
  auto frame_width = [](const std::string& svg) {
    size_t pos = svg.rfind("<rect x=");
    return std::strtod(svg.c_str() + svg.find("width=\"", pos) + 7, nullptr);
  };
  std::string short_names = cdf_plot_svg({{"traces", &s}, {"sim", &s}});
  std::string long_names =
      cdf_plot_svg({{"traces of the production system, week 12", &s}, {"simulation with caller conditioning", &s}});
  EXPECT_LT(frame_width(short_names), 640);  // legend on the right
  EXPECT_GT(frame_width(long_names), 680);   // legend below: the plot keeps the whole width
  EXPECT_EQ(markup_problem(long_names), "");
}

TEST(CdfPlot, RefusesEmptyInput) {
  stats::Sample empty;
  EXPECT_EQ(error_of([] { cdf_plot_svg({}); }), "a CDF plot needs at least one series");
  EXPECT_EQ(error_of([&] { cdf_plot_svg({{"sim", &empty}}); }), "series \"sim\" has no values to plot");
}

// ---- line chart ----------------------------------------------------------------------------------

TEST(LineChart, SeriesWithMarkersAndGapsAtMissingPoints) {
  LineChartOptions o;
  o.x_label = "rate (requests/s)";
  o.y_label = "latency (ms)";
  std::string svg = line_chart_svg({{"p50", {10, 20, 40, 80}, {1, 1.2, 1.9, 4}},
                                    {"p99", {10, 20, 40, 80}, {3, std::nan(""), 6, 15}}},
                                   o);
  EXPECT_EQ(markup_problem(svg), "");
  auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 2u);  // p50 whole; p99 broken at the NaN: only 40..80 is a line
  EXPECT_EQ(lines[0].size(), 4u);
  EXPECT_EQ(lines[1].size(), 2u);
  EXPECT_EQ(count_of(svg, "<circle"), 4u + 1u);  // p50 circles (+ its legend marker)
  EXPECT_EQ(count_of(svg, "<rect x="), 3u + 1u + 1u);  // p99 squares, its legend marker, the plot frame
  EXPECT_NE(svg.find(">rate (requests/s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);  // y from zero
  EXPECT_EQ(error_of([] { line_chart_svg({{"bad", {1, 2}, {1}}}); }), "series \"bad\" has 2 x values but 1 y values");
}

// ---- HTML page -----------------------------------------------------------------------------------

TEST(HtmlPage, StandaloneEscapedAndBalanced) {
  HtmlPage page("Report <1> & co");
  page.section("Inputs").paragraph("a <script>alert(1)</script> b").facts({{"seed", "42"}});
  HtmlTable t;
  t.header = {"name", "p50"};
  t.numeric = {false, true};
  t.rows = {{"traces", "20.9 ms"}, {"sim", "21.3 ms"}};
  t.swatches = {"#0072B2", ""};
  page.table(t);
  auto s = lognormal(1, 100);
  page.section("Plots").figure(cdf_plot_svg({{"traces", &s}}), "CDF");
  std::string html = page.str();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_EQ(markup_problem(html), "");
  EXPECT_NE(html.find("<title>Report &lt;1&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("a &lt;script&gt;alert(1)&lt;/script&gt; b"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // No external resource: the only URL is the SVG namespace.
  EXPECT_EQ(count_of(html, "http"), 1u);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(count_of(html, "<section>"), 2u);
  EXPECT_EQ(count_of(html, "class=\"swatch\""), 1u);
  EXPECT_NE(html.find("<td class=\"num\">20.9 ms</td>"), std::string::npos);
  t.rows.push_back({"only one cell"});
  EXPECT_EQ(error_of([&] { page.table(t); }), "table row 3 has 1 cells, the header 2");
}

// ---- latency comparison --------------------------------------------------------------------------

TEST(LatencyComparison, NamesFromPaths) {
  EXPECT_EQ(names_from_paths({"traces/hotel_load25.jaeger.json", "results/sim/", "results/emu/latencies.csv.gz",
                              "other/hotel_load25.jaeger.json.gz", "x"}),
            (std::vector<std::string>{"hotel_load25", "sim", "emu", "hotel_load25 (2)", "x"}));
}

TEST(LatencyComparison, FormatsForPeople) {
  EXPECT_EQ(format_latency_us(812), "812 \u00b5s");
  EXPECT_EQ(format_latency_us(20892), "20.9 ms");
  EXPECT_EQ(format_latency_us(1.25e6), "1.25 s");
  EXPECT_EQ(format_relative(0.5018), "+50.2%");
  EXPECT_EQ(format_relative(-0.03), "-3.0%");
  EXPECT_EQ(format_relative(std::nan("")), "n/a");
}

namespace {
// A comparison of in-memory latencies (named, in µs); `excluded` is attached to the last input.
LatencyComparison comparison(const std::vector<std::pair<std::string, std::vector<double>>>& samples,
                             const std::string& what = "root", std::map<std::string, uint64_t> excluded = {}) {
  std::vector<ComparedInput> inputs;
  for (const auto& [name, values] : samples) {
    ComparedInput& in = inputs.emplace_back();
    in.name = name;
    in.latencies.path = name + ".csv";
    in.latencies.source = "latencies_csv";
    in.latencies.values_us = values;
    in.sample = stats::Sample(values);
  }
  if (!inputs.empty()) inputs.back().latencies.excluded = std::move(excluded);
  return compare_inputs(std::move(inputs), what);
}
}  // namespace

TEST(LatencyComparison, JsonShapeForTwoAndForMoreInputs) {
  std::ostringstream out;
  write_comparison_json(out, comparison({{"a", {10, 20, 30, 40, 50}}, {"b", {20, 40, 60, 80, 100}}}, "root",
                                        {{"status=timeout", 3}}));
  std::string j = out.str();
  for (const char* key : {"\"what\": \"root\"", "\"a\": \"a\"", "\"b\": \"b\"", "\"ks\": 0.6", "\"wasserstein_us\": 30",
                          "\"p50_rel_err\": 1", "\"p99_rel_err\": 1", "\"p50_us\": 60", "\"p99_9_us\": 49.96",
                          "\"count\": 5", "\"status=timeout\": 3", "\"ks_pvalue\""})
    EXPECT_NE(j.find(key), std::string::npos) << key << "\n" << j;
  EXPECT_EQ(j.find("\"pairs\""), std::string::npos);

  out.str("");
  write_comparison_json(out, comparison({{"a", {10, 20, 30}}, {"b", {10, 20, 30}}, {"c", {0, 0, 0}}}));
  j = out.str();
  EXPECT_NE(j.find("\"pairs\": ["), std::string::npos) << j;
  EXPECT_EQ(count_of(j, "\"a\": \"a\""), 2u);
  EXPECT_NE(j.find("\"b\": \"c\""), std::string::npos);
  EXPECT_NE(j.find("\"ks\": 1,"), std::string::npos) << j;     // a vs c: disjoint
  EXPECT_NE(j.find("\"p50_rel_err\": -1,"), std::string::npos) << j;
  EXPECT_EQ(count_of(j, "\"ks\": 0,"), 1u) << j;               // a vs b: identical

  EXPECT_EQ(error_of([] { compare_inputs({}, "root"); }), "a comparison needs at least two inputs, got 0");
}

TEST(LatencyComparison, TextTable) {
  std::ostringstream out;
  write_comparison_text(out, comparison({{"traces", {10000, 20000, 30000, 40000, 50000}},
                                         {"simulation", {20000, 40000, 60000, 80000, 100000}}},
                                        "root", {{"status=error", 2}}));
  std::string t = out.str();
  // p90 = 40 + 0.6·10 (rank 3.6), p99 = 80 + 0.96·20 = 99.2 (rank 3.96): type 7.
  EXPECT_NE(t.find("end-to-end (root) latency\n\ninput       n    p50    p90      p99    p99.9   mean     max\n"
                   "traces      5  30 ms  46 ms  49.6 ms    50 ms  30 ms   50 ms\n"
                   "simulation  5  60 ms  92 ms  99.2 ms  99.9 ms  60 ms  100 ms\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("  simulation: left out 2 (status=error 2)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("against traces      KS  p-value  Wasserstein  p50 err  p99 err\n"
                   "simulation      0.6000"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("30 ms  +100.0%  +100.0%\n"), std::string::npos) << t;
}

TEST(LatencyComparison, ReportFolderIsWrittenOnceUnlessForced) {
  palette::test::TempDir dir;
  auto c = comparison({{"traces", {10000, 20000, 30000}}, {"sim", {12000, 21000, 29000}}}, "frontend:/hotels");
  std::string folder = dir.file("out/report");
  std::string path = write_comparison_report(folder, c, false);
  EXPECT_EQ(path, folder + "/report.html");
  std::string html = palette::test::read_file(path);
  EXPECT_EQ(markup_problem(html), "");
  EXPECT_EQ(count_of(html, "<svg "), 2u);  // the CDF and its tail
  EXPECT_NE(html.find("<title>Latency comparison: traces vs sim</title>"), std::string::npos);
  EXPECT_NE(html.find("latency of API frontend:/hotels"), std::string::npos);
  EXPECT_EQ(error_of([&] { write_comparison_report(folder, c, false); }),
            path + ": already exists; not overwriting it (hint: pass --force to replace it)");
  EXPECT_EQ(palette::test::read_file(path), html);
  EXPECT_EQ(write_comparison_report(folder, c, true), path);
}
