#pragma once
// The fitting stages, in the order fit_topology runs them; each reads the records and fills its part
// of the topology.
#include "palette/topology/fit.hpp"
#include "records.hpp"

namespace palette::model::fit {

// Services, APIs, edges (counts, overhead and payload distributions), roots, arrival rate.
void fit_graph(const Records& r, Topology& t);
// PFAs, patterns (+ gap layout), structure classes and per-caller transition contexts. Sets
// InvocationRecord::pattern.
void fit_structure(Records& r, Topology& t, const FitOptions& o, FitReport& report);
// λ per dependency, local work per context, latency classes.
void fit_latency(const Records& r, Topology& t, const FitOptions& o, FitReport& report);

}  // namespace palette::model::fit
