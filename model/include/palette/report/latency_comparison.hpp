#pragma once
// LatencyComparison: what `palette compare` computes and shows — the latencies of two or more inputs
// (traces, latency CSVs, results folders; see stats/latencies.hpp), each compared against the first
// (the reference: usually the original traces) — and its three renderings: a text table, one JSON
// object, and an HTML report with CDF plots. `palette run` reuses the pieces for its own report.
//
//   LatencyComparison c = compare_latencies({"traces.json", "results/sim"}, {}, {});
//   write_comparison_json(std::cout, c);
//   write_comparison_report("results/report", c, /*force=*/false);   // results/report/report.html
//
// JSON shape (one object; doubles round-trip; NaN, e.g. a relative error against a zero, is null):
//   {"what": "root" | "SERVICE:OPERATION",
//    "inputs": [{"name", "path", "source": "traces" | "latencies_csv", "count", "excluded": {reason: n},
//                "files": [read], "ignored_files": [not read], "anomalies": {ingestion counter: n},
//                "min_us", "mean_us", "max_us", "p50_us", "p90_us", "p99_us", "p99_9_us"}, ...],
//    PAIR fields, for two inputs  |  "pairs": [PAIR, ...], one per input after the first, for more}
//   PAIR = "a": reference name, "b": name, "ks", "ks_pvalue", "wasserstein_us", "p50_rel_err",
//          "p99_rel_err"   (relative errors are (b − a) / a; see stats/compare.hpp for definitions)
#include <ostream>
#include <string>
#include <vector>

#include "palette/report/html_page.hpp"
#include "palette/stats/compare.hpp"
#include "palette/stats/latencies.hpp"

namespace palette::report {

struct ComparedInput {
  std::string name;            // unique within a comparison
  stats::Latencies latencies;  // where the values came from and what was left out
  stats::Sample sample;
};

struct LatencyComparison {
  std::string what = "root";
  std::vector<ComparedInput> inputs;     // inputs[0] is the reference
  std::vector<stats::Comparison> pairs;  // pairs[k]: inputs[0] against inputs[k + 1]
};

// Reads every path and compares each against the first. `names`: one per path, or empty to derive
// them from the paths. Throws Error for fewer than two paths, a wrong count of names, an empty or
// repeated name, and whatever reading a path throws.
LatencyComparison compare_latencies(const std::vector<std::string>& paths, std::vector<std::string> names,
                                    const stats::LatencyOptions& options);
// The same for latencies already in memory (a backend that has just run).
LatencyComparison compare_inputs(std::vector<ComparedInput> inputs, std::string what);

// Short names for paths: the file name up to its first dot ("hotel_load25.jaeger.json" ->
// "hotel_load25"), the folder's name for a folder or for its latencies.csv ("results/sim/latencies.csv"
// -> "sim"); repeated names get " (2)", " (3)", ...
std::vector<std::string> names_from_paths(const std::vector<std::string>& paths);

// A latency for people: "812 µs", "20.9 ms", "1.25 s" (three significant digits).
std::string format_latency_us(double us);
// A signed relative error as a percentage: "+50.2%", "-3.0%", "n/a" for NaN.
std::string format_relative(double rel);

void write_comparison_json(std::ostream& out, const LatencyComparison& c);
void write_comparison_text(std::ostream& out, const LatencyComparison& c);

// Sections for a report page: inputs, CDF plots (log x, and the tail), quantiles, comparisons and
// definitions.
void add_comparison_sections(HtmlPage& page, const LatencyComparison& c);
std::string comparison_report_html(const LatencyComparison& c);
// Writes DIR/report.html, creating DIR; refuses to replace an existing report unless `force`.
// Returns the path written.
std::string write_comparison_report(const std::string& dir, const LatencyComparison& c, bool force);

}  // namespace palette::report
