#pragma once
// Workload: which requests arrive when — one definition both backends read, so the simulator and the
// emulator get the same request sequence (ids, root APIs, arrival times) for the same seed.
//   - open loop: Poisson or constant-rate arrivals at `rate_per_s`, or a replay of recorded arrival
//     times and root APIs (optionally sped up);
//   - closed loop: `users` users, each sending a request, waiting for it, thinking (exponential, mean
//     think_time_s), and so on.
// Stop after `requests` requests or `duration_s` seconds of arrivals; requests that arrive during the
// first `warmup_s` seconds run but are not reported.
//
//   WorkloadSpec w;  w.rate_per_s = 100;  w.requests = 10000;
//   ArrivalSchedule s(w, sampler);   while (auto a = s.next()) submit(*a);
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "palette/topology/sampler.hpp"

namespace palette::model {

enum class ArrivalProcess { poisson, constant, replay, closed };
const char* to_string(ArrivalProcess p);
ArrivalProcess parse_arrival_process(const std::string& text);  // throws Error(bad_value)

struct RecordedArrival {
  double time_us = 0;             // relative to the first arrival
  ApiIndex root = kNoApiIndex;    // kNoApiIndex: draw from the topology's mix
};

struct WorkloadSpec {
  ArrivalProcess arrivals = ArrivalProcess::poisson;
  double rate_per_s = 0;        // open loop (poisson, constant)
  uint64_t requests = 0;        // stop after this many arrivals (0: use duration_s)
  double duration_s = 0;        // stop arrivals after this long (0: use requests)
  double warmup_s = 0;          // arrivals before this are not reported
  uint32_t users = 0;           // closed loop
  double think_time_s = 0;      // closed loop, mean of an exponential
  double replay_speed = 1;      // replay: >1 compresses time
  std::vector<RecordedArrival> recorded;  // replay
  uint64_t seed = 1;

  // Checks the combination of fields; throws Error(bad_value) naming the field.
  void validate() const;
};

struct Arrival {
  uint64_t request_id = 0;
  double time_us = 0;   // since the start of the run
  RequestDraw draw;     // root API and latent classes (from the sampler, by request id)
  bool warmup = false;
  uint32_t user = 0;    // closed loop: which user sent it
};

// Open-loop arrivals, in time order. (Closed loop: use first_requests() and after_completion().)
class ArrivalSchedule {
 public:
  ArrivalSchedule(const WorkloadSpec& spec, const Sampler& sampler);
  std::optional<Arrival> next();

  // Closed loop: each user's first request, at time 0 (staggered by a small random offset).
  std::vector<Arrival> first_requests();
  // Closed loop: the user's next request after one completed at `completed_us`; nullopt when the run
  // has sent enough.
  std::optional<Arrival> after_completion(uint32_t user, double completed_us);

  uint64_t issued() const { return issued_; }

 private:
  Arrival make(double time_us, uint32_t user, ApiIndex root);
  bool done(double time_us) const;
  WorkloadSpec spec_;
  const Sampler& sampler_;
  Rng rng_;
  double clock_us_ = 0;
  uint64_t issued_ = 0;
  size_t replay_pos_ = 0;
};

// The recorded arrivals of traces: root start times relative to the first, and root APIs mapped into
// the topology by service and operation (unknown roots are drawn from the mix).
std::vector<RecordedArrival> recorded_arrivals(const std::vector<std::pair<double, std::string>>& start_and_root_label,
                                               const Topology& topology);

}  // namespace palette::model
