#pragma once
// Field-by-field comparison of two Topologies that names the first difference, e.g.
// "apis[2].pfa.states[1].contexts[0].probabilities[1]: 0.25 vs 0.5". Doubles compare by their bits:
// a round trip that turns 0.1 into 0.10000000000000002 is a difference.
//
// Every struct's field count is pinned below: a field added to the model fails this build until it
// is compared here — and, the same day, written to topology.yaml (topology_yaml_save.cpp) and read
// back (topology_yaml_load*.cpp).
#include <bit>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::test {

namespace field_count_detail {
struct Any {
  template <typename T>
  operator T&() const;  // never defined, only named in unevaluated checks; T& keeps copy vs move unambiguous
};
template <typename T, typename... A>
constexpr size_t count() {
  if constexpr (requires { T{A{}..., Any{}}; }) return count<T, A..., Any>();
  else return sizeof...(A);
}
}  // namespace field_count_detail
template <typename T>
constexpr size_t field_count = field_count_detail::count<T>();

namespace m = palette::model;
static_assert(field_count<m::Step> == 1 && field_count<m::PfaTransition> == 4 && field_count<m::PfaContext> == 4 &&
              field_count<m::PfaState> == 4 && field_count<m::Pfa> == 2, "PFA structs changed: update topology_equal.hpp and topology.yaml I/O");
static_assert(field_count<m::LatentParams> == 2 && field_count<m::Pattern> == 3 && field_count<m::WorkContext> == 4 &&
              field_count<m::Dependency> == 4 && field_count<m::Gcm> == 4, "GCM structs changed: update topology_equal.hpp and topology.yaml I/O");
static_assert(field_count<m::ServiceModel> == 5 && field_count<m::ApiModel> == 7 && field_count<m::Edge> == 10 &&
              field_count<m::RootShare> == 3 && field_count<m::FitInfo> == 7 && field_count<m::SourceInfo> == 5 &&
              field_count<m::Topology> == 9, "Topology structs changed: update topology_equal.hpp and topology.yaml I/O");

class TopologyDiff {
 public:
  std::string first;  // empty when equal

