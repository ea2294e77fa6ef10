#pragma once
// InterventionSpec: one entry of an experiment's `interventions:` list, as written — its kind and its
// parameters — with the line it came from. apply_intervention() performs it on the topology (through
// palette/topology/interventions.hpp) or on the deployment (rate, arrivals, placement, link), and
// returns what it did for the report.
//
//   - scale_local_work: {target: search, factor: 0.5}
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::experiment {

struct InterventionSpec {
  std::string kind;                               // e.g. scale_local_work
  std::map<std::string, std::string> params;      // scalar parameters, as written
  std::vector<std::map<std::string, std::string>> list;  // add_api's called_by entries
  std::vector<double> quantile_p, quantile_v;     // a distribution given as quantiles
  std::string where;                              // "file:line" for messages
  std::string key;                                // interventions[i]
};

// What interventions may change besides the topology.
struct Deployment {
  double rate_per_s = -1;          // -1 = unchanged
  double rate_factor = 1;
  std::string arrivals;            // "" = unchanged
  std::string placement;           // "" = unchanged (sim; emu groups come from the topology)
  double link_latency_us = -1, link_bandwidth_mbps = -1;  // -1 = unchanged (sim platform)
};

// Every kind with its parameters: for errors and docs.
const std::map<std::string, std::vector<std::string>>& intervention_kinds();

// Checks the kind and that the parameters it needs are there, with the right types (no topology
// needed); throws Error naming where and key.
void check_intervention(const InterventionSpec& spec);

// Applies one intervention; returns a one-line description of what changed. Throws Error naming the
// intervention's file, line and key when it does not fit the topology (unknown API, ...).
std::string apply_intervention(const InterventionSpec& spec, model::Topology& topology, Deployment& deployment,
                               uint64_t seed);

}  // namespace palette::experiment

namespace palette::ingest {
struct TraceSet;
}

namespace palette::experiment {

// filter_traces, rename_apis and derive_root_api act on the traces, before fitting.
bool is_trace_processing(const std::string& kind);
std::string apply_trace_processing(const InterventionSpec& spec, ingest::TraceSet& traces);

}  // namespace palette::experiment
