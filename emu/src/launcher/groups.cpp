#include "launcher/groups.hpp"

#include <algorithm>
#include <map>

#include "palette/error.hpp"

namespace palette::emu {

std::vector<Group> make_groups(const model::Topology& t, const EmuOptions& o) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> sets;  // name, services
  std::vector<char> placed(t.services.size(), 0);
  for (const auto& names : o.placement) {
    std::pair<std::string, std::vector<uint32_t>> set;
    for (const auto& n : names) {
      uint32_t s = t.find_service(n);
      if (s == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + n + "\" in the topology").at_key("placement");
      if (placed[s]) throw Error(ErrorKind::bad_value, "service \"" + n + "\" placed twice").at_key("placement");
      placed[s] = 1;
      set.first += (set.first.empty() ? "" : "+") + n;
      set.second.push_back(s);
    }
    if (!set.second.empty()) sets.push_back(set);
  }
  std::map<std::string, size_t> by_group;
  for (uint32_t s = 0; s < t.services.size(); ++s) {
    if (placed[s]) continue;
    const std::string& g = t.services[s].group;
    if (g.empty()) {
      sets.push_back({t.services[s].name, {s}});
    } else {
      auto [it, fresh] = by_group.emplace(g, sets.size());
      if (fresh) sets.push_back({g, {}});
      sets[it->second].second.push_back(s);
    }
  }
  std::vector<Group> groups;
  for (const auto& [name, members] : sets) {
    uint32_t instances = 1;
    for (uint32_t s : members) instances = std::max(instances, t.services[s].replicas);
    for (uint32_t i = 0; i < instances; ++i) {
      Group g;
      g.name = instances > 1 ? name + "#" + std::to_string(i) : name;
      for (uint32_t s : members)
        if (std::max(1u, t.services[s].replicas) > i) g.services.push_back(t.services[s].name);
      groups.push_back(std::move(g));
    }
  }
  return groups;
}

std::vector<std::string> service_argv(const EmuOptions& o, const Group& g, const std::string& binary,
                                      const std::string& topology_file, const Endpoints& peers,
                                      const Calibration& calibration, const std::string& dir) {
  std::vector<std::string> a = {binary, "--name", g.name, "--topology", topology_file};
  for (const auto& s : g.services) a.insert(a.end(), {"--service", s});
  a.insert(a.end(), {"--listen-fd", "3", "--ready-fd", "4", "--seed", std::to_string(o.seed), "--work", to_string(o.work),
                     "--threads", std::to_string(o.threads), "--call-timeout", std::to_string(o.call_timeout_s),
                     "--stats", dir + "/logs/" + g.name + ".stats"});
  for (const auto& [s, k] : o.work_per_service) a.insert(a.end(), {"--work-for", s + "=" + to_string(k)});
  if (o.concurrency) a.insert(a.end(), {"--concurrency", std::to_string(*o.concurrency)});
  a.insert(a.end(), {"--slice-us", std::to_string(o.scheduling.slice_us)});
  if (o.scheduling.nice) a.insert(a.end(), {"--nice", std::to_string(*o.scheduling.nice)});
  for (const auto& [s, replicas] : peers)
    for (const auto& e : replicas) a.insert(a.end(), {"--peer", s + "=" + e.text()});
  if (calibration.cpu_ns_per_unit > 0 || calibration.memory_ns_per_unit > 0)
    a.insert(a.end(), {"--calibration", calibration.to_text()});
  if (o.spans) a.insert(a.end(), {"--spans", dir + "/spans/" + g.name + ".spans"});
  return a;
}

}  // namespace palette::emu