  template <typename T>
  void same(const T& a, const T& b, const std::string& path) {
    if (!first.empty()) return;
    bool equal;
    if constexpr (std::is_same_v<T, double>) equal = std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
    else equal = a == b;
    if (equal) return;
    std::ostringstream s;
    s.precision(17);
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) s << path << ": " << a << " vs " << b;
    else s << path << ": differ";
    first = s.str();
  }
  template <typename T, typename F>
  void each(const std::vector<T>& a, const std::vector<T>& b, const std::string& path, F f) {
    same(a.size(), b.size(), path + ".size()");
    for (size_t i = 0; first.empty() && i < a.size(); ++i) f(a[i], b[i], path + "[" + std::to_string(i) + "]");
  }
  template <typename T>
  void values(const std::vector<T>& a, const std::vector<T>& b, const std::string& path) {
    each(a, b, path, [&](const T& x, const T& y, const std::string& p) { same(x, y, p); });
  }
  void dist(const m::Distribution& a, const m::Distribution& b, const std::string& p) {
    same(a.count(), b.count(), p + ".count");
    values(a.probabilities(), b.probabilities(), p + ".p");
    values(a.values(), b.values(), p + ".v");
  }
  void classes(const std::vector<m::LatentParams>& a, const std::vector<m::LatentParams>& b, const std::string& path) {
    each(a, b, path, [&](const m::LatentParams& x, const m::LatentParams& y, const std::string& p) {
      same(x.mean, y.mean, p + ".mean");
      same(x.stddev, y.stddev, p + ".stddev");
    });
  }

  void pfa(const m::Pfa& a, const m::Pfa& b, const std::string& path) {
    each(a.steps, b.steps, path + ".steps", [&](const m::Step& x, const m::Step& y, const std::string& p) { values(x.calls, y.calls, p); });
    each(a.states, b.states, path + ".states", [&](const m::PfaState& x, const m::PfaState& y, const std::string& p) {
      same(x.count, y.count, p + ".count");
      same(x.finish_probability, y.finish_probability, p + ".finish");
      each(x.out, y.out, p + ".out", [&](const m::PfaTransition& s, const m::PfaTransition& t, const std::string& q) {
        same(s.step, t.step, q + ".step");
        same(s.to, t.to, q + ".to");
        same(s.probability, t.probability, q + ".p");
        same(s.count, t.count, q + ".n");
      });
      each(x.contexts, y.contexts, p + ".contexts", [&](const m::PfaContext& s, const m::PfaContext& t, const std::string& q) {
        same(s.caller, t.caller, q + ".caller");
        same(s.structure_class, t.structure_class, q + ".class");
        values(s.probabilities, t.probabilities, q + ".p");
        same(s.count, t.count, q + ".n");
      });
    });
  }

  void gcm(const m::Gcm& a, const m::Gcm& b, const std::string& path) {
    same(a.min_context_count, b.min_context_count, path + ".min_context_count");
    each(a.dependencies, b.dependencies, path + ".dependencies", [&](const m::Dependency& x, const m::Dependency& y, const std::string& p) {
      same(x.callee, y.callee, p + ".callee");
      same(x.lambda, y.lambda, p + ".lambda");
      same(x.awaited, y.awaited, p + ".awaited");
      same(x.calls, y.calls, p + ".calls");
    });
    each(a.patterns, b.patterns, path + ".patterns", [&](const m::Pattern& x, const m::Pattern& y, const std::string& p) {
      values(x.steps, y.steps, p + ".steps");
      same(x.count, y.count, p + ".count");
      values(x.gap_fractions, y.gap_fractions, p + ".gap_fractions");
    });
    each(a.work, b.work, path + ".work", [&](const m::WorkContext& x, const m::WorkContext& y, const std::string& p) {
      same(x.caller, y.caller, p + ".caller");
      same(x.pattern, y.pattern, p + ".pattern");
      dist(x.work_us, y.work_us, p + ".work_us");
      classes(x.classes, y.classes, p + ".classes");
    });
  }

  void topology(const m::Topology& a, const m::Topology& b) {
    each(a.services, b.services, "services", [&](const m::ServiceModel& x, const m::ServiceModel& y, const std::string& p) {
      same(x.name, y.name, p + ".name");
      same(x.workers, y.workers, p + ".workers");
      same(x.replicas, y.replicas, p + ".replicas");
      same(x.group, y.group, p + ".group");
      same(x.work, y.work, p + ".work");
    });
    each(a.apis, b.apis, "apis", [&](const m::ApiModel& x, const m::ApiModel& y, const std::string& p) {
      same(x.service, y.service, p + ".service");
      same(x.operation, y.operation, p + ".operation");
      same(x.invocations, y.invocations, p + ".invocations");
      same(x.external, y.external, p + ".external");
      same(x.error_rate, y.error_rate, p + ".error_rate");
      pfa(x.pfa, y.pfa, p + ".pfa");
      gcm(x.gcm, y.gcm, p + ".gcm");
    });
    each(a.edges, b.edges, "edges", [&](const m::Edge& x, const m::Edge& y, const std::string& p) {
      same(x.caller, y.caller, p + ".caller");
      same(x.callee, y.callee, p + ".callee");
      same(x.calls, y.calls, p + ".calls");
      dist(x.overhead_us, y.overhead_us, p + ".overhead_us");
      classes(x.overhead_classes, y.overhead_classes, p + ".overhead_classes");
      dist(x.request_bytes, y.request_bytes, p + ".request_bytes");
      dist(x.response_bytes, y.response_bytes, p + ".response_bytes");
      same(x.keep_probability, y.keep_probability, p + ".keep_probability");
      same(x.add_probability, y.add_probability, p + ".add_probability");
      same(x.timeout_us, y.timeout_us, p + ".timeout_us");
    });
    each(a.roots, b.roots, "roots", [&](const m::RootShare& x, const m::RootShare& y, const std::string& p) {
      same(x.api, y.api, p + ".api");
      same(x.share, y.share, p + ".share");
      same(x.count, y.count, p + ".count");
    });
    values(a.latency_class_weights, b.latency_class_weights, "latency_class_weights");
    values(a.structure_class_weights, b.structure_class_weights, "structure_class_weights");
    same(a.arrival_rate_per_s, b.arrival_rate_per_s, "arrival_rate_per_s");
    same(a.fit.conditioning == b.fit.conditioning, true, "fit.conditioning");
    same(a.fit.seed, b.fit.seed, "fit.seed");
    same(a.fit.alergia_alpha, b.fit.alergia_alpha, "fit.alergia_alpha");
    same(a.fit.latency_classes, b.fit.latency_classes, "fit.latency_classes");
    same(a.fit.structure_classes, b.fit.structure_classes, "fit.structure_classes");
    same(a.fit.min_context_count, b.fit.min_context_count, "fit.min_context_count");
    same(a.fit.concurrency_tolerance_us, b.fit.concurrency_tolerance_us, "fit.concurrency_tolerance_us");
    same(a.source.traces, b.source.traces, "source.traces");
    same(a.source.spans, b.source.spans, "source.spans");
    same(a.source.window_s, b.source.window_s, "source.window_s");
    same(a.source.sampling_probability, b.source.sampling_probability, "source.sampling_probability");
    values(a.source.files, b.source.files, "source.files");
  }
};

// "" when equal, else the first difference.
inline std::string topology_diff(const palette::model::Topology& a, const palette::model::Topology& b) {
  TopologyDiff d;
  d.topology(a, b);
  return d.first;
}

}  // namespace palette::test
