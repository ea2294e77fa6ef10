#pragma once
// Simulator: the request path of a simulation, with no actor on it. Every request is a tree of
// Visits (API invocations); a visit is a small state machine — wait for a worker, local-work gap,
// step of calls, gap, ..., response — advanced by continuations from the EventQueue: delays and
// closed-form resource uses queued there, contended ones ended by SimGrid (resources.hpp). Visits,
// messages and bursts come from pools, so memory follows what is in flight, not the run's length.
#include <cstdint>
#include <memory>
#include <vector>

#include "palette/ingest/trace_writer.hpp"
#include "palette/sim/simulation.hpp"
#include "palette/stats/quantile_sketch.hpp"
#include "palette/topology/sampler.hpp"

namespace palette::sim::engine {

struct SimSinks {
  model::RunResults* results = nullptr;             // per-request rows, per-API quantiles
  ingest::TraceWriter* spans = nullptr;             // span output (with span_api_ids)
  std::vector<ApiId> span_api_ids;                  // catalog id of each API
  std::vector<model::RequestResult>* keep = nullptr;
  SimProgressFn progress;
};

class Simulator {
 public:
  // hosts: expanded platform hosts; placement: where each service's replicas run. All must outlive it.
  Simulator(const model::Topology& topology, const SimSetup& setup, const std::vector<HostSpec>& hosts,
            const Placement& placement, SimSinks sinks);
  ~Simulator();
  SimStats run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::sim::engine
