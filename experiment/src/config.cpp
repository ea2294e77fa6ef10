#include "palette/experiment/config.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "palette/error.hpp"
#include "palette/ingest/input.hpp"
#include "topology/internal/yaml_fields.hpp"
#include "topology/internal/yaml_tree.hpp"

namespace palette::experiment {
namespace {

using model::yaml::Map;
using model::yaml::Value;

std::vector<std::string> strings(const Value& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  try {
    for (const Value& item : v.items()) out.push_back(item.text());
  } catch (const Error&) {
    out.push_back(v.text());  // a single string for a one-element list
  }
  return out;
}

std::string scalar_or_list(const Value& v) {
  std::string out;
  for (const auto& s : strings(v)) out += (out.empty() ? "" : "\n") + s;
  return out;
}

void read_traces(const Value& v, TraceSection& t) {
  Map m(v, {"paths", "format", "strict", "idle_window_s", "orphans"});
  t.paths = strings(m.required("paths"));
  if (t.paths.empty()) throw m.required("paths").error(ErrorKind::missing, "lists no trace file");
  if (auto x = m.optional("format")) t.format = x->text() == "auto" ? "" : x->text();
  if (auto x = m.optional("strict")) t.strict = x->boolean();
  if (auto x = m.optional("idle_window_s")) t.idle_window_s = x->non_negative();
  if (auto x = m.optional("orphans")) {
    t.orphans = x->text();
    if (t.orphans != "attach" && t.orphans != "drop") throw x->error(ErrorKind::bad_value, "expected attach or drop, got \"" + t.orphans + "\"");
  }
}

void read_model(const Value& v, ModelSection& m_) {
  Map m(v, {"topology", "conditioning", "latency_classes", "structure_classes", "min_context", "alpha", "em_max_requests"});
  if (auto x = m.optional("topology")) m_.topology = x->text();
  if (auto x = m.optional("conditioning")) {
    if (x->is_word("caller")) m_.fit.conditioning = model::Conditioning::caller;
    else if (x->is_word("none")) m_.fit.conditioning = model::Conditioning::none;
    else throw x->error(ErrorKind::bad_value, "expected caller or none, got \"" + x->text() + "\"");
  }
  if (auto x = m.optional("latency_classes")) m_.fit.latency_classes = std::max(1u, x->u32());
  if (auto x = m.optional("structure_classes")) m_.fit.structure_classes = std::max(1u, x->u32());
  if (auto x = m.optional("min_context")) m_.fit.min_context_count = x->count();
  if (auto x = m.optional("alpha")) {
    m_.fit.alergia_alpha = x->number();
    if (!(m_.fit.alergia_alpha > 0 && m_.fit.alergia_alpha <= 2)) throw x->error(ErrorKind::bad_value, "must be in (0, 2]");
  }
  if (auto x = m.optional("em_max_requests")) m_.fit.em_max_requests = x->count();
}

InterventionSpec read_intervention(const Value& item, size_t index, const std::string& file) {
  InterventionSpec s;
  s.key = "interventions[" + std::to_string(index) + "]";
  s.where = file + ":" + std::to_string(item.line());
  auto entries = item.entries();
  if (entries.size() != 1)
    throw item.error(ErrorKind::bad_value, "an intervention is a mapping with one key, its kind")
        .with_hint("e.g. - scale_local_work: {target: search, factor: 0.5}");
  s.kind = entries[0].first.text();
  const Value& body = entries[0].second;
  if (body.is_null()) return s;
  for (const auto& [k, v] : body.entries()) {
    std::string key = k.text();
    if (key == "called_by") {
      for (const Value& c : v.items()) {
        std::map<std::string, std::string> entry;
        for (const auto& [ck, cv] : c.entries()) {
          std::string ckey = ck.text();
          if (ckey != "caller" && ckey != "probability")
            throw ck.error(ErrorKind::unknown_key, "unknown key \"" + ckey + "\"").with_hint("allowed: caller, probability");
          entry[ckey] = ckey == "probability" ? std::to_string(cv.probability()) : cv.text();
        }
        s.list.push_back(entry);
      }
      s.params[key] = "list";
    } else if (key == "quantiles") {
      Map q(v, {"p", "v"});
      s.quantile_p = q.required("p").numbers();
      s.quantile_v = q.required("v").numbers();
      s.params[key] = "given";
    } else if (key == "root_api") {
      s.params[key] = scalar_or_list(v);
    } else {
      s.params[key] = v.text();
    }
  }
  try {
    check_intervention(s);
  } catch (Error& e) {
    // Point at the parameter's own line where there is one.
    for (const auto& [k, v] : body.entries())
      if (e.key() == s.key + "." + s.kind + "." + k.text()) e.at_line(v.line());
    throw;
  }
  return s;
}

double rate_value(const Value& v, WorkloadSection& w) {
  if (v.is_word("traced")) return 0;
  std::string t = v.text();
  if (!t.empty() && (t.back() == 'x' || t.back() == 'X')) {
    double f = 0;
    auto r = std::from_chars(t.data(), t.data() + t.size() - 1, f);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() - 1 || !(f > 0))
      throw v.error(ErrorKind::bad_value, "expected a rate, `traced` or a multiple like `2x`, got \"" + t + "\"");
    w.rate_factor = f;
    return 0;
  }
  double r = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), r);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size() || !std::isfinite(r))
    throw v.error(ErrorKind::bad_value, "expected a rate, `traced` or a multiple like `2x`, got \"" + t + "\"");
  if (!(r > 0)) throw v.error(ErrorKind::bad_value, "must be > 0");
  return r;
}

