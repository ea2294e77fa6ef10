#include "palette/topology/topology.hpp"

#include <algorithm>
#include <cmath>

#include "palette/error.hpp"

namespace palette::model {

const char* to_string(Conditioning c) { return c == Conditioning::none ? "none" : "caller"; }

ApiIndex Topology::find_api(const std::string& service, const std::string& operation) const {
  for (size_t i = 0; i < apis.size(); ++i)
    if (apis[i].operation == operation && services[apis[i].service].name == service) return static_cast<ApiIndex>(i);
  return kNoApiIndex;
}

uint32_t Topology::find_service(const std::string& name) const {
  for (size_t i = 0; i < services.size(); ++i)
    if (services[i].name == name) return static_cast<uint32_t>(i);
  return UINT32_MAX;
}

const Edge* Topology::edge(ApiIndex caller, ApiIndex callee) const {
  auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(caller, callee),
                             [](const Edge& e, const std::pair<ApiIndex, ApiIndex>& k) {
                               return std::make_pair(e.caller, e.callee) < k;
                             });
  return it != edges.end() && it->caller == caller && it->callee == callee ? &*it : nullptr;
}

Edge* Topology::edge(ApiIndex caller, ApiIndex callee) {
  return const_cast<Edge*>(static_cast<const Topology*>(this)->edge(caller, callee));
}

std::string Topology::api_label(ApiIndex a) const { return services[apis[a].service].name + ":" + apis[a].operation; }

void Topology::validate() const {
  for (size_t i = 0; i < apis.size(); ++i) {
    const ApiModel& a = apis[i];
    std::string key = "apis[" + std::to_string(i) + "]";
    if (a.service >= services.size()) throw Error(ErrorKind::bad_value, "service index out of range").at_key(key);
    a.pfa.validate(key + ".pfa");
    for (const Step& s : a.pfa.steps)
      for (ApiIndex c : s.calls) {
        if (c >= apis.size()) throw Error(ErrorKind::bad_value, "calls an unknown API").at_key(key + ".pfa.steps");
        if (!edge(static_cast<ApiIndex>(i), c))
          throw Error(ErrorKind::bad_value, "calls " + api_label(c) + " but there is no such edge").at_key(key + ".pfa.steps");
      }
    bool has_any = std::any_of(a.gcm.work.begin(), a.gcm.work.end(),
                               [](const WorkContext& w) { return w.caller == kNoApiIndex && w.pattern < 0; });
    if (!has_any) throw Error(ErrorKind::bad_value, "needs a local-work context for any caller and pattern").at_key(key + ".local_work");
    for (const auto& w : a.gcm.work) {
      if (!latency_class_weights.empty() && !w.classes.empty() && w.classes.size() != latency_class_weights.size())
        throw Error(ErrorKind::bad_value, "has " + std::to_string(w.classes.size()) + " class entries, topology has " +
                                              std::to_string(latency_class_weights.size()) + " latency classes")
            .at_key(key + ".local_work");
      if (w.pattern >= static_cast<int32_t>(a.gcm.patterns.size()))
        throw Error(ErrorKind::bad_value, "refers to an unknown pattern").at_key(key + ".local_work");
    }
  }
  for (size_t i = 1; i < edges.size(); ++i)
    if (!(std::make_pair(edges[i - 1].caller, edges[i - 1].callee) < std::make_pair(edges[i].caller, edges[i].callee)))
      throw Error(ErrorKind::bad_value, "edges must be sorted and unique").at_key("edges[" + std::to_string(i) + "]");
  for (const auto& e : edges)
    if (e.caller >= apis.size() || e.callee >= apis.size()) throw Error(ErrorKind::bad_value, "edge between unknown APIs").at_key("edges");
  double total = 0;
  for (const auto& r : roots) {
    if (r.api >= apis.size()) throw Error(ErrorKind::bad_value, "unknown root API").at_key("roots");
    total += r.share;
  }
  if (roots.empty()) throw Error(ErrorKind::bad_value, "a topology needs at least one root API").at_key("roots");
  if (std::fabs(total - 1.0) > 1e-6) throw Error(ErrorKind::bad_value, "root shares sum to " + std::to_string(total) + ", not 1").at_key("roots");
  auto check_weights = [](const std::vector<double>& w, const char* key) {
    double s = 0;
    for (double x : w) {
      if (!(x >= 0)) throw Error(ErrorKind::bad_value, "negative class weight").at_key(key);
      s += x;
    }
    if (w.empty() || std::fabs(s - 1.0) > 1e-6) throw Error(ErrorKind::bad_value, "class weights must sum to 1").at_key(key);
  };
  check_weights(latency_class_weights, "latency_classes");
  check_weights(structure_class_weights, "structure_classes");
}

}  // namespace palette::model
