#pragma once
// Sweeps: the experiment run at every point of a parameter grid (or zip), each point in its own child
// process, up to `parallel` at once (emulation points one at a time: they measure real time). Every
// point is the config with the point's values set at their key paths, so a bad value is an error that
// names the key; each point is seeded like the base experiment. Results:
//   DIR/points/NNN/          each point's results folder (as `palette run` writes)
//   DIR/sweep.csv            one row per point: the parameters, then every metric (sim.p50_us, ...)
//   DIR/report.html          the points' p50/p99 (and any metric) against the first parameter
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "palette/experiment/config.hpp"
#include "palette/experiment/run.hpp"

namespace palette::experiment {

using SweepPoint = std::vector<std::pair<std::string, std::string>>;  // (key path, value)

std::vector<SweepPoint> sweep_points(const SweepSection& sweep);

struct SweepPointResult {
  SweepPoint point;
  std::string dir;
  bool ok = false;
  std::string error;                     // when !ok
  std::map<std::string, double> metrics; // ExperimentResult::metrics()
};

struct SweepResult {
  std::vector<SweepPointResult> points;
  std::string csv_path;
};

// Throws Error when the output folder is not empty (without force); a failed point is recorded in its
// row and the others go on.
SweepResult run_sweep(const ExperimentConfig& config, const RunOptions& options, const RunProgressFn& progress = {});

}  // namespace palette::experiment
