#pragma once
// Synthetic traces of a random but plausible microservice system: a layered call graph of services and
// APIs, each API calling some deeper APIs sequentially or concurrently with fixed probabilities, with
// log-normal local work and network delay. For benchmarks at any size, fuzzing seeds, and the example
// traces the project ships; not a model of any real system.
//
//   SyntheticSpec spec;  spec.services = 12;  spec.traces = 1000;
//   generate_synthetic(spec, catalog, [&](CallTree&& t) { writer->add(t); });
#include <cstdint>
#include <functional>

#include "palette/call_tree.hpp"

namespace palette::ingest {

struct SyntheticSpec {
  uint32_t services = 8;
  uint32_t apis_per_service = 2;
  uint32_t depth = 4;             // layers of the call graph (1 = the entry layer only)
  uint32_t max_callees = 3;       // per API
  double concurrent_share = 0.3;  // fraction of APIs whose calls run in parallel
  double call_probability = 0.8;  // each edge is taken with this probability
  double local_work_median_us = 400;
  double local_work_sigma = 0.6;  // of the log-normal
  double network_us = 80;         // one-way, per call
  uint64_t traces = 1000;
  double rate_per_s = 50;         // root arrivals (Poisson)
  int64_t start_us = 1700000000000000;
  uint64_t seed = 1;
};

// Throws Error(bad_value) for a spec that cannot produce traces (no services, depth 0, ...).
void generate_synthetic(const SyntheticSpec& spec, Catalog& catalog, const std::function<void(CallTree&&)>& sink);

}  // namespace palette::ingest
