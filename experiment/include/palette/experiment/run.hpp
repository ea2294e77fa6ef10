#pragma once
// Running an experiment: ingest → trace processing → fit (cached by the inputs' content and the
// options) → interventions in order → simulation (and, when there were interventions, the baseline
// simulation, so the report shows what changed) and/or emulation → comparison against the original
// traces → a results folder:
//
//   DIR/topology.yaml            the fitted (or given) topology
//   DIR/topology.intervened.yaml after the interventions (when there are any)
//   DIR/sim/, DIR/sim-baseline/, DIR/emu/   each backend's latencies.csv, summary.json, spans
//   DIR/report.html              CDF plots (traces vs sim vs emu), per-API plots, quantiles, KS/EMD,
//                                the interventions applied, and the advice section when asked
//   DIR/summary.json             everything above as numbers
//
//   ExperimentResult r = run_experiment(load_experiment_file("configs/quickstart.yaml"), {.output_dir = "out"});
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "palette/experiment/config.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/topology/topology.hpp"

namespace palette::experiment {

struct RunOptions {
  std::string output_dir;  // required (the config's outputs.dir is the CLI's default)
  bool force = false;      // write into a folder that is not empty
  std::string cache_dir;   // "" = $PALETTE_CACHE_DIR, else $XDG_CACHE_HOME/palette, else ~/.cache/palette
  bool use_cache = true;
};

struct BackendRun {
  std::string name;  // sim, sim-baseline, emu
  std::string dir;
  uint64_t requests = 0, failed = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, mean_us = 0;
  double ks_vs_traces = -1, wasserstein_us_vs_traces = -1;  // -1: no traces to compare with
  double p50_err_vs_traces = 0, p99_err_vs_traces = 0;
  double wall_s = 0;
};

struct ExperimentResult {
  std::string output_dir;
  std::vector<std::string> trace_processing;  // what each trace intervention did
  std::vector<std::string> applied;           // what each topology/deployment intervention did
  bool fit_from_cache = false;
  std::string fit_cache_file;
  double rate_per_s = 0;                      // the arrival rate the backends ran at
  std::vector<BackendRun> runs;
  // Flat numbers for sweeps: "sim.p50_us", "sim.ks", "emu.p99_us", ...
  std::map<std::string, double> metrics() const;
};

using RunProgressFn = std::function<void(const std::string& stage, const std::string& detail)>;

// Throws Error for bad inputs (with file/line/key from the config) and for backend failures.
ExperimentResult run_experiment(const ExperimentConfig& config, const RunOptions& options, const RunProgressFn& progress = {});

// The first half of a run: the traces (empty when the config has none, after trace processing) and the
// fitted or loaded topology, from the cache when it holds this fit. `trace_notes` gets what each trace
// intervention did.
struct PreparedModel {
  ingest::TraceSet traces;
  model::Topology topology;
  bool from_cache = false;
  std::string cache_file;
  std::vector<std::string> trace_notes;
};
PreparedModel prepare_model(const ExperimentConfig& config, const RunOptions& options, const RunProgressFn& progress = {});

// Where fits are cached (see RunOptions::cache_dir).
std::string default_cache_dir();

}  // namespace palette::experiment