void read_workload(const Value& v, WorkloadSection& w) {
  Map m(v, {"arrivals", "rate", "requests", "duration_s", "warmup_s", "users", "think_time_s", "replay_speed"});
  if (auto x = m.optional("arrivals")) {
    try {
      w.spec.arrivals = model::parse_arrival_process(x->text());
    } catch (const Error& e) {
      throw x->error(ErrorKind::bad_value, e.message()).with_hint(e.hint());
    }
    w.replay_traces = w.spec.arrivals == model::ArrivalProcess::replay;
  }
  if (auto x = m.optional("rate")) w.spec.rate_per_s = rate_value(*x, w);
  if (auto x = m.optional("requests")) w.spec.requests = x->count();
  if (auto x = m.optional("duration_s")) w.spec.duration_s = x->non_negative();
  if (auto x = m.optional("warmup_s")) w.spec.warmup_s = x->non_negative();
  if (auto x = m.optional("users")) w.spec.users = x->u32();
  if (auto x = m.optional("think_time_s")) w.spec.think_time_s = x->non_negative();
  if (auto x = m.optional("replay_speed")) {
    w.spec.replay_speed = x->number();
    if (!(w.spec.replay_speed > 0)) throw x->error(ErrorKind::bad_value, "must be > 0");
  }
  if (w.spec.arrivals == model::ArrivalProcess::closed && w.spec.users == 0)
    throw v.error(ErrorKind::missing, "closed-loop arrivals need users").at_key(model::yaml::child_path(v.path(), "users"));
}

int64_t spans_value(const Value& v) {
  if (v.is_word("all")) return -1;
  if (v.is_word("none")) return 0;
  return static_cast<int64_t>(v.count());
}

void read_sim(const Value& v, SimSection& s) {
  Map m(v, {"enabled", "platform", "placement", "work", "spans", "requests"});
  if (auto x = m.optional("enabled")) s.enabled = x->boolean();
  if (auto x = m.optional("platform")) s.platform = x->text();
  if (auto x = m.optional("placement")) s.placement = x->text();
  if (auto x = m.optional("work")) {
    s.work = x->text();
    if (s.work != "cpu" && s.work != "sleep") throw x->error(ErrorKind::bad_value, "expected cpu or sleep, got \"" + s.work + "\"");
  }
  if (auto x = m.optional("spans")) s.spans = spans_value(*x);
  if (auto x = m.optional("requests")) s.requests = x->count();
}

void read_emu(const Value& v, EmuSection& e) {
  Map m(v, {"enabled", "work", "requests", "rate", "threads", "hosts"});
  if (auto x = m.optional("enabled")) e.enabled = x->boolean();
  if (auto x = m.optional("work")) {
    e.work = x->text();
    if (e.work != "sleep" && e.work != "cpu" && e.work != "memory")
      throw x->error(ErrorKind::bad_value, "expected sleep, cpu or memory, got \"" + e.work + "\"");
  }
  if (auto x = m.optional("requests")) e.requests = x->count();
  if (auto x = m.optional("rate")) {
    e.rate_per_s = x->number();
    if (!(e.rate_per_s > 0)) throw x->error(ErrorKind::bad_value, "must be > 0");
  }
  if (auto x = m.optional("threads")) e.threads = std::max(1u, x->u32());
  if (auto x = m.optional("hosts")) e.hosts = x->text();
}

