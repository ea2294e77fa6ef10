#include "palette/experiment/report.hpp"

#include <fstream>
#include <sstream>

#include "palette/error.hpp"
#include "palette/json_writer.hpp"

namespace palette::experiment {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw Error(ErrorKind::io, "cannot write").at_file(path);
}

std::string summary_json(const ExperimentConfig& c, const ExperimentResult& r, const model::Topology& t) {
  std::ostringstream out;
  JsonWriter w(out, true);
  w.begin_object();
  w.key("name").value(c.name);
  w.key("config").value(c.file);
  w.key("seed").value(c.seed);
  w.key("topology").begin_object();
  w.key("services").value(static_cast<uint64_t>(t.services.size()));
  w.key("apis").value(static_cast<uint64_t>(t.apis.size()));
  w.key("edges").value(static_cast<uint64_t>(t.edges.size()));
  w.key("fit_from_cache").value(r.fit_from_cache);
  w.end_object();
  w.key("rate_per_s").value(r.rate_per_s);
  w.key("trace_processing").begin_array();
  for (const auto& s : r.trace_processing) w.value(s);
  w.end_array();
  w.key("interventions").begin_array();
  for (const auto& s : r.applied) w.value(s);
  w.end_array();
  w.key("runs").begin_array();
  for (const auto& run : r.runs) {
    w.begin_object();
    w.key("name").value(run.name).key("dir").value(run.dir);
    w.key("requests").value(run.requests).key("failed").value(run.failed);
    w.key("mean_us").value(run.mean_us).key("p50_us").value(run.p50_us).key("p90_us").value(run.p90_us);
    w.key("p99_us").value(run.p99_us);
    if (run.ks_vs_traces >= 0) {
      w.key("vs_traces").begin_object();
      w.key("ks").value(run.ks_vs_traces).key("wasserstein_us").value(run.wasserstein_us_vs_traces);
      w.key("p50_rel_err").value(run.p50_err_vs_traces).key("p99_rel_err").value(run.p99_err_vs_traces);
      w.end_object();
    }
    w.key("wall_s").value(run.wall_s);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << "\n";
  return out.str();
}

}  // namespace

void write_run_report(const std::string& dir, const ExperimentConfig& c, const ExperimentResult& r,
                      const model::Topology& t, const report::LatencyComparison& root,
                      const std::vector<report::LatencyComparison>& per_api,
                      const std::function<void(report::HtmlPage&)>& extra_sections) {
  report::HtmlPage page("palette: " + (c.name.empty() ? c.file : c.name));
  page.section("Experiment");
  std::vector<std::pair<std::string, std::string>> facts = {
      {"config", c.file.empty() ? "(built in)" : c.file},
      {"seed", std::to_string(c.seed)},
      {"topology", std::to_string(t.services.size()) + " services, " + std::to_string(t.apis.size()) + " APIs, " +
                       std::to_string(t.edges.size()) + " edges" + (r.fit_from_cache ? " (fit from cache)" : "")},
      {"arrival rate", std::to_string(r.rate_per_s) + " requests/s"},
  };
  std::string runs;
  for (const auto& run : r.runs) runs += (runs.empty() ? "" : ", ") + run.name + " (" + std::to_string(run.requests) + " requests)";
  facts.emplace_back("runs", runs.empty() ? "none" : runs);
  page.facts(facts);

  page.section("What was applied");
  if (r.trace_processing.empty() && r.applied.empty()) page.paragraph("No intervention: the traced system as fitted.");
  for (const auto& s : r.trace_processing) page.paragraph("traces: " + s);
  for (size_t i = 0; i < r.applied.size(); ++i) page.paragraph(std::to_string(i + 1) + ". " + r.applied[i]);
  if (!r.applied.empty())
    page.note("sim-baseline is the same simulation without the interventions: the difference between sim and "
              "sim-baseline is what the interventions changed.");

  if (!root.inputs.empty()) add_comparison_sections(page, root);
  for (const auto& cmp : per_api) {
    page.section("API " + cmp.what);
    add_comparison_sections(page, cmp);
  }
  if (extra_sections) extra_sections(page);  // advice, sweep plots
  write_file(dir + "/report.html", page.str());
  write_file(dir + "/summary.json", summary_json(c, r, t));
}

}  // namespace palette::experiment
