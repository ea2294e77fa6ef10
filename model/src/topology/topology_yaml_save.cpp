// Writing topology.yaml. Every byte is decided here (key order, indentation, number text), never by
// a YAML library, so that saving what was loaded reproduces the file palette wrote.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>

#include "topology/internal/api_labels.hpp"
#include "topology/internal/yaml_text.hpp"
#include "palette/error.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::model {
namespace {

using yaml::number;
using yaml::scalar;

// Implicit YAML keys are limited to 1024 characters (yaml-cpp refuses longer ones); longer labels
// (database spans use the query text as their operation name) are written as explicit `? key`.
constexpr size_t kMaxImplicitKey = 1000;

std::string flow(const std::vector<double>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + number(xs[i]);
  return s + "]";
}

std::string flow(const std::vector<uint32_t>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + number(uint64_t{xs[i]});
  return s + "]";
}

std::string flow(const std::vector<LatentParams>& classes) {
  std::string s = "[";
  for (size_t i = 0; i < classes.size(); ++i) s += (i ? ", [" : "[") + number(classes[i].mean) + ", " + number(classes[i].stddev) + "]";
  return s + "]";
}

class Writer {
 public:
  Writer(const Topology& t, std::ostream& out) : t_(t), out_(out) {}

  void document();

 private:
  void line(int indent, const std::string& text) {
    out_ << std::string(static_cast<size_t>(indent), ' ') << text << '\n';
  }
  std::string label(ApiIndex a) const { return scalar(t_.api_label(a)); }
  std::string caller(ApiIndex a) const { return a == kNoApiIndex ? "any" : label(a); }
  void distribution(int indent, const char* key, const Distribution& d);
  void api(ApiIndex a);
  void pfa(const Pfa& p);
  void gcm(const Gcm& g);
  void edge(const Edge& e);

