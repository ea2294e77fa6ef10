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

void assign_hosts(std::vector<Group>& groups, const EmuOptions& o) {
  if (o.hosts.empty()) return;  // EmuOptions::validate: no placement on hosts then, and the names all good
  std::map<std::string, const EmuHost*> by_name;
  for (const auto& h : o.hosts) by_name.emplace(h.name, &h);
  for (const auto& [what, host] : o.host_of) {
    const bool known = std::any_of(groups.begin(), groups.end(), [&](const Group& g) {
      return g.name == what || std::find(g.services.begin(), g.services.end(), what) != g.services.end();
    });
    if (!known) throw Error(ErrorKind::bad_value, "no service or process \"" + what + "\"").at_key("host_of");
  }
  size_t next = 0;
  std::map<const EmuHost*, uint16_t> ports;
  for (auto& g : groups) {
    auto it = o.host_of.find(g.name);
    for (size_t i = 0; it == o.host_of.end() && i < g.services.size(); ++i) it = o.host_of.find(g.services[i]);
    g.host = it != o.host_of.end() ? by_name.at(it->second) : &o.hosts[next++ % o.hosts.size()];
    g.endpoint.host = g.host->address;
    if (g.host->remote()) g.endpoint.port = static_cast<uint16_t>(g.host->first_port + ports[g.host]++);
  }
}

std::vector<std::string> service_argv(const EmuOptions& o, const Group& g, const std::string& binary,
                                      const std::string& topology_file, const Endpoints& peers,
                                      const Calibration& calibration, const std::string& dir) {
  const bool remote = g.remote();
  const std::string files = remote ? g.host->workdir : dir;
  std::vector<std::string> a = {remote && !g.host->binary.empty() ? g.host->binary : binary, "--name", g.name,
                                "--topology", remote ? files + "/topology.yaml" : topology_file};
  for (const auto& s : g.services) a.insert(a.end(), {"--service", s});
  if (remote) a.insert(a.end(), {"--listen", g.endpoint.text(), "--ready-fd", "1", "--stop-on-stdin-eof"});
  else a.insert(a.end(), {"--listen-fd", "3", "--ready-fd", "4"});
  a.insert(a.end(), {"--seed", std::to_string(o.seed), "--work", to_string(o.work), "--threads", std::to_string(o.threads),
                     "--call-timeout", std::to_string(o.call_timeout_s), "--stats", files + "/logs/" + g.name + ".stats"});
  for (const auto& [s, k] : o.work_per_service) a.insert(a.end(), {"--work-for", s + "=" + to_string(k)});
  if (o.concurrency) a.insert(a.end(), {"--concurrency", std::to_string(*o.concurrency)});
  a.insert(a.end(), {"--slice-us", std::to_string(o.scheduling.slice_us)});
  if (o.scheduling.nice) a.insert(a.end(), {"--nice", std::to_string(*o.scheduling.nice)});
  for (const auto& [s, replicas] : peers)
    for (const auto& e : replicas) a.insert(a.end(), {"--peer", s + "=" + e.text()});
  if (calibration.cpu_ns_per_unit > 0 || calibration.memory_ns_per_unit > 0)
    a.insert(a.end(), {"--calibration", calibration.to_text()});
  if (o.spans) a.insert(a.end(), {"--spans", files + "/spans/" + g.name + ".spans"});
  return a;
}

}  // namespace palette::emu