std::string format_number(double x) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

void read_sweep(const Value& v, SweepSection& s) {
  Map m(v, {"mode", "parallel", "parameters"});
  if (auto x = m.optional("mode")) {
    s.mode = x->text();
    if (s.mode != "grid" && s.mode != "zip") throw x->error(ErrorKind::bad_value, "expected grid or zip, got \"" + s.mode + "\"");
  }
  if (auto x = m.optional("parallel")) s.parallel = x->u32();
  for (const Value& item : m.required("parameters").items()) {
    Map p(item, {"path", "values", "range"});
    SweepParameter param;
    param.path = p.required("path").text();
    if (p.has("values") == p.has("range"))
      throw item.error(ErrorKind::missing, "give either values or range").with_hint("values: [1, 2, 4] or range: {from: 10, to: 100, steps: 4}");
    if (auto x = p.optional("values")) param.values = strings(*x);
    if (auto x = p.optional("range")) {
      Map r(*x, {"from", "to", "steps"});
      double from = r.required("from").number(), to = r.required("to").number();
      uint64_t steps = r.required("steps").count();
      if (steps < 2) throw r.required("steps").error(ErrorKind::bad_value, "needs at least 2 steps");
      for (uint64_t i = 0; i < steps; ++i)
        param.values.push_back(format_number(from + (to - from) * static_cast<double>(i) / static_cast<double>(steps - 1)));
    }
    if (param.values.empty()) throw item.error(ErrorKind::missing, "no values to sweep");
    s.parameters.push_back(std::move(param));
  }
  if (s.parameters.empty()) throw m.required("parameters").error(ErrorKind::missing, "lists no parameter");
  if (s.mode == "zip")
    for (const auto& p : s.parameters)
      if (p.values.size() != s.parameters[0].values.size())
        throw m.required("parameters").error(ErrorKind::bad_value, "zip needs the same number of values for every parameter");
}

void read_report(const Value& v, ReportSection& r) {
  Map m(v, {"apis", "advise"});
  if (auto x = m.optional("apis")) r.apis = strings(*x);
  if (auto x = m.optional("advise")) r.advise = x->boolean();
}

// A file the experiment names must be there (a glob or directory must match something).
void must_exist(const Value& where, const std::string& path, bool pattern) {
  if (pattern && path.find_first_of("*?[") != std::string::npos) {
    try {
      ingest::expand_inputs({path});
    } catch (const Error&) {
      throw where.error(ErrorKind::missing, "no file matches " + path);
    }
    return;
  }
  if (!std::filesystem::exists(path)) throw where.error(ErrorKind::missing, "no such file: " + path);
}

}  // namespace

std::string ExperimentConfig::resolve(const std::string& path) const {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return (std::filesystem::path(dir) / path).lexically_normal().string();
}

namespace {

// Sets a scalar at a key path ("a.b[2].c") in a parsed document.
void set_at(model::yaml::Node& doc, const std::string& path, const std::string& value, const std::string& file) {
  using model::yaml::Node;
  auto fail = [&](const std::string& why) {
    return Error(ErrorKind::bad_value, why).at_file(file).at_key(path).with_hint("sweep paths look like workload.rate or interventions[0].scale_local_work.factor");
  };
  Node* at = &doc;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') ++i;
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) throw fail("unclosed [");
      size_t index = std::stoul(path.substr(i + 1, close - i - 1));
      if (at->kind != Node::Kind::sequence || index >= at->items.size()) throw fail("no element " + std::to_string(index) + " there");
      at = &at->items[index];
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    i = end == std::string::npos ? path.size() : end;
    if (at->kind == Node::Kind::null) at->kind = Node::Kind::map;
    if (at->kind != Node::Kind::map) throw fail("\"" + key + "\" is not under a mapping");
    Node* found = nullptr;
    for (size_t k = 0; k + 1 < at->items.size(); k += 2)
      if (at->items[k].text == key) found = &at->items[k + 1];
    if (!found) {
      Node k;
      k.kind = Node::Kind::scalar;
      k.text = key;
      k.line = at->line;
      at->items.push_back(k);
      Node v;
      v.line = at->line;
      at->items.push_back(v);
      found = &at->items.back();
    }
    at = found;
  }
  at->kind = Node::Kind::scalar;
  at->text = value;
  at->items.clear();
}

ExperimentConfig parse_node(model::yaml::Node doc, const std::string& text, const std::string& file, const std::string& dir);

}  // namespace

