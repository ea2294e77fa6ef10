#pragma once
// Helpers of the emulator tests: a constant-rate load against an in-process deployment.
#include <cstdint>

#include "palette/emu/in_process.hpp"
#include "palette/emu/load_generator.hpp"

namespace palette::test {

inline model::WorkloadSpec constant_rate(double rate_per_s, uint64_t requests, uint64_t seed = 1) {
  model::WorkloadSpec w;
  w.arrivals = model::ArrivalProcess::constant;
  w.rate_per_s = rate_per_s;
  w.requests = requests;
  w.seed = seed;
  return w;
}

// Runs `requests` requests at `rate_per_s` against the deployment (model seed `seed`).
inline emu::LoadResult run_constant_load(const model::Topology& t, const emu::InProcessDeployment& d, double rate_per_s,
                                         uint64_t requests, uint64_t seed = 1) {
  model::Sampler sampler(t, seed);
  emu::LoadOptions lo;
  lo.endpoints = d.endpoints();
  return emu::LoadGenerator(t, sampler, constant_rate(rate_per_s, requests, seed), lo).run();
}

inline size_t count_status(const emu::LoadResult& r, model::RequestStatus status) {
  size_t n = 0;
  for (const auto& q : r.requests) n += q.status == status;
  return n;
}

}  // namespace palette::test
