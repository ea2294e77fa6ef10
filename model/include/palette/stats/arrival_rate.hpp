#pragma once
// The request rate traces were recorded at. Trace dumps are often collected in bursts — one file per
// minute of a chaos experiment, load tests hours apart, a day's samples — and "traces over first to
// last start" then averages the traced load with the hours nobody collected. A gap between two
// consecutive root starts longer than 50x the median gap (and than 1 s) is a pause of the collection,
// not of the traffic: under Poisson arrivals such a gap has probability e^-35. The rate is the count
// of the other gaps over their total length.
//
// Memory is bounded: past `max_kept` starts, every other kept start is dropped and from then on only
// every 2nd (4th, ...) start is kept; the gaps of an evenly thinned sequence find the same pauses and
// the same active time.
//
//   ArrivalRate a;  for (...) a.add(root_start_us);  ArrivalRate::Result r = a.result();
#include <cstddef>
#include <cstdint>
#include <vector>

namespace palette::stats {

class ArrivalRate {
 public:
  static constexpr double kPauseFactor = 50;       // a pause: longer than this many median gaps ...
  static constexpr double kMinPauseUs = 1e6;       // ... and than this
  explicit ArrivalRate(size_t max_kept = size_t{1} << 22) : max_kept_(max_kept < 2 ? 2 : max_kept) {}

  void add(int64_t start_us);  // any order

  struct Result {
    uint64_t starts = 0;
    double span_s = 0;     // first to last start
    double active_s = 0;   // the same without the pauses
    uint64_t pauses = 0;
    double rate_per_s = 0; // starts per active second (0 with fewer than two distinct starts)
    // The rate of `requests` arrivals of which these starts are the timed ones: the same active
    // window, (requests - 1) gaps in it.
    double rate_for(uint64_t requests) const {
      return starts > 1 && requests > 1 ? rate_per_s * static_cast<double>(requests - 1) / static_cast<double>(starts - 1) : 0;
    }
  };
  Result result() const;

 private:
  size_t max_kept_;
  uint64_t seen_ = 0, stride_ = 1;
  std::vector<int64_t> kept_;
};

}  // namespace palette::stats
