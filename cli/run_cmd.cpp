// palette run: one experiment config, end to end (or a sweep of it).
#include <iostream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/experiment/run.hpp"
#include "palette/experiment/sweep.hpp"
#include "palette/report/latency_comparison.hpp"

namespace palette::cli {
namespace {

int run(const Args& args) {
  std::string file, output;
  bool force = false, no_cache = false;
  po::options_description desc("palette run");
  desc.add_options()
    ("config", po::value(&file), "experiment YAML (see docs/experiment-config.md)")
    ("output,o", po::value(&output), "results folder (default: the config's outputs.dir, else results/NAME)")
    ("force", po::bool_switch(&force), "write into a results folder that is not empty")
    ("no-cache", po::bool_switch(&no_cache), "fit again even when the fit cache holds this fit");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette run EXPERIMENT.yaml [-o DIR]", desc, pos, vm)) return 0;
  if (file.empty()) throw Error(ErrorKind::missing, "give the experiment file").at_key("config");
  experiment::ExperimentConfig c = experiment::load_experiment_file(file);
  experiment::RunOptions o;
  o.output_dir = !output.empty() ? output : !c.output_dir.empty() ? c.resolve(c.output_dir) : "results/" + (c.name.empty() ? "run" : c.name);
  o.force = force;
  o.use_cache = !no_cache;
  Progress bar("run");
  std::string last_stage;
  auto progress = [&](const std::string& stage, const std::string& detail) {
    if (stage != last_stage) {
      bar.done();
      std::cerr << "[" << stage << "] " << detail << "\n";
      last_stage = stage;
    } else {
      bar.update(stage + ": " + detail);
    }
  };
  if (c.sweep.enabled()) {
    experiment::SweepResult r = experiment::run_sweep(c, o, progress);
    bar.done();
    size_t ok = 0;
    for (const auto& p : r.points) ok += p.ok;
    std::cout << "sweep: " << ok << "/" << r.points.size() << " points ok; " << r.csv_path << ", " << o.output_dir << "/report.html\n";
    for (size_t i = 0; i < r.points.size(); ++i)
      if (!r.points[i].ok) std::cout << "  point " << i << " failed: " << r.points[i].error << "\n";
    return ok == r.points.size() ? 0 : 1;
  }
  experiment::ExperimentResult r = experiment::run_experiment(c, o, progress);
  bar.done();
  for (const auto& a : r.trace_processing) std::cout << "traces: " << a << "\n";
  for (const auto& a : r.applied) std::cout << "applied: " << a << "\n";
  std::cout << "rate " << r.rate_per_s << " requests/s" << (r.fit_from_cache ? "; fit from cache" : "") << "\n";
  for (const auto& run : r.runs) {
    std::cout << run.name << ": " << run.requests << " requests, p50 " << report::format_latency_us(run.p50_us) << ", p99 "
              << report::format_latency_us(run.p99_us);
    if (run.ks_vs_traces >= 0)
      std::cout << "; vs traces KS " << run.ks_vs_traces << ", p50 " << report::format_relative(run.p50_err_vs_traces)
                << ", p99 " << report::format_relative(run.p99_err_vs_traces);
    std::cout << "\n";
  }
  std::cout << "results: " << r.output_dir << "/report.html\n";
  return 0;
}

}  // namespace

std::vector<Command> run_commands() {
  return {{"run", "run an experiment config end to end: fit, interventions, sim/emu, comparison, report", run}};
}

}  // namespace palette::cli