  const Topology& t_;
  std::ostream& out_;
};

void Writer::distribution(int indent, const char* key, const Distribution& d) {
  line(indent, std::string(key) + ":");
  line(indent + 2, "n: " + number(d.count()));
  line(indent + 2, "p: " + flow(d.probabilities()));
  line(indent + 2, "v: " + flow(d.values()));
}

void Writer::document() {
  line(0, "# palette topology: the services, APIs and calls of a traced system, each API's call structure");
  line(0, "# (pfa) and latency model (gcm). Made to be edited by hand; the keys: docs/topology-schema.md.");
  line(0, "palette_topology: " + std::to_string(kTopologyFormatVersion));
  line(0, "source:");
  line(2, "traces: " + number(t_.source.traces));
  line(2, "spans: " + number(t_.source.spans));
  line(2, "window_s: " + number(t_.source.window_s));
  if (t_.source.sampling_probability > 0)  // written only when the tracer recorded one (0 = not known)
    line(2, "sampling_probability: " + number(t_.source.sampling_probability));
  line(2, t_.source.files.empty() ? "files: []" : "files:");
  for (const auto& f : t_.source.files) line(4, "- " + scalar(f));
  line(0, "fit:");
  line(2, std::string("conditioning: ") + to_string(t_.fit.conditioning));
  line(2, "seed: " + number(t_.fit.seed));
  line(2, "alergia_alpha: " + number(t_.fit.alergia_alpha));
  line(2, "latency_classes: " + number(uint64_t{t_.fit.latency_classes}));
  line(2, "structure_classes: " + number(uint64_t{t_.fit.structure_classes}));
  line(2, "min_context_count: " + number(t_.fit.min_context_count));
  line(2, "concurrency_tolerance_us: " + number(t_.fit.concurrency_tolerance_us));
  line(0, "arrival_rate_per_s: " + number(t_.arrival_rate_per_s));
  line(0, "latency_class_weights: " + flow(t_.latency_class_weights));
  line(0, "structure_class_weights: " + flow(t_.structure_class_weights));
  line(0, t_.roots.empty() ? "roots: []" : "roots:");
  for (const auto& r : t_.roots)
    line(2, "- {api: " + label(r.api) + ", share: " + number(r.share) + ", count: " + number(r.count) + "}");
  line(0, t_.services.empty() ? "services: []" : "services:");
  for (const auto& s : t_.services) {
    // Deployment fields appear only when set, so fitted files stay short.
    std::string extra;
    if (s.replicas != 1) extra += ", replicas: " + number(uint64_t{s.replicas});
    if (!s.group.empty()) extra += ", group: " + scalar(s.group);
    if (!s.work.empty()) extra += ", work: " + scalar(s.work);
    line(2, "- {name: " + scalar(s.name) + ", workers: " + number(uint64_t{s.workers}) + extra + "}");
  }
  line(0, t_.apis.empty() ? "apis: {}" : "apis:");
  for (size_t a = 0; a < t_.apis.size(); ++a) api(static_cast<ApiIndex>(a));
  line(0, t_.edges.empty() ? "edges: []" : "edges:");
  for (const auto& e : t_.edges) edge(e);
}

void Writer::api(ApiIndex a) {
  const ApiModel& m = t_.apis[a];
  std::string key = label(a);
  if (key.size() <= kMaxImplicitKey) {
    line(2, key + ":");
  } else {
    line(2, "? " + key);
    line(2, ":");
  }
  if (yaml::service_of_label(t_.services, t_.api_label(a)) != m.service) line(4, "service: " + scalar(t_.services[m.service].name));
  line(4, "invocations: " + number(m.invocations));
  if (m.external) line(4, "external: true");
  if (m.error_rate > 0) line(4, "error_rate: " + number(m.error_rate));
  pfa(m.pfa);
  gcm(m.gcm);
}

void Writer::pfa(const Pfa& p) {
  line(4, "pfa:");
  line(6, p.steps.empty() ? "steps: []" : "steps:");
  for (size_t k = 0; k < p.steps.size(); ++k) {
    std::string s = "- [";
    for (size_t c = 0; c < p.steps[k].calls.size(); ++c) s += (c ? ", " : "") + label(p.steps[k].calls[c]);
    line(8, s + "]  # step " + std::to_string(k));
  }
  line(6, p.states.empty() ? "states: []" : "states:");
  for (size_t i = 0; i < p.states.size(); ++i) {
    const PfaState& st = p.states[i];
    line(8, "- count: " + number(st.count) + "  # state " + std::to_string(i) + (i == Pfa::kStart ? " (START)" : ""));
    line(10, "finish: " + number(st.finish_probability));
    line(10, st.out.empty() ? "transitions: []" : "transitions:");
    for (const auto& tr : st.out)
      line(12, "- {step: " + number(uint64_t{tr.step}) + ", to: " + number(uint64_t{tr.to}) + ", p: " + number(tr.probability) +
                   ", n: " + number(tr.count) + "}");
    if (!st.contexts.empty()) line(10, "contexts:");
    for (const auto& c : st.contexts)
      line(12, "- {caller: " + caller(c.caller) + ", class: " +
                   (c.structure_class < 0 ? std::string("any") : number(int64_t{c.structure_class})) +
                   ", p: " + flow(c.probabilities) + ", n: " + number(c.count) + "}");
  }
}

void Writer::gcm(const Gcm& g) {
  line(4, "gcm:");
  line(6, "min_context_count: " + number(g.min_context_count));
  line(6, g.dependencies.empty() ? "dependencies: []" : "dependencies:");
  for (const auto& d : g.dependencies)
    line(8, "- {callee: " + label(d.callee) + ", lambda: " + number(d.lambda) + ", awaited: " + (d.awaited ? "true" : "false") +
                ", calls: " + number(d.calls) + "}");
  line(6, g.patterns.empty() ? "patterns: []" : "patterns:");
  for (size_t k = 0; k < g.patterns.size(); ++k) {
    const Pattern& p = g.patterns[k];
    line(8, "- {steps: " + flow(p.steps) + ", count: " + number(p.count) + ", gap_fractions: " + flow(p.gap_fractions) +
                "}  # pattern " + std::to_string(k));
  }
  line(6, g.work.empty() ? "local_work: []" : "local_work:");
  for (const auto& w : g.work) {
    line(8, "- caller: " + caller(w.caller));
    line(10, "pattern: " + (w.pattern < 0 ? std::string("any") : number(int64_t{w.pattern})));
    distribution(10, "work_us", w.work_us);
    if (!w.classes.empty()) line(10, "classes: " + flow(w.classes));
  }
}

void Writer::edge(const Edge& e) {
  line(2, "- caller: " + label(e.caller));
  line(4, "callee: " + label(e.callee));
  line(4, "calls: " + number(e.calls));
  distribution(4, "overhead_us", e.overhead_us);
  if (!e.overhead_classes.empty()) line(4, "overhead_classes: " + flow(e.overhead_classes));
  if (!e.request_bytes.empty()) distribution(4, "request_bytes", e.request_bytes);
  if (e.keep_probability != 1) line(4, "keep_probability: " + number(e.keep_probability));
  if (e.add_probability != 0) line(4, "add_probability: " + number(e.add_probability));
  if (e.timeout_us != 0) line(4, "timeout_us: " + number(e.timeout_us));
  if (!e.response_bytes.empty()) distribution(4, "response_bytes", e.response_bytes);
}

// What YAML cannot say: names are how APIs and services are found again, so they must be unique.
void check_representable(const Topology& t) {
  std::set<std::string> names, labels;
  for (const auto& s : t.services)
    if (!names.insert(s.name).second)
      throw Error(ErrorKind::unsupported, "two services are named \"" + s.name + "\"; topology.yaml finds services by name");
  for (size_t a = 0; a < t.apis.size(); ++a) {
    if (t.apis[a].service >= t.services.size())
      throw Error(ErrorKind::bad_value, "service index out of range").at_key("apis[" + std::to_string(a) + "]");
    if (!labels.insert(t.api_label(static_cast<ApiIndex>(a))).second)
      throw Error(ErrorKind::unsupported, "two APIs have the label \"" + t.api_label(static_cast<ApiIndex>(a)) +
                                              "\"; topology.yaml finds APIs by label");
  }
  auto check_api = [&](ApiIndex a, const std::string& where) {
    if (a >= t.apis.size()) throw Error(ErrorKind::bad_value, "refers to an unknown API").at_key(where);
  };
  for (const auto& e : t.edges) check_api(e.caller, "edges"), check_api(e.callee, "edges");
  for (const auto& r : t.roots) check_api(r.api, "roots");
  for (size_t a = 0; a < t.apis.size(); ++a) {
    std::string where = "apis[" + t.api_label(static_cast<ApiIndex>(a)) + "]";
    const ApiModel& m = t.apis[a];
    for (const auto& s : m.pfa.steps)
      for (ApiIndex c : s.calls) check_api(c, where + ".pfa.steps");
    for (const auto& st : m.pfa.states)
      for (const auto& c : st.contexts)
        if (c.caller != kNoApiIndex) check_api(c.caller, where + ".pfa.states");
    for (const auto& d : m.gcm.dependencies) check_api(d.callee, where + ".gcm.dependencies");
    for (const auto& w : m.gcm.work)
      if (w.caller != kNoApiIndex) check_api(w.caller, where + ".gcm.local_work");
  }
}

}  // namespace

void save_topology(const Topology& topology, std::ostream& out) {
  check_representable(topology);
  Writer(topology, out).document();
}

void save_topology_file(const Topology& topology, const std::string& path) {
  std::ostringstream text;  // all of it first: a topology that cannot be saved leaves no half file
  save_topology(topology, text);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(path);
  out << text.view();
  out.flush();
  if (!out) throw Error(ErrorKind::io, "write failed (disk full?)").at_file(path);
}

}  // namespace palette::model
