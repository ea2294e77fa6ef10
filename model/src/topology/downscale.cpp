#include "palette/topology/downscale.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "palette/error.hpp"
#include "palette/topology/interventions.hpp"

namespace palette::model {
namespace {

double total_requests(const Topology& t) {
  double n = 0;
  for (const auto& r : t.roots) n += static_cast<double>(r.count);
  if (n > 0) return n;
  // A topology made by hand has no counts: use the roots' invocations.
  for (const auto& r : t.roots) n += static_cast<double>(t.apis[r.api].invocations);
  return n > 0 ? n : 1;
}

double mean_work(const ApiModel& a) {
  for (const auto& w : a.gcm.work)
    if (w.caller == kNoApiIndex && w.pattern < 0) return w.work_us.mean();
  return 0;
}

}  // namespace

std::vector<double> service_time_share(const Topology& t) {
  const double requests = total_requests(t);
  std::vector<double> share(t.services.size(), 0.0);
  for (size_t a = 0; a < t.apis.size(); ++a)
    share[t.apis[a].service] += static_cast<double>(t.apis[a].invocations) * mean_work(t.apis[a]) / requests;
  for (const Edge& e : t.edges)
    share[t.apis[e.callee].service] += static_cast<double>(e.calls) * e.overhead_us.mean() / requests;
  return share;
}

uint32_t call_depth(const Topology& t) {
  // Longest chain from a root through the steps (cycles cut by the path itself).
  uint32_t best = 0;
  std::vector<std::pair<ApiIndex, std::vector<ApiIndex>>> todo;
  for (const auto& r : t.roots) todo.push_back({r.api, {r.api}});
  size_t guard = 0;
  while (!todo.empty() && ++guard < 1000000) {
    auto [a, path] = std::move(todo.back());
    todo.pop_back();
    best = std::max(best, static_cast<uint32_t>(path.size()));
    std::set<ApiIndex> next;
    for (const Step& s : t.apis[a].pfa.steps)
      for (ApiIndex c : s.calls) next.insert(c);
    for (ApiIndex c : next) {
      if (std::find(path.begin(), path.end(), c) != path.end()) continue;
      auto p = path;
      p.push_back(c);
      todo.push_back({c, std::move(p)});
    }
  }
  return best;
}

DownscaleReport prune_services(Topology& t, size_t max_services, uint64_t seed) {
  DownscaleReport r;
  r.services_before = t.services.size();
  r.apis_before = t.apis.size();
  r.depth_before = call_depth(t);
  std::set<uint32_t> root_services;
  for (const auto& root : t.roots) root_services.insert(t.apis[root.api].service);
  if (max_services < root_services.size())
    throw Error(ErrorKind::bad_value, "the requests enter by " + std::to_string(root_services.size()) +
                                          " services; cannot keep fewer than that")
        .at_key("--max-services");
  while (t.services.size() > max_services) {
    std::vector<double> share = service_time_share(t);
    std::vector<uint8_t> calls_out(t.services.size(), 0);
    for (const Edge& e : t.edges)
      if (t.apis[e.caller].service != t.apis[e.callee].service) calls_out[t.apis[e.caller].service] = 1;
    root_services.clear();
    for (const auto& root : t.roots) root_services.insert(t.apis[root.api].service);
    int best = -1;
    for (size_t s = 0; s < t.services.size(); ++s) {
      if (root_services.count(static_cast<uint32_t>(s))) continue;
      auto key = [&](size_t x) { return std::make_pair(calls_out[x], share[x]); };
      if (best < 0 || key(s) < key(static_cast<size_t>(best))) best = static_cast<int>(s);
    }
    if (best < 0) break;
    std::string name = t.services[static_cast<size_t>(best)].name;
    std::string what = remove_api(t, Target::parse(t, name), RemoveMode::absorb, seed);
    r.actions.push_back("pruned service " + name + " (time share " + std::to_string(share[static_cast<size_t>(best)]) +
                        " us/request" + (calls_out[static_cast<size_t>(best)] ? ", an inner service" : ", a leaf") +
                        "): " + what);
  }
  r.services_after = t.services.size();
  r.apis_after = t.apis.size();
  r.depth_after = call_depth(t);
  return r;
}

DownscaleReport colocate_services(Topology& t, size_t hosts) {
  if (hosts == 0) throw Error(ErrorKind::bad_value, "needs at least 1 host").at_key("--hosts");
  DownscaleReport r;
  r.services_before = r.services_after = t.services.size();
  r.apis_before = r.apis_after = t.apis.size();
  r.depth_before = r.depth_after = call_depth(t);
  std::vector<double> load = service_time_share(t);
  std::map<std::pair<uint32_t, uint32_t>, double> traffic;
  for (const Edge& e : t.edges) {
    uint32_t a = t.apis[e.caller].service, b = t.apis[e.callee].service;
    if (a != b) traffic[{std::min(a, b), std::max(a, b)}] += static_cast<double>(e.calls);
  }
  std::vector<size_t> order(t.services.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return load[a] > load[b]; });
  const size_t k = std::min(hosts, t.services.size());
  std::vector<double> group_load(k, 0.0);
  std::vector<std::vector<uint32_t>> members(k);
  for (size_t s : order) {
    size_t best = 0;
    double best_traffic = -1;
    for (size_t g = 0; g < k; ++g) {
      double tr = 0;
      for (uint32_t m : members[g]) {
        auto it = traffic.find({std::min<uint32_t>(m, static_cast<uint32_t>(s)), std::max<uint32_t>(m, static_cast<uint32_t>(s))});
        if (it != traffic.end()) tr += it->second;
      }
      bool lighter = group_load[g] < group_load[best] - 1e-9;
      bool tie = std::abs(group_load[g] - group_load[best]) <= 1e-9;
      if (g == 0 || lighter || (tie && tr > best_traffic)) {
        best = g;
        best_traffic = tr;
      }
    }
    group_load[best] += load[s];
    members[best].push_back(static_cast<uint32_t>(s));
  }
  for (size_t g = 0; g < k; ++g) {
    std::string name = "host" + std::to_string(g + 1), list;
    for (uint32_t m : members[g]) {
      t.services[m].group = name;
      list += (list.empty() ? "" : ", ") + t.services[m].name;
    }
    r.actions.push_back(name + ": " + list + " (load " + std::to_string(group_load[g]) + " us/request)");
  }
  return r;
}

}  // namespace palette::model
