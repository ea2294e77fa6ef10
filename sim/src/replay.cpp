#include "palette/sim/replay.hpp"

#include "palette/error.hpp"

namespace palette::sim {

std::vector<model::RecordedArrival> recorded_arrivals_from_traces(const std::vector<std::string>& paths,
                                                                  const model::Topology& topology,
                                                                  const ingest::IngestOptions& options) {
  std::vector<std::pair<double, std::string>> roots;
  Catalog catalog;
  ingest::Diagnostics diag;
  ingest::ingest(paths, options, catalog, diag, [&](CallTree&& t) {
    if (t.nodes.empty() || t.root().start_us == kNoTime) return;
    roots.emplace_back(static_cast<double>(t.root().start_us), catalog.api_label(t.root().api));
  });
  if (roots.empty()) throw Error(ErrorKind::missing, "the traces hold no timed root span to replay").at_file(paths.empty() ? "" : paths.front());
  return model::recorded_arrivals(roots, topology);
}

double replay_speed_for_rate(const std::vector<model::RecordedArrival>& recorded, double rate_per_s) {
  if (recorded.size() < 2 || !(rate_per_s > 0)) return 1.0;
  const double span_s = (recorded.back().time_us - recorded.front().time_us) * 1e-6;
  if (!(span_s > 0)) return 1.0;
  const double recorded_rate = static_cast<double>(recorded.size() - 1) / span_s;
  return rate_per_s / recorded_rate;
}

}  // namespace palette::sim
