#pragma once
// ExperimentConfig: one YAML file describing an experiment end to end — the traces (or a fitted
// topology), the model options, the interventions in order, the workload, which backends run and how,
// and an optional sweep. Every section is a struct with its defaults; parse_experiment() reads a file
// against this schema: unknown keys, wrong types and bad values are errors naming the file, the line
// and the dotted key (docs/experiment-config.md lists every key).
//
//   ExperimentConfig c = load_experiment_file("configs/quickstart.yaml");
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "palette/experiment/intervention.hpp"
#include "palette/topology/fit.hpp"
#include "palette/workload/workload.hpp"

namespace palette::experiment {

struct TraceSection {
  std::vector<std::string> paths;  // files, directories, globs; relative to the config file
  std::string format;              // "" = detect per file
  bool strict = false;
  double idle_window_s = 0;        // 0 = per format
  std::string orphans = "attach";  // attach | drop
};

struct ModelSection {
  std::string topology;            // a fitted topology.yaml instead of traces (relative to the config)
  model::FitOptions fit;
};

struct WorkloadSection {
  model::WorkloadSpec spec;        // rate_per_s 0 = the traced rate
  double rate_factor = 1;          // "rate: 2x": the traced rate times this
  bool replay_traces = false;      // arrivals: replay (of the config's traces)
};

struct SimSection {
  bool enabled = true;
  std::string platform;            // a platform YAML; "" = the built-in default
  std::string placement = "round-robin";  // round-robin | packed:K | a file mapping service -> host
  std::string work = "cpu";        // cpu | sleep
  int64_t spans = 1000;            // -1 all, 0 none, N the first N requests
  uint64_t requests = 0;           // override of workload.requests for this backend (0 = same)
};

struct EmuSection {
  bool enabled = false;
  std::string work = "sleep";      // sleep | cpu | memory
  uint64_t requests = 0;           // override of workload.requests (0 = same)
  double rate_per_s = 0;           // override of the rate (0 = same): a testbed may carry less
  uint32_t threads = 1;
  std::string hosts;               // a testbed YAML (palette/emu/hosts_file.hpp); "" = this machine
};

struct SweepParameter {
  std::string path;                // a key of this file, e.g. workload.rate or interventions[0].factor
  std::vector<std::string> values; // as written (numbers or words), substituted into the config
};

struct SweepSection {
  std::string mode = "grid";       // grid (every combination) | zip (i-th value of each)
  std::vector<SweepParameter> parameters;
  uint32_t parallel = 0;           // processes at once; 0 = the machine's cores
  bool enabled() const { return !parameters.empty(); }
};

struct ReportSection {
  std::vector<std::string> apis;   // per-API CDF plots besides the end-to-end one
  bool advise = false;             // the "what to speed up" section (simulates each API halved)
};

struct ExperimentConfig {
  std::string file;                // where it was read from ("" = built in code)
  std::string text;                // the file's text (sweeps derive each point's config from it)
  std::string dir;                 // its directory: relative paths start here
  std::string name;
  uint64_t seed = 1;
  TraceSection traces;
  ModelSection model;
  std::vector<InterventionSpec> interventions;
  WorkloadSection workload;
  SimSection sim;
  EmuSection emu;
  SweepSection sweep;
  ReportSection report;
  std::string output_dir;          // outputs.dir; the CLI's -o wins

  // A path from the config, resolved against its directory.
  std::string resolve(const std::string& path) const;
};

ExperimentConfig load_experiment_file(const std::string& path);
// `file` names the text in errors; `dir` is where relative paths start.
ExperimentConfig parse_experiment(const std::string& text, const std::string& file, const std::string& dir);
// The same with some keys set first, e.g. {{"workload.rate", "50"}, {"interventions[0].scale_local_work.factor",
// "0.5"}} (a sweep point). A key path that does not exist is created when only its last key is missing.
ExperimentConfig parse_experiment_with(const std::string& text, const std::string& file, const std::string& dir,
                                       const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace palette::experiment
