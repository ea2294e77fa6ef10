#pragma once
// The traces as the fitter sees them: flat arrays of requests, invocations and calls (millions of
// them, so no per-object allocation), with each invocation's calls grouped into steps and its local
// work split into gaps. Built once by build_records(); every fitting stage reads it.
#include <cstdint>
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"
#include "palette/topology/topology.hpp"

namespace palette::model::fit {

struct CallRecord {
  ApiIndex callee = kNoApiIndex;
  uint32_t callee_invocation = 0;  // index into Records::invocations
  double latency_us = 0;           // caller side (client span), or the callee's when there is none
  double server_us = 0;            // callee side
  double overhead_us = 0;          // latency - server, >= 0
  int64_t request_bytes = -1, response_bytes = -1;
  bool async = false;              // ends after the calling invocation ended
};

struct InvocationRecord {
  ApiIndex api = kNoApiIndex;
  ApiIndex caller = kNoApiIndex;  // kNoApiIndex for a root
  uint32_t request = 0;
  uint32_t first_call = 0, call_count = 0;  // into Records::calls, in step order
  uint32_t first_step = 0, step_count = 0;  // into Records::step_ids (per-API alphabet ids)
  uint32_t first_gap = 0;                   // into Records::gaps, step_count + 1 of them
  double duration_us = 0;
  double local_us = 0;                      // sum of the gaps
  bool timed = false;                       // this invocation and its calls all have timing
  int32_t pattern = -1;                     // assigned by the structure stage
};

struct RequestRecord {
  uint32_t first_invocation = 0, invocation_count = 0;  // the root first
  double start_us = 0;
};

// Per API: the alphabet of steps (sorted callee lists) its invocations use.
struct StepAlphabet {
  std::vector<Step> steps;
  uint32_t id(const Step& s);  // interns
 private:
  std::vector<std::pair<Step, uint32_t>> index_;  // sorted by step
};

struct Records {
  std::vector<std::string> service_names;
  std::vector<uint32_t> api_service;       // per ApiIndex
  std::vector<std::string> api_operation;  // per ApiIndex
  std::vector<uint8_t> api_external;       // only ever seen as a client_only call
  std::vector<RequestRecord> requests;
  std::vector<InvocationRecord> invocations;
  std::vector<CallRecord> calls;
  std::vector<uint32_t> step_ids;
  std::vector<uint32_t> step_call_counts;  // parallel to step_ids: calls in that step
  std::vector<double> gaps;
  std::vector<StepAlphabet> alphabets;     // per ApiIndex
  uint64_t local_folded = 0, async_calls = 0;
  double first_start_us = 0, last_start_us = 0;
  double sampling_probability = 0;  // mean over traces that record one
};

// Folds local nodes, merges APIs by label, groups calls into steps (overlap beyond `tolerance_us`).
Records build_records(const ingest::TraceSet& traces, int64_t tolerance_us);

}  // namespace palette::model::fit
