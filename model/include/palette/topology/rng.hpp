#pragma once
// Rng: a small, fast, seedable generator (xoshiro256**) with the draws the model needs. Streams are
// derived from keys rather than shared: every invocation of every request gets its own stream from
// (experiment seed, invocation key), so a request makes exactly the same draws in the simulator and in
// the emulator whatever order their events happen in.
//
//   Rng r = Rng::for_key(seed, key);   double u = r.uniform();   double z = r.normal();
#include <cstdint>

namespace palette::model {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  static Rng for_key(uint64_t seed, uint64_t key);

  uint64_t next();
  double uniform();        // [0, 1)
  double uniform_open();   // (0, 1)
  double normal();         // N(0, 1)
  double exponential(double mean);
  uint64_t below(uint64_t n);  // [0, n)

 private:
  uint64_t s_[4];
};

// Keys: the request's root key from (request id); a child's from (parent key, step, call index).
uint64_t request_key(uint64_t request_id);
uint64_t child_key(uint64_t parent_key, uint32_t step, uint32_t call);

// Φ and Φ⁻¹ of the standard normal.
double normal_cdf(double z);
double normal_quantile(double p);

}  // namespace palette::model
