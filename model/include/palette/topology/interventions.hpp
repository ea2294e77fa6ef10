#pragma once
// Interventions on a topology: each changes exactly what it targets and returns a one-line description
// of what it did (for the report). APIs are named "service:operation"; a target is an API or a whole
// service. All are deterministic (sampling uses the given seed).
//
//   scale_local_work(t, Target::parse(t, "search:/search.Search/Nearby"), 0.5);
//   remove_api(t, Target::parse(t, "profile"), RemoveMode::absorb, seed);
//
// Structural changes (removing an API, service or edge) may leave APIs that nothing calls any more;
// compact_topology() drops those and their services, renumbering what is left.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::model {

// One API ("service:operation") or every API of a service ("service").
struct Target {
  std::vector<ApiIndex> apis;
  std::string text;
  // Throws Error(bad_value) naming the text when it matches no API or service.
  static Target parse(const Topology& t, const std::string& text);
};

ApiIndex api_by_label(const Topology& t, const std::string& label);  // throws Error(bad_value)

std::string scale_local_work(Topology& t, const Target& target, double factor);
std::string shift_local_work(Topology& t, const Target& target, double delta_us);
// Replaces all contexts by one: the given distribution, drawn independently of the request's class.
std::string set_local_work(Topology& t, const Target& target, const Distribution& work_us);

// The probability that an invocation of `caller` calls `callee` (at least once). Lowering drops the
// calls of a share of invocations; raising adds a call at the end of a share of those without one.
std::string set_call_probability(Topology& t, ApiIndex caller, ApiIndex callee, double probability, uint64_t seed);
// The current probability that an invocation of `caller` calls `callee`, estimated by sampling plans.
double call_probability(const Topology& t, ApiIndex caller, ApiIndex callee, uint64_t seed, int samples = 20000);

enum class RemoveMode { drop, absorb };
RemoveMode parse_remove_mode(const std::string& text);
// Removes the target's APIs: their callers either lose the calls (drop) or absorb each removed call's
// whole latency into their own local work (absorb), context by context and class by class. Root APIs
// leave the request mix (the other roots' shares grow); removing every root is an error.
std::string remove_api(Topology& t, const Target& target, RemoveMode mode, uint64_t seed);
// Removes the calls from caller to callee (the structure drops them; nothing is absorbed).
std::string remove_edge(Topology& t, ApiIndex caller, ApiIndex callee);
// A new call from caller to callee, made by a share of the caller's invocations (at their end), with
// the given overhead (default: the median overhead of the edges into the callee, or 0).
std::string add_edge(Topology& t, ApiIndex caller, ApiIndex callee, double probability, const Distribution* overhead_us = nullptr);
// A new API (and service if new) with the given local work, called by the listed callers.
std::string add_api(Topology& t, const std::string& service, const std::string& operation, const Distribution& work_us,
                    const std::vector<std::pair<ApiIndex, double>>& called_by);
std::string set_payload(Topology& t, ApiIndex caller, ApiIndex callee, double request_bytes, double response_bytes);
std::string set_workers(Topology& t, const std::string& service, uint32_t workers);
std::string set_replicas(Topology& t, const std::string& service, uint32_t replicas);
std::string set_work_spec(Topology& t, const std::string& service, const std::string& spec);  // "*" = all
std::string set_error_rate(Topology& t, const Target& target, double rate);
std::string set_timeout(Topology& t, ApiIndex caller, ApiIndex callee, double timeout_us);

// Drops APIs no root reaches and services left without APIs; returns how many APIs were dropped.
size_t compact_topology(Topology& t);

}  // namespace palette::model
