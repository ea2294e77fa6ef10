#pragma once
// Topology: the runnable model of a traced system, G = (P, V, E) plus behaviour — services (P), APIs
// (V, unique by service + operation) each with its call structure (Pfa) and latency model (Gcm), call
// edges (E) with their counts, call overhead and payload sizes, the request mix at the roots, and the
// per-request latent classes that couple structure and latency within a request. Written to and read
// from topology.yaml (topology_yaml.hpp); fitted from traces (fit.hpp); walked by the Sampler
// (sampler.hpp), which both backends drive.
//
//   Topology t = fit_topology(traces, {});   ApiIndex a = t.find_api("frontend", "HTTP GET /hotels");
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "palette/topology/distribution.hpp"
#include "palette/topology/gcm.hpp"
#include "palette/topology/pfa.hpp"

namespace palette::model {

enum class Conditioning { none, caller };
const char* to_string(Conditioning c);

struct ServiceModel {
  std::string name;
  uint32_t workers = 0;  // concurrent requests the service serves; 0 = not known (unbounded)
  uint32_t replicas = 1;  // instances behind the service's address, requests spread over them
  std::string group;      // services with the same group share one process/host ("" = its own)
  std::string work;       // how its local work is done: "" (the backend's default), sleep, cpu, memory
};

struct ApiModel {
  uint32_t service = 0;  // index into Topology::services
  std::string operation;
  uint64_t invocations = 0;
  bool external = false;  // seen only from its callers' side (an uninstrumented database, cache, ...)
  double error_rate = 0;  // injected: the share of invocations that answer with an error
  Pfa pfa;
  Gcm gcm;
};

struct Edge {
  ApiIndex caller = kNoApiIndex, callee = kNoApiIndex;
  uint64_t calls = 0;
  // Caller-side minus callee-side duration of a call: network, serialisation, client library.
  Distribution overhead_us;
  std::vector<LatentParams> overhead_classes;  // per latency class, as for local work
  Distribution request_bytes, response_bytes;  // empty when the traces carry no sizes
  // Interventions on the call itself (defaults change nothing): an invocation of the caller keeps its
  // calls to the callee with keep_probability; one that makes none adds a call at its end with
  // add_probability; the caller gives up after timeout_us (0 = never).
  double keep_probability = 1, add_probability = 0;
  double timeout_us = 0;
};

struct RootShare {
  ApiIndex api = kNoApiIndex;
  double share = 0;
  uint64_t count = 0;
};

struct FitInfo {
  Conditioning conditioning = Conditioning::caller;
  uint64_t seed = 1;
  double alergia_alpha = 0.05;
  uint32_t latency_classes = 6;
  uint32_t structure_classes = 4;
  uint64_t min_context_count = 30;
  int64_t concurrency_tolerance_us = 20;
};

struct SourceInfo {
  uint64_t traces = 0, spans = 0;
  double window_s = 0;  // first to last root start
  double sampling_probability = 0;  // the tracer's head sampling, 0 = not recorded (taken as 1)
  std::vector<std::string> files;
};

struct Topology {
  std::vector<ServiceModel> services;
  std::vector<ApiModel> apis;
  std::vector<Edge> edges;  // sorted by (caller, callee)
  std::vector<RootShare> roots;
  std::vector<double> latency_class_weights{1.0};    // per-request latency classes
  std::vector<double> structure_class_weights{1.0};  // per-request structure classes
  double arrival_rate_per_s = 0;  // of the traced system: traces per second / sampling probability
  FitInfo fit;
  SourceInfo source;

  ApiIndex find_api(const std::string& service, const std::string& operation) const;  // kNoApiIndex if absent
  uint32_t find_service(const std::string& name) const;  // UINT32_MAX if absent
  const Edge* edge(ApiIndex caller, ApiIndex callee) const;
  Edge* edge(ApiIndex caller, ApiIndex callee);
  std::string api_label(ApiIndex a) const;  // "service:operation"

  // Structural checks: indices in range, PFAs valid, shares sum to 1, every call has an edge.
  // Throws palette::Error(bad_value) naming the API or edge.
  void validate() const;
};

}  // namespace palette::model
