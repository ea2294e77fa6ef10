#pragma once
// topology.yaml: the Topology as a file a person can read and edit (schema: docs/topology-schema.md).
// APIs are keyed by their "service:operation" label and referred to by it wherever a person edits;
// states, steps and patterns by their index in their list. Distributions are written as quantiles,
// one line of probabilities and one of values, so scaling local work is editing one line.
//
// The round trip is exact: load(save(t)) == t field by field, and saving a loaded file palette wrote
// gives the same bytes (fixed key order and indentation, numbers in their shortest exact form).
// Loading checks everything and throws palette::Error naming the file, line and key path:
//
//   topology.yaml:57: apis[frontend:GET /].pfa.states[2].transitions[0].p: expected a number, got "high"
//
//   save_topology_file(t, "topology.yaml");   Topology back = load_topology_file("topology.yaml");
#include <iosfwd>
#include <string>

#include "palette/topology/topology.hpp"

namespace palette::model {

// The version written as `palette_topology:`; files of other versions are refused.
inline constexpr int kTopologyFormatVersion = 1;

// Throws Error(unsupported) for a topology YAML cannot represent faithfully (two APIs, or two
// services, with the same label or name).
void save_topology(const Topology& topology, std::ostream& out);
void save_topology_file(const Topology& topology, const std::string& path);  // Error(io) on failure

// `name_for_errors` is the file name errors start with. The result has passed Topology::validate().
Topology load_topology(std::istream& in, const std::string& name_for_errors);
Topology load_topology_file(const std::string& path);

}  // namespace palette::model
