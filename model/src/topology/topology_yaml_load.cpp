// Reading topology.yaml: the document's sections and the final Topology::validate(). Parsing:
// internal/yaml_tree.cpp; one API's pfa and gcm: topology_yaml_load_api.cpp.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "topology/internal/api_labels.hpp"
#include "topology/internal/topology_loader.hpp"
#include "topology/internal/yaml_text.hpp"
#include "palette/error.hpp"
#include "palette/topology/topology_yaml.hpp"

namespace palette::model {
namespace yaml {

Topology TopologyLoader::load(const Node& document) {
  if (document.kind == Node::Kind::null)
    throw Error(ErrorKind::missing, "holds no topology (the file is empty)").at_file(src_.file);
  Value root(src_, document, "", 1);
  // The version first: a newer file's keys would otherwise be reported as unknown.
  for (const auto& [key, value] : root.entries())
    if (key.text() == "palette_topology" && value.count() != static_cast<uint64_t>(kTopologyFormatVersion))
      throw value.error(ErrorKind::unsupported, "is version " + value.text() + "; this palette reads version " +
                                                    std::to_string(kTopologyFormatVersion));
  Map top(root, {"palette_topology", "source", "fit", "arrival_rate_per_s", "latency_class_weights",
                 "structure_class_weights", "roots", "services", "apis", "edges"});
  if (!top.has("palette_topology"))
    throw root.error(ErrorKind::missing, "missing required key \"palette_topology\"")
        .with_hint("a topology written by palette starts with `palette_topology: " + std::to_string(kTopologyFormatVersion) + "`");
  read_header(top);
  t_.latency_class_weights = class_weights(top.required("latency_class_weights"));
  t_.structure_class_weights = class_weights(top.required("structure_class_weights"));
  read_services(top.required("services"));
  read_api_labels(top.required("apis"));
  read_edges(top.required("edges"));  // before the APIs: every call a PFA makes needs its edge
  for (size_t a = 0; a < t_.apis.size(); ++a) read_api(static_cast<ApiIndex>(a), api_bodies_[a]);
  read_roots(top.required("roots"));
  validate();
  return std::move(t_);
}

// Where the model came from and how it was fitted: optional, defaults when left out.
void TopologyLoader::read_header(const Map& top) {
  t_.arrival_rate_per_s = top.required("arrival_rate_per_s").non_negative();
  if (auto v = top.optional("source")) {
    Map m(*v, {"traces", "spans", "window_s", "sampling_probability", "files"});
    if (auto x = m.optional("traces")) t_.source.traces = x->count();
    if (auto x = m.optional("spans")) t_.source.spans = x->count();
    if (auto x = m.optional("window_s")) t_.source.window_s = x->non_negative();
    if (auto x = m.optional("sampling_probability")) t_.source.sampling_probability = x->non_negative();
    if (auto x = m.optional("files"))
      for (const Value& f : x->items()) t_.source.files.push_back(f.text());
  }
  if (auto v = top.optional("fit")) {
    Map m(*v, {"conditioning", "seed", "alergia_alpha", "latency_classes", "structure_classes", "min_context_count",
               "concurrency_tolerance_us"});
    FitInfo& f = t_.fit;
    if (auto x = m.optional("conditioning")) {
      if (x->is_word("none")) f.conditioning = Conditioning::none;
      else if (x->is_word("caller")) f.conditioning = Conditioning::caller;
      else throw x->error(ErrorKind::bad_value, "expected caller or none, got \"" + x->text() + "\"");
    }
    if (auto x = m.optional("seed")) f.seed = x->count();
    if (auto x = m.optional("alergia_alpha")) f.alergia_alpha = x->probability();
    if (auto x = m.optional("latency_classes")) f.latency_classes = x->u32();
    if (auto x = m.optional("structure_classes")) f.structure_classes = x->u32();
    if (auto x = m.optional("min_context_count")) f.min_context_count = x->count();
    if (auto x = m.optional("concurrency_tolerance_us")) {
      f.concurrency_tolerance_us = x->i64();
      if (f.concurrency_tolerance_us < 0) throw x->error(ErrorKind::bad_value, "must be >= 0, got " + x->text());
    }
  }
}

std::vector<double> TopologyLoader::class_weights(const Value& v) const {
  std::vector<double> w;
  double sum = 0;
  for (const Value& x : v.items()) {
    w.push_back(x.non_negative());
    sum += w.back();
  }
  if (w.empty()) throw v.error(ErrorKind::bad_value, "needs at least one class").with_hint("[1] is one class");
  if (std::fabs(sum - 1.0) > 1e-6) throw v.error(ErrorKind::bad_value, "class weights sum to " + number(sum) + ", not 1");
  return w;
}

void TopologyLoader::read_services(const Value& v) {
  for (const Value& item : v.items()) {
    Map m(item, {"name", "workers", "replicas", "group", "work"});
    ServiceModel s;
    s.name = m.required("name").text();
    s.workers = m.required("workers").u32();
    if (auto x = m.optional("replicas")) {
      s.replicas = x->u32();
      if (s.replicas == 0) throw x->error(ErrorKind::bad_value, "needs at least 1 replica");
    }
    if (auto x = m.optional("group")) s.group = x->text();
    if (auto x = m.optional("work")) {
      s.work = x->text();
      if (s.work != "sleep" && s.work != "cpu" && s.work != "memory")
        throw x->error(ErrorKind::bad_value, "unknown work spec \"" + s.work + "\"").with_hint("sleep, cpu or memory");
    }
    if (t_.find_service(s.name) != UINT32_MAX) throw item.error(ErrorKind::bad_value, "service \"" + s.name + "\" is listed twice");
    t_.services.push_back(std::move(s));
  }
}

// The APIs' labels before their bodies: a PFA may call an API listed after it.
void TopologyLoader::read_api_labels(const Value& apis) {
  for (const auto& [name, body] : apis.entries()) {
    std::string label = name.text();
    Value key = name.at_path("apis[" + label + "]"), at = body.at_path(key.path());
    Map m(at, {"service", "invocations", "external", "error_rate", "pfa", "gcm"});
    uint32_t s = service_of_label(t_.services, label);
    if (auto named = m.optional("service")) {
      s = t_.find_service(named->text());
      if (s == UINT32_MAX) throw named->error(ErrorKind::bad_value, "unknown service \"" + named->text() + "\"");
      if (service_of_label({t_.services[s]}, label) != 0)
        throw key.error(ErrorKind::bad_value, "the label of an API of " + named->text() + " starts with \"" + named->text() + ":\"");
    } else if (s == UINT32_MAX) {
      throw key.error(ErrorKind::bad_value, "\"" + label + "\" does not start with the name of a service and ':'")
          .with_hint("APIs are keyed service:operation, with the service listed under services");
    }
    ApiModel api;
    api.service = s;
    api.operation = label.substr(t_.services[s].name.size() + 1);
    t_.apis.push_back(std::move(api));
    by_label_.emplace(label, static_cast<ApiIndex>(t_.apis.size() - 1));
    api_bodies_.push_back(at);
  }
}

void TopologyLoader::read_edges(const Value& v) {
  std::vector<std::pair<Edge, Value>> edges;
  for (const Value& item : v.items()) {
    Map m(item, {"caller", "callee", "calls", "overhead_us", "overhead_classes", "request_bytes", "response_bytes",
                 "keep_probability", "add_probability", "timeout_us"});
    Edge e;
    e.caller = api_ref(m.required("caller"));
    e.callee = api_ref(m.required("callee"));
    e.calls = m.required("calls").count();
    e.overhead_us = distribution(m.required("overhead_us"));
    if (auto x = m.optional("overhead_classes")) e.overhead_classes = classes(*x);
    if (auto x = m.optional("request_bytes")) e.request_bytes = distribution(*x);
    if (auto x = m.optional("response_bytes")) e.response_bytes = distribution(*x);
    if (auto x = m.optional("keep_probability")) e.keep_probability = x->probability();
    if (auto x = m.optional("add_probability")) e.add_probability = x->probability();
    if (auto x = m.optional("timeout_us")) e.timeout_us = x->non_negative();
    edges.emplace_back(std::move(e), item);
  }
  // Kept sorted by (caller, callee) for lookup; a person may list them in any order.
  auto key = [](const Edge& e) { return std::make_pair(e.caller, e.callee); };
  std::stable_sort(edges.begin(), edges.end(), [&](const auto& x, const auto& y) { return key(x.first) < key(y.first); });
  for (size_t i = 0; i < edges.size(); ++i) {
    if (i > 0 && key(edges[i - 1].first) == key(edges[i].first))
      throw edges[i].second.error(ErrorKind::bad_value, "edge " + t_.api_label(edges[i].first.caller) + " -> " +
                                                            t_.api_label(edges[i].first.callee) + " is listed twice");
    t_.edges.push_back(std::move(edges[i].first));
  }
}

void TopologyLoader::read_roots(const Value& v) {
  double sum = 0;
  for (const Value& item : v.items()) {
    Map m(item, {"api", "share", "count"});
    RootShare r{api_ref(m.required("api")), m.required("share").probability(), m.required("count").count()};
    for (const auto& earlier : t_.roots)
      if (earlier.api == r.api) throw item.error(ErrorKind::bad_value, "root " + t_.api_label(r.api) + " is listed twice");
    sum += r.share;
    t_.roots.push_back(r);
  }
  if (t_.roots.empty()) throw v.error(ErrorKind::bad_value, "needs at least one root API (where requests enter)");
  if (std::fabs(sum - 1.0) > 1e-6) throw v.error(ErrorKind::bad_value, "root shares sum to " + number(sum) + ", not 1");
}

// Everything Topology::validate() checks was checked above with a line; should it still object (a
// rule added there later), its complaint is pointed at the closest line.
void TopologyLoader::validate() const {
  try {
    t_.validate();
  } catch (const Error& e) {
    throw locate(e, t_, src_);
  }
}

Error locate(const Error& e, const Topology& t, const Source& source) {
  // Topology::validate() names APIs by index and uses the struct's names; the file has labels and keys.
  std::string key = e.key();
  size_t close = key.find(']');
  if (key.rfind("apis[", 0) == 0 && close != std::string::npos)
    if (auto a = parse_uint(key.substr(5, close - 5)); a && *a < t.apis.size())
      key = "apis[" + t.api_label(static_cast<ApiIndex>(*a)) + "]" + key.substr(close + 1);
  if (key.ends_with("].local_work")) key.insert(key.size() - 11, ".gcm");
  if (key == "latency_classes") key = "latency_class_weights";
  if (key == "structure_classes") key = "structure_class_weights";
  int64_t line = 0;
  for (std::string k = key; line == 0 && !k.empty();) {
    if (auto it = source.lines.find(k); it != source.lines.end()) line = it->second;
    size_t cut = k.find_last_of(".[");
    k.resize(cut == std::string::npos ? 0 : cut);
  }
  Error out(e.kind(), e.message());
  out.at_file(source.file).at_line(line).at_key(key);
  if (!e.hint().empty()) out.with_hint(e.hint());
  return out;
}

ApiIndex TopologyLoader::api_ref(const Value& v) const {
  auto it = by_label_.find(v.text());
  if (it == by_label_.end())
    throw v.error(ErrorKind::bad_value, "unknown API \"" + v.text() + "\"").with_hint("APIs are named by their keys under apis:");
  return it->second;
}

ApiIndex TopologyLoader::caller_ref(const Value& v) const { return v.is_word("any") ? kNoApiIndex : api_ref(v); }

Distribution TopologyLoader::distribution(const Value& v) const {
  Map m(v, {"n", "p", "v"});
  uint64_t n = m.required("n").count();
  Value p = m.required("p"), values = m.required("v");
  std::vector<double> ps = p.numbers(), vs = values.numbers();
  if (ps.empty() && vs.empty()) {
    if (n != 0) throw v.error(ErrorKind::bad_value, "an empty distribution (p: [], v: []) has n: 0");
    return Distribution{};
  }
  try {
    return Distribution::from_quantiles(std::move(ps), std::move(vs), n);
  } catch (const Error& e) {
    const Value& at = e.message().rfind("quantile values", 0) == 0 ? values : e.message().rfind("quantile probabilities", 0) == 0 ? p : v;
    throw at.error(e.kind(), e.message()).with_hint("p: probabilities from 0 to 1, increasing; v: the quantiles at them, not decreasing");
  }
}

std::vector<LatentParams> TopologyLoader::classes(const Value& v) const {
  std::vector<LatentParams> out;
  for (const Value& c : v.items()) {
    std::vector<Value> pair = c.items();
    if (pair.size() != 2) throw c.error(ErrorKind::bad_value, "expected [mean, sd], got a list of " + std::to_string(pair.size()));
    out.push_back(LatentParams{pair[0].number(), pair[1].non_negative()});
  }
  if (!out.empty() && out.size() != t_.latency_class_weights.size())
    throw v.error(ErrorKind::bad_value, "lists " + std::to_string(out.size()) + " [mean, sd], but latency_class_weights has " +
                                            std::to_string(t_.latency_class_weights.size()) + " classes")
        .with_hint("one [mean, sd] per latency class");
  return out;
}

}  // namespace yaml

Topology load_topology(std::istream& in, const std::string& name_for_errors) {
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::io, "read failed").at_file(name_for_errors);
  yaml::Node document = yaml::parse_document(text.str(), name_for_errors);
  return yaml::TopologyLoader(name_for_errors).load(document);
}

Topology load_topology_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorKind::missing, "no such file or directory").at_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, std::string("cannot open: ") + std::strerror(errno)).at_file(path);
  return load_topology(in, path);
}

}  // namespace palette::model
