#include "palette/sim/placement.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "palette/error.hpp"

namespace palette::sim {
namespace {

PlacementSpec from_yaml_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(ErrorKind::io, "cannot open placement file").at_file(path);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::malformed, e.msg).at_file(path).at_line(e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  if (!root.IsMap()) throw Error(ErrorKind::bad_type, "expected lines of service: host").at_file(path);
  PlacementSpec p;
  p.mode = PlacementMode::explicit_map;
  for (const auto& kv : root) {
    if (!kv.second.IsScalar())
      throw Error(ErrorKind::bad_type, "expected a host name").at_file(path).at_line(kv.second.Mark().line + 1).at_key(kv.first.Scalar());
    p.hosts[kv.first.Scalar()] = kv.second.Scalar();
  }
  return p;
}

}  // namespace

PlacementSpec parse_placement(const std::string& text) {
  PlacementSpec p;
  if (text.empty() || text == "round-robin") return p;
  if (text.rfind("packed:", 0) == 0) {
    p.mode = PlacementMode::packed;
    std::string k = text.substr(7);
    size_t end = 0;
    long v = 0;
    try {
      v = std::stol(k, &end);
    } catch (const std::exception&) {
      end = 0;
    }
    if (end != k.size() || v < 1) throw Error(ErrorKind::bad_value, "expected packed:K with K >= 1, got \"" + text + "\"").at_key("placement");
    p.packed_hosts = static_cast<uint32_t>(v);
    return p;
  }
  if (text.find('=') == std::string::npos) {
    if (std::filesystem::exists(text)) return from_yaml_file(text);
    throw Error(ErrorKind::bad_value, "unknown placement \"" + text + "\"")
        .at_key("placement")
        .with_hint("round-robin, packed:K, svc=host,svc=host, or a YAML file of service: host");
  }
  p.mode = PlacementMode::explicit_map;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw Error(ErrorKind::bad_value, "expected service=host, got \"" + item + "\"").at_key("placement");
    p.hosts[item.substr(0, eq)] = item.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return p;
}

namespace {

// Unit index of each (service, replica): services of one group share replica r's unit.
std::vector<std::vector<uint32_t>> units_of(const model::Topology& topology, size_t* count) {
  std::map<std::string, uint32_t> unit;
  std::vector<std::vector<uint32_t>> out(topology.services.size());
  for (size_t s = 0; s < topology.services.size(); ++s) {
    const model::ServiceModel& m = topology.services[s];
    for (uint32_t r = 0; r < std::max<uint32_t>(m.replicas, 1); ++r) {
      std::string key = (m.group.empty() ? "service " + m.name : "group " + m.group) + "#" + std::to_string(r);
      auto it = unit.emplace(key, static_cast<uint32_t>(unit.size())).first;
      out[s].push_back(it->second);
    }
  }
  *count = unit.size();
  return out;
}

}  // namespace

size_t placement_units(const model::Topology& topology) {
  size_t n = 0;
  units_of(topology, &n);
  return n;
}

Placement place_services(const model::Topology& topology, const std::vector<HostSpec>& hosts, const PlacementSpec& spec) {
  const auto n = static_cast<uint32_t>(hosts.size());
  if (n == 0) throw Error(ErrorKind::bad_value, "the platform has no host").at_key("hosts");
  Placement out;
  const std::vector<std::vector<uint32_t>> unit = units_of(topology, &out.units);
  const auto units = static_cast<uint64_t>(std::max<size_t>(out.units, 1));
  out.host = unit;
  switch (spec.mode) {
    case PlacementMode::round_robin:
      for (auto& replicas : out.host)
        for (uint32_t& h : replicas) h %= n;
      break;
    case PlacementMode::packed: {
      if (spec.packed_hosts > n)
        throw Error(ErrorKind::bad_value, "packed:" + std::to_string(spec.packed_hosts) + " needs that many hosts, the platform has " + std::to_string(n))
            .at_key("placement");
      // Contiguous blocks, as even as possible: services that call each other often sit next to
      // each other in the topology's order, so blocks keep more calls on one host than striping.
      for (auto& replicas : out.host)
        for (uint32_t& h : replicas) h = static_cast<uint32_t>(h * spec.packed_hosts / units);
      break;
    }
    case PlacementMode::explicit_map: {
      std::map<std::string, uint32_t> host_index;
      for (uint32_t h = 0; h < n; ++h) host_index[hosts[h].name] = h;
      for (const auto& [service, host] : spec.hosts) {
        if (topology.find_service(service) == UINT32_MAX)
          throw Error(ErrorKind::bad_value, "no service \"" + service + "\" in the topology").at_key("placement." + service);
        if (!host_index.count(host))
          throw Error(ErrorKind::bad_value, "no host \"" + host + "\" in the platform").at_key("placement." + service);
      }
      std::string missing;
      for (size_t s = 0; s < topology.services.size(); ++s) {
        auto it = spec.hosts.find(topology.services[s].name);
        if (it == spec.hosts.end()) missing += (missing.empty() ? "" : ", ") + topology.services[s].name;
        else
          for (uint32_t& h : out.host[s]) h = host_index[it->second];
      }
      if (!missing.empty())
        throw Error(ErrorKind::missing, "services without a host: " + missing).at_key("placement").with_hint("name every service, or use round-robin / packed:K");
      break;
    }
  }
  return out;
}

std::string describe_placement(const PlacementSpec& spec) {
  switch (spec.mode) {
    case PlacementMode::round_robin: return "round-robin";
    case PlacementMode::packed: return "packed:" + std::to_string(spec.packed_hosts);
    case PlacementMode::explicit_map: {
      std::string s;
      for (const auto& [service, host] : spec.hosts) s += (s.empty() ? "" : ",") + service + "=" + host;
      return s;
    }
  }
  return "round-robin";
}

}  // namespace palette::sim
