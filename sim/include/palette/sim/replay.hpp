#pragma once
// Replay workloads: the arrival times and root APIs of recorded traces, for `arrivals: replay`, and
// the speed-up that plays them at a chosen rate (traces kept by a head sampler hold only a share of
// the requests: replaying them at the traced request rate keeps their burstiness and the real load).
//
//   w.recorded = recorded_arrivals_from_traces({"hotel.json"}, topology, {});
//   w.replay_speed = replay_speed_for_rate(w.recorded, topology.arrival_rate_per_s);
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"
#include "palette/workload/workload.hpp"

namespace palette::sim {

// Root start times (relative to the first) and root APIs of the traces, in time order. Throws Error
// from ingestion, and Error(missing) when the traces hold no timed root.
std::vector<model::RecordedArrival> recorded_arrivals_from_traces(const std::vector<std::string>& paths,
                                                                  const model::Topology& topology,
                                                                  const ingest::IngestOptions& options);

// The replay speed that makes the recording's mean rate `rate_per_s` (1 if rate_per_s <= 0 or the
// recording spans no time).
double replay_speed_for_rate(const std::vector<model::RecordedArrival>& recorded, double rate_per_s);

}  // namespace palette::sim
