#pragma once
// RunResults: what a simulation or an emulation produced, in one shape for both backends — one row per
// request (latencies.csv: request_id,root_api,start_us,latency_us,status), per-API latency sketches,
// per-host utilisation and backend-specific numbers — and summary.json with the same keys whoever ran
// it, so `palette compare` and reports treat the two alike.
//
//   RunResults r("sim");  r.add_request({...});  ...
//   r.write(dir);   // latencies.csv + summary.json (spans are written by the backend)
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "palette/stats/quantile_sketch.hpp"
#include "palette/topology/topology.hpp"

namespace palette::model {

enum class RequestStatus { ok, error, timeout };
const char* to_string(RequestStatus s);

struct RequestResult {
  uint64_t request_id = 0;
  ApiIndex root = kNoApiIndex;
  double start_us = 0;     // intended send time, since the run started
  double latency_us = 0;   // from the intended send time to the response (no coordinated omission)
  RequestStatus status = RequestStatus::ok;
  bool warmup = false;     // arrived during warm-up: counted, not written or summarised
};

class RunResults {
 public:
  RunResults(std::string backend, const Topology& topology);
  ~RunResults();

  // Streaming, for runs of millions of requests: from now on each reported request goes straight to
  // dir/latencies.csv, and only counters and a quantile sketch (relative accuracy `accuracy`) are
  // kept, so memory stays flat however long the run. summary.json then gives the quantiles within
  // that accuracy and says so ("latency_us.relative_accuracy"); requests() stays empty. write()
  // completes latencies.csv and writes summary.json. Throws Error(io).
  void stream_to(const std::string& dir, double accuracy = 1e-4);

  void add_request(const RequestResult& r);
  // One invocation of an API took latency_us (server side), for the per-API quantiles.
  void add_invocation(ApiIndex api, double latency_us);
  void set_host_utilisation(const std::string& host, double utilisation);  // busy share in [0,1]
  // Any other number worth keeping (events, wall time, unabsorbed overhead, ...): summary.json "extra".
  void set_extra(const std::string& key, double value);
  void set_info(const std::string& key, const std::string& value);  // "info": seed, workload, ...

  const std::vector<RequestResult>& requests() const { return requests_; }
  uint64_t warmup_requests() const { return warmup_; }

  // Writes dir/latencies.csv and dir/summary.json (dir must exist). Throws Error(io).
  void write(const std::string& dir) const;
  void write_latencies_csv(std::ostream& out) const;
  void write_summary_json(std::ostream& out) const;

 private:
  void write_row(std::ostream& out, const RequestResult& r) const;

  std::string backend_;
  const Topology& topology_;
  std::vector<RequestResult> requests_;
  uint64_t warmup_ = 0;
  // Streaming (stream_to): the open CSV and what the summary needs.
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::vector<stats::QuantileSketch> per_api_;
  std::map<std::string, double> utilisation_, extra_;
  std::map<std::string, std::string> info_;
};

}  // namespace palette::model
