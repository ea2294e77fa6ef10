#pragma once
// One load level of a real-trace dataset, as the fidelity tests and benchmark compare against it:
// its traces, their root latencies and the request rate they record.
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"
#include "palette/topology/fit.hpp"

namespace palette::test {

struct TraceLevel {
  ingest::TraceSet traces;
  std::vector<double> root_us;  // timed roots that did not fail
  double rate_per_s = 0;        // the traced request rate (sampling taken into account)
};

inline TraceLevel load_trace_level(const std::string& path) {
  TraceLevel l;
  l.traces = ingest::load_traces({path}, {});
  for (const auto& t : l.traces.traces)
    if (!t.nodes.empty() && t.root().has_timing() && !t.root().error) l.root_us.push_back(static_cast<double>(t.root().duration_us));
  if (!l.traces.traces.empty()) l.rate_per_s = model::fit_topology(l.traces, {}).arrival_rate_per_s;
  return l;
}

}  // namespace palette::test
