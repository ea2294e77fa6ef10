// Reading one API of topology.yaml: its call structure (pfa) and latency model (gcm). Lists the model
// keeps sorted (a step's calls, contexts, dependencies) are sorted here, so a person may write them in
// any order; listing the same thing twice is an error.
#include <algorithm>
#include <cmath>

#include "topology/internal/topology_loader.hpp"
#include "topology/internal/yaml_text.hpp"
#include "palette/error.hpp"

namespace palette::model::yaml {
namespace {

// Sorts items read with their values by `key`; the second of two equal keys is reported as `repeated`.
template <typename T, typename Key>
std::vector<T> sorted_unique(std::vector<std::pair<T, Value>> items, Key key, const char* repeated) {
  std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) { return key(x.first) < key(y.first); });
  std::vector<T> out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && key(items[i - 1].first) == key(items[i].first))
      throw items[i].second.error(ErrorKind::bad_value, repeated);
    out.push_back(std::move(items[i].first));
  }
  return out;
}

// A number that refers to an entry of a list of `size` (`list`, e.g. "pfa.steps").
uint32_t index_into(const Value& v, size_t size, const char* what, const char* list) {
  uint32_t i = v.u32();
  if (i >= size)
    throw v.error(ErrorKind::bad_value, std::string("unknown ") + what + " " + v.text() + " (" + list + " has " + std::to_string(size) + ")");
  return i;
}

// `any` (-1), or as index_into.
int32_t index_or_any(const Value& v, size_t size, const char* what, const char* list) {
  return v.is_word("any") ? -1 : static_cast<int32_t>(index_into(v, std::min<size_t>(size, INT32_MAX), what, list));
}

constexpr const char* kSumHint = "the probabilities of leaving a state (each transition's p, then finish) add up to 1";

}  // namespace

void TopologyLoader::read_api(ApiIndex a, const Value& body) {
  Map m(body, {"service", "invocations", "external", "error_rate", "pfa", "gcm"});
  t_.apis[a].invocations = m.required("invocations").count();
  if (auto x = m.optional("external")) t_.apis[a].external = x->boolean();
  if (auto x = m.optional("error_rate")) t_.apis[a].error_rate = x->probability();
  read_pfa(a, m.required("pfa"));
  read_gcm(a, m.required("gcm"));
}

void TopologyLoader::read_pfa(ApiIndex a, const Value& v) {
  Map m(v, {"steps", "states"});
  Pfa& pfa = t_.apis[a].pfa;
  for (const Value& item : m.required("steps").items()) {
    Step step;
    for (const Value& c : item.items()) {
      ApiIndex callee = api_ref(c);
      if (!t_.edge(a, callee))
        throw c.error(ErrorKind::bad_value, "calls " + t_.api_label(callee) + ", but edges has no " + t_.api_label(a) + " -> " +
                                                t_.api_label(callee))
            .with_hint("add it under edges: (caller, callee, calls, overhead_us)");
      step.calls.push_back(callee);
    }
    std::sort(step.calls.begin(), step.calls.end());
    pfa.steps.push_back(std::move(step));
  }
  Value states = m.required("states");
  std::vector<Value> items = states.items();
  if (items.empty()) throw states.error(ErrorKind::bad_value, "needs at least the START state");
  for (const Value& item : items) pfa.states.push_back(read_state(item, pfa, items.size()));
}

