#pragma once
// What a run leaves behind: the load generator's measurements, the services' stats and their spans,
// gathered into RunResults (latencies.csv, summary.json) and one trace file.
#include <string>
#include <vector>

#include "launcher/groups.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/results/run_results.hpp"

namespace palette::emu {

// Fills `results` and `report`; merges the spans into the trace file. A failure to merge the spans is
// added to `failure` (the latencies are still worth writing); the caller writes the results.
void collect_results(const model::Topology& topology, const EmuOptions& options, const std::vector<Group>& groups,
                     const LoadResult& load, const Calibration& calibration, model::RunResults& results,
                     EmuReport& report, std::string& failure);

// "poisson rate=40/s requests=400", for summaries.
std::string workload_text(const model::WorkloadSpec& w);

}  // namespace palette::emu