ExperimentConfig parse_experiment(const std::string& text, const std::string& file, const std::string& dir) {
  return parse_node(model::yaml::parse_document(text, file), text, file, dir);
}

ExperimentConfig parse_experiment_with(const std::string& text, const std::string& file, const std::string& dir,
                                       const std::vector<std::pair<std::string, std::string>>& overrides) {
  model::yaml::Node doc = model::yaml::parse_document(text, file);
  for (const auto& [path, value] : overrides) set_at(doc, path, value, file);
  return parse_node(std::move(doc), text, file, dir);
}

namespace {

ExperimentConfig parse_node(model::yaml::Node doc, const std::string& text, const std::string& file, const std::string& dir) {
  model::yaml::Source src{file, {}};
  Value root(src, doc, "", 1);
  if (root.is_null()) throw Error(ErrorKind::missing, "the experiment file is empty").at_file(file);
  Map top(root, {"name", "seed", "traces", "model", "interventions", "workload", "sim", "emu", "sweep", "report", "outputs"});
  ExperimentConfig c;
  c.file = file;
  c.text = text;
  c.dir = dir;
  if (auto x = top.optional("name")) c.name = x->text();
  if (auto x = top.optional("seed")) c.seed = x->count();
  if (auto x = top.optional("traces")) {
    read_traces(*x, c.traces);
    Value paths = Map(*x, {"paths", "format", "strict", "idle_window_s", "orphans"}).required("paths");
    for (const auto& p : c.traces.paths) must_exist(paths, c.resolve(p), true);
  }
  if (auto x = top.optional("model")) {
    read_model(*x, c.model);
    if (!c.model.topology.empty())
      must_exist(Map(*x, {"topology", "conditioning", "latency_classes", "structure_classes", "min_context", "alpha",
                         "em_max_requests"}).required("topology"),
                 c.resolve(c.model.topology), false);
  }
  c.model.fit.seed = c.seed;
  if (c.traces.paths.empty() && c.model.topology.empty())
    throw root.error(ErrorKind::missing, "an experiment needs traces (traces.paths) or a topology (model.topology)");
  if (auto x = top.optional("interventions")) {
    size_t i = 0;
    bool topology_seen = false;
    for (const Value& item : x->items()) {
      InterventionSpec s = read_intervention(item, i++, file);
      if (is_trace_processing(s.kind)) {
        if (topology_seen)
          throw item.error(ErrorKind::bad_value, s.kind + " acts on the traces: list it before every topology intervention");
        if (c.traces.paths.empty())
          throw item.error(ErrorKind::bad_value, s.kind + " acts on the traces, but the experiment has none (traces.paths)");
      } else {
        topology_seen = true;
      }
      c.interventions.push_back(std::move(s));
    }
  }
  if (auto x = top.optional("workload")) read_workload(*x, c.workload);
  if (c.workload.spec.requests == 0 && c.workload.spec.duration_s <= 0) c.workload.spec.requests = 5000;
  c.workload.spec.seed = c.seed;
  if (c.workload.replay_traces && c.traces.paths.empty())
    throw root.error(ErrorKind::bad_value, "replay arrivals need traces (traces.paths) to replay").at_key("workload.arrivals");
  if (auto x = top.optional("sim")) {
    read_sim(*x, c.sim);
    if (!c.sim.platform.empty())
      must_exist(Map(*x, {"enabled", "platform", "placement", "work", "spans", "requests"}).required("platform"),
                 c.resolve(c.sim.platform), false);
  }
  if (auto x = top.optional("emu")) {
    read_emu(*x, c.emu);
    if (!c.emu.hosts.empty())
      must_exist(Map(*x, {"enabled", "work", "requests", "rate", "threads", "hosts"}).required("hosts"), c.resolve(c.emu.hosts), false);
  }
  if (!c.sim.enabled && !c.emu.enabled && c.traces.paths.empty())
    throw root.error(ErrorKind::bad_value, "nothing to run: sim and emu are both disabled");
  if (auto x = top.optional("sweep")) read_sweep(*x, c.sweep);
  if (auto x = top.optional("report")) read_report(*x, c.report);
  if (auto x = top.optional("outputs")) {
    Map m(*x, {"dir"});
    if (auto d = m.optional("dir")) c.output_dir = d->text();
  }
  return c;
}

}  // namespace

ExperimentConfig load_experiment_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, "cannot read the experiment file").at_file(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_experiment(ss.str(), path, dir);
}

}  // namespace palette::experiment
