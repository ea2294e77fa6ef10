// palette compare: latency distributions of traces, simulation and emulation results, side by side.
#include <iostream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/report/latency_comparison.hpp"

namespace palette::cli {
namespace {

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t start = 0, comma;
  while ((comma = text.find(',', start)) != std::string::npos) {
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

int compare(const Args& args) {
  std::vector<std::string> paths;
  std::string names, report_dir;
  bool json = false, force = false;
  stats::LatencyOptions options;
  po::options_description desc("palette compare");
  desc.add_options()
    ("json", po::bool_switch(&json), "print exactly one JSON object on stdout (its shape: above)")
    ("what", po::value(&options.what)->default_value(options.what),
     "root (end-to-end latency) or an API as SERVICE:OPERATION (its invocations' latencies; traces only)")
    ("names", po::value(&names), "comma-separated names for the inputs, in order (default: from the paths)")
    ("report", po::value(&report_dir), "write DIR/report.html with CDF plots and the tables")
    ("force", po::bool_switch(&force), "replace an existing DIR/report.html")
    ("include-errors", po::bool_switch(&options.include_errors), "keep failed requests (non-ok status, error spans)")
    ("format", po::value(&options.ingest.format), "trace format of trace inputs (default: detected per file)")
    ("strict", po::bool_switch(&options.ingest.strict), "stop at the first malformed trace record");
  desc.add_options()("paths", po::value(&paths)->multitoken(), "inputs");
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  const std::string usage =
      "palette compare [options] A B [C ...]\n\n"
      "Compares the latency distribution of each input with the first (A, the reference). An input is a trace\n"
      "file, directory or glob, a latencies CSV (header with latency_us; rows with a status other than ok are\n"
      "left out and counted), or a results folder (its latencies.csv for root, its spans for an API).\n"
      "Prints quantiles (p50, p90, p99, p99.9), the KS statistic, the Wasserstein-1 distance and the p50/p99\n"
      "errors relative to A. --json prints one object: {\"what\", \"inputs\": [{name, path, source, count,\n"
      "excluded, files, ignored_files, anomalies, min_us, mean_us, max_us, p50_us, p90_us, p99_us, p99_9_us}],\n"
      "then for two inputs the pair's fields \"a\", \"b\", \"ks\", \"ks_pvalue\", \"wasserstein_us\", \"p50_rel_err\",\n"
      "\"p99_rel_err\" at the top level, for more a list \"pairs\" of such objects, one per input after A}.";
  if (!parse_options(args, usage, desc, pos, vm)) return 0;

  auto comparison = report::compare_latencies(paths, split_names(names), options);
  if (!report_dir.empty()) {
    std::string written = report::write_comparison_report(report_dir, comparison, force);
    std::cerr << "wrote " << written << "\n";
  }
  if (json) report::write_comparison_json(std::cout, comparison);
  else report::write_comparison_text(std::cout, comparison);
  return 0;
}

}  // namespace

std::vector<Command> compare_commands() {
  return {{"compare", "compare latency distributions: traces, latency CSVs, results folders (KS, Wasserstein, quantiles)",
           compare}};
}

}  // namespace palette::cli
