#include "palette/workload/workload.hpp"

#include <algorithm>

#include "palette/error.hpp"

namespace palette::model {

const char* to_string(ArrivalProcess p) {
  switch (p) {
    case ArrivalProcess::poisson: return "poisson";
    case ArrivalProcess::constant: return "constant";
    case ArrivalProcess::replay: return "replay";
    case ArrivalProcess::closed: return "closed";
  }
  return "poisson";
}

ArrivalProcess parse_arrival_process(const std::string& text) {
  if (text == "poisson") return ArrivalProcess::poisson;
  if (text == "constant") return ArrivalProcess::constant;
  if (text == "replay") return ArrivalProcess::replay;
  if (text == "closed") return ArrivalProcess::closed;
  throw Error(ErrorKind::bad_value, "unknown arrival process \"" + text + "\"").with_hint("poisson, constant, replay or closed");
}

void WorkloadSpec::validate() const {
  if (requests == 0 && duration_s <= 0)
    throw Error(ErrorKind::missing, "give a number of requests or a duration").at_key("workload");
  if (duration_s < 0) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("workload.duration_s");
  if (warmup_s < 0) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("workload.warmup_s");
  switch (arrivals) {
    case ArrivalProcess::poisson:
    case ArrivalProcess::constant:
      if (!(rate_per_s > 0)) throw Error(ErrorKind::bad_value, "an open-loop workload needs a rate > 0").at_key("workload.rate");
      break;
    case ArrivalProcess::replay:
      if (recorded.empty()) throw Error(ErrorKind::missing, "replay needs recorded arrivals (a trace file)").at_key("workload.replay");
      if (!(replay_speed > 0)) throw Error(ErrorKind::bad_value, "must be > 0").at_key("workload.replay_speed");
      break;
    case ArrivalProcess::closed:
      if (users == 0) throw Error(ErrorKind::bad_value, "a closed-loop workload needs users > 0").at_key("workload.users");
      if (think_time_s < 0) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("workload.think_time_s");
      break;
  }
}

ArrivalSchedule::ArrivalSchedule(const WorkloadSpec& spec, const Sampler& sampler)
    : spec_(spec), sampler_(sampler), rng_(Rng::for_key(spec.seed, 0xA11A1ULL)) {
  spec_.validate();
}

Arrival ArrivalSchedule::make(double time_us, uint32_t user, ApiIndex root) {
  Arrival a;
  a.request_id = issued_++;
  a.time_us = time_us;
  a.draw = root == kNoApiIndex ? sampler_.draw_request(a.request_id) : sampler_.draw_request(a.request_id, root);
  a.warmup = time_us < spec_.warmup_s * 1e6;
  a.user = user;
  return a;
}

bool ArrivalSchedule::done(double time_us) const {
  if (spec_.requests > 0 && issued_ >= spec_.requests) return true;
  if (spec_.duration_s > 0 && time_us >= spec_.duration_s * 1e6) return true;
  return false;
}

std::optional<Arrival> ArrivalSchedule::next() {
  double t = clock_us_;
  ApiIndex root = kNoApiIndex;
  switch (spec_.arrivals) {
    case ArrivalProcess::poisson:
      if (issued_ > 0) t += rng_.exponential(1e6 / spec_.rate_per_s);
      break;
    case ArrivalProcess::constant:
      t = static_cast<double>(issued_) * 1e6 / spec_.rate_per_s;
      break;
    case ArrivalProcess::replay: {
      if (replay_pos_ >= spec_.recorded.size()) return std::nullopt;
      const RecordedArrival& r = spec_.recorded[replay_pos_++];
      t = r.time_us / spec_.replay_speed;
      root = r.root;
      break;
    }
    case ArrivalProcess::closed:
      return std::nullopt;
  }
  if (done(t)) return std::nullopt;
  clock_us_ = t;
  return make(t, 0, root);
}

std::vector<Arrival> ArrivalSchedule::first_requests() {
  std::vector<Arrival> out;
  const double spread_us = spec_.think_time_s > 0 ? spec_.think_time_s * 1e6 : 1000.0;
  for (uint32_t u = 0; u < spec_.users && !done(0); ++u) out.push_back(make(rng_.uniform() * spread_us, u, kNoApiIndex));
  std::sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.time_us < b.time_us; });
  return out;
}

std::optional<Arrival> ArrivalSchedule::after_completion(uint32_t user, double completed_us) {
  // Each user's think times come from its own stream, so they do not depend on completion order.
  Rng think = Rng::for_key(spec_.seed, child_key(0x7417ULL + user, static_cast<uint32_t>(issued_), user));
  double t = completed_us + (spec_.think_time_s > 0 ? think.exponential(spec_.think_time_s * 1e6) : 0.0);
  if (done(t)) return std::nullopt;
  return make(t, user, kNoApiIndex);
}

std::vector<RecordedArrival> recorded_arrivals(const std::vector<std::pair<double, std::string>>& start_and_root,
                                               const Topology& topology) {
  std::vector<RecordedArrival> out;
  if (start_and_root.empty()) return out;
  double first = start_and_root.front().first;
  for (const auto& [t, label] : start_and_root) first = std::min(first, t);
  for (const auto& [t, label] : start_and_root) {
    RecordedArrival r;
    r.time_us = t - first;
    auto colon = label.find(':');
    if (colon != std::string::npos) r.root = topology.find_api(label.substr(0, colon), label.substr(colon + 1));
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  return out;
}

}  // namespace palette::model