PfaState TopologyLoader::read_state(const Value& v, const Pfa& pfa, size_t state_count) {
  Map m(v, {"count", "finish", "transitions", "contexts"});
  PfaState s;
  s.count = m.required("count").count();
  s.finish_probability = m.required("finish").probability();
  double sum = s.finish_probability;  // added up in the order Pfa::validate() does
  for (const Value& item : m.required("transitions").items()) {
    Map tm(item, {"step", "to", "p", "n"});
    PfaTransition tr;
    tr.step = index_into(tm.required("step"), pfa.steps.size(), "step", "pfa.steps");
    tr.to = index_into(tm.required("to"), state_count, "state", "pfa.states");
    tr.probability = tm.required("p").probability();
    tr.count = tm.required("n").count();
    sum += tr.probability;
    s.out.push_back(tr);
  }
  if (std::fabs(sum - 1.0) > 1e-9)
    throw v.error(ErrorKind::bad_value, "transitions' p and finish sum to " + number(sum) + ", not 1").with_hint(kSumHint);
  std::vector<std::pair<PfaContext, Value>> contexts;
  if (auto list = m.optional("contexts"))
    for (const Value& item : list->items()) {
      Map cm(item, {"caller", "class", "p", "n"});
      PfaContext c;
      c.caller = caller_ref(cm.required("caller"));
      c.structure_class =
          index_or_any(cm.required("class"), t_.structure_class_weights.size(), "structure class", "structure_class_weights");
      // Pfa::choose never consults such a context: an edit there would silently change nothing.
      if (c.caller == kNoApiIndex && c.structure_class < 0)
        throw item.error(ErrorKind::bad_value, "a context for any caller and any class is never used")
            .with_hint("the state's own transitions' p and finish are that context; edit those");
      Value p = cm.required("p");
      double csum = 0;
      for (const Value& x : p.items()) {
        c.probabilities.push_back(x.probability());
        csum += c.probabilities.back();
      }
      if (c.probabilities.size() != s.out.size() + 1)
        throw p.error(ErrorKind::bad_value, "needs " + std::to_string(s.out.size() + 1) +
                                                " probabilities (one per transition, then finish), got " +
                                                std::to_string(c.probabilities.size()));
      if (std::fabs(csum - 1.0) > 1e-9) throw p.error(ErrorKind::bad_value, "sum to " + number(csum) + ", not 1").with_hint(kSumHint);
      c.count = cm.required("n").count();
      contexts.emplace_back(std::move(c), item);
    }
  s.contexts = sorted_unique(std::move(contexts), [](const PfaContext& c) { return std::make_pair(c.caller, c.structure_class); },
                             "a second context for the same caller and class");
  return s;
}

void TopologyLoader::read_gcm(ApiIndex a, const Value& v) {
  Map m(v, {"min_context_count", "dependencies", "patterns", "local_work"});
  Gcm& g = t_.apis[a].gcm;
  g.min_context_count = m.required("min_context_count").count();
  std::vector<std::pair<Dependency, Value>> deps;
  for (const Value& item : m.required("dependencies").items()) {
    Map dm(item, {"callee", "lambda", "awaited", "calls"});
    Dependency d{api_ref(dm.required("callee")), dm.required("lambda").non_negative(), dm.required("awaited").boolean(),
                 dm.required("calls").count()};
    deps.emplace_back(d, item);
  }
  g.dependencies = sorted_unique(std::move(deps), [](const Dependency& d) { return d.callee; }, "a second dependency on the same callee");
  const size_t step_count = t_.apis[a].pfa.steps.size();
  for (const Value& item : m.required("patterns").items()) {
    Map pm(item, {"steps", "count", "gap_fractions"});
    Pattern p;
    for (const Value& s : pm.required("steps").items()) p.steps.push_back(index_into(s, step_count, "step", "pfa.steps"));
    p.count = pm.required("count").count();
    Value gaps = pm.required("gap_fractions");
    for (const Value& x : gaps.items()) p.gap_fractions.push_back(x.non_negative());
    if (!p.gap_fractions.empty() && p.gap_fractions.size() != p.steps.size() + 1)
      throw gaps.error(ErrorKind::bad_value, "needs " + std::to_string(p.steps.size() + 1) +
                                                 " values (before, between and after the steps) or none, got " +
                                                 std::to_string(p.gap_fractions.size()));
    g.patterns.push_back(std::move(p));
  }
  Value work = m.required("local_work");
  std::vector<std::pair<WorkContext, Value>> contexts;
  for (const Value& item : work.items()) contexts.emplace_back(read_work(item, g), item);
  g.work = sorted_unique(std::move(contexts), [](const WorkContext& w) { return std::make_pair(w.caller, w.pattern); }, "a second context for the same caller and pattern");
  if (std::none_of(g.work.begin(), g.work.end(), [](const WorkContext& w) { return w.caller == kNoApiIndex && w.pattern < 0; }))
    throw work.error(ErrorKind::missing, "needs a context with caller: any and pattern: any")
        .with_hint("it is what every other caller and pattern falls back to");
}

WorkContext TopologyLoader::read_work(const Value& v, const Gcm& gcm) {
  Map m(v, {"caller", "pattern", "work_us", "classes"});
  WorkContext w;
  w.caller = caller_ref(m.required("caller"));
  w.pattern = index_or_any(m.required("pattern"), gcm.patterns.size(), "pattern", "gcm.patterns");
  w.work_us = distribution(m.required("work_us"));
  if (auto x = m.optional("classes")) w.classes = classes(*x);
  return w;
}

}  // namespace palette::model::yaml
