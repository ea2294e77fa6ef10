#include <algorithm>
#include <map>

#include "palette/stats/arrival_rate.hpp"
#include "stages.hpp"

namespace palette::model::fit {

void fit_graph(const Records& r, Topology& t) {
  for (const auto& name : r.service_names) {
    ServiceModel s;
    s.name = name;
    t.services.push_back(s);
  }
  t.apis.resize(r.api_service.size());
  for (size_t a = 0; a < t.apis.size(); ++a) {
    t.apis[a].service = r.api_service[a];
    t.apis[a].operation = r.api_operation[a];
    t.apis[a].external = r.api_external[a] != 0;
  }
  struct EdgeSamples {
    uint64_t calls = 0;
    std::vector<double> overhead, request, response;
  };
  std::map<std::pair<ApiIndex, ApiIndex>, EdgeSamples> edges;
  std::map<ApiIndex, uint64_t> roots;
  for (const auto& req : r.requests) ++roots[r.invocations[req.first_invocation].api];
  for (const auto& inv : r.invocations) {
    ++t.apis[inv.api].invocations;
    for (uint32_t c = 0; c < inv.call_count; ++c) {
      const CallRecord& call = r.calls[inv.first_call + c];
      EdgeSamples& e = edges[{inv.api, call.callee}];
      ++e.calls;
      if (inv.timed) e.overhead.push_back(call.overhead_us);
      if (call.request_bytes >= 0) e.request.push_back(static_cast<double>(call.request_bytes));
      if (call.response_bytes >= 0) e.response.push_back(static_cast<double>(call.response_bytes));
    }
  }
  for (auto& [key, s] : edges) {
    Edge e;
    e.caller = key.first;
    e.callee = key.second;
    e.calls = s.calls;
    e.overhead_us = s.overhead.empty() ? Distribution::constant(0) : Distribution::from_samples(std::move(s.overhead));
    e.request_bytes = Distribution::from_samples(std::move(s.request));
    e.response_bytes = Distribution::from_samples(std::move(s.response));
    t.edges.push_back(std::move(e));
  }
  const double n = static_cast<double>(r.requests.size());
  for (const auto& [api, count] : roots) t.roots.push_back(RootShare{api, static_cast<double>(count) / n, count});
  // Shares must sum to one exactly: give the rounding to the largest.
  double sum = 0;
  for (const auto& root : t.roots) sum += root.share;
  auto largest = std::max_element(t.roots.begin(), t.roots.end(), [](const auto& a, const auto& b) { return a.count < b.count; });
  if (largest != t.roots.end()) largest->share += 1.0 - sum;
  const double window_s = (r.last_start_us - r.first_start_us) / 1e6;
  t.source.traces = r.requests.size();
  t.source.window_s = window_s;
  // The rate while traces were being collected (pauses of the collection left out: arrival_rate.hpp),
  // from the timed roots, for all the requests; a sampling tracer kept only a share of the requests.
  stats::ArrivalRate arrivals;
  for (const auto& req : r.requests)
    if (r.invocations[req.first_invocation].timed) arrivals.add(static_cast<int64_t>(req.start_us));
  t.source.sampling_probability = r.sampling_probability;
  double kept = r.sampling_probability > 0 ? r.sampling_probability : 1.0;
  t.arrival_rate_per_s = arrivals.result().rate_for(r.requests.size()) / kept;
}

}  // namespace palette::model::fit
