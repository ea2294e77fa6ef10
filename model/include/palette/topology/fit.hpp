#pragma once
// Fitting a Topology from traces. Each trace's call tree is read as invocations of APIs: in-process
// (local) spans are folded into their API's own time, each invocation's calls are grouped into steps
// (calls whose caller-side intervals overlap are one concurrent step), and the gaps between steps are
// its local work. Then, per API: the PFA over step sequences (pfa_learning.hpp), λ per callee by
// non-negative least squares, local work per context; per edge: call overhead and payload sizes; and
// per request: latent classes that couple structure choices and latency across the request, fitted by
// EM (fit/latent_classes.cpp). `conditioning: none` fits the naive baseline instead: one local-work
// distribution per API, base transition probabilities, no classes.
//
//   auto traces = ingest::load_traces({"hotel.json"}, {});
//   Topology t = fit_topology(traces, FitOptions{});
#include <cstdint>
#include <functional>
#include <string>

#include "palette/ingest/ingest.hpp"
#include "palette/topology/topology.hpp"

namespace palette::model {

struct FitOptions {
  Conditioning conditioning = Conditioning::caller;
  uint64_t seed = 1;                   // for the EM initialisation tie-breaks (the fit is deterministic)
  double alergia_alpha = 0.05;         // PFA state-merging confidence
  uint32_t latency_classes = 6;        // per-request latency classes (1 = independent draws)
  uint32_t structure_classes = 4;      // per-request structure classes (1 = independent choices)
  uint64_t min_context_count = 30;     // fewer invocations than this: back off to a coarser context
  int64_t concurrency_tolerance_us = 20;  // calls overlapping by less than this are sequential
  uint32_t em_iterations = 60;
  // EM runs on at most this many requests (an even spread over the traces): class parameters are
  // population statistics, and this bounds fitting time whatever the size of the dump.
  uint64_t em_max_requests = 20000;
};

struct FitReport {
  uint64_t traces = 0, traces_timed = 0, invocations = 0, calls = 0;
  uint64_t local_spans_folded = 0;  // in-process spans folded into their API's own time
  uint64_t async_calls = 0;         // calls whose caller-side end is after the invocation's end
  uint64_t contexts = 0, patterns = 0, pfa_states = 0;
  double latency_em_loglik = 0, structure_em_loglik = 0;
};

using FitProgressFn = std::function<void(const std::string& stage, double fraction)>;

// Throws Error(bad_value) when the traces hold nothing to fit (no trace, no timed trace).
Topology fit_topology(const ingest::TraceSet& traces, const FitOptions& options, FitReport* report = nullptr,
                      const FitProgressFn& progress = {});

}  // namespace palette::model
