#include "palette/sim/platform.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "palette/error.hpp"

namespace palette::sim {

const char* to_string(Layout l) { return l == Layout::star ? "star" : "cluster"; }
const char* to_string(NetworkModel m) { return m == NetworkModel::cm02 ? "cm02" : "constant"; }

namespace {

// value · mul / div: dividing (rather than multiplying by 1e-6) keeps "25us" the double 25e-6.
struct Unit {
  const char* suffix;
  double mul, div;
};

// "<number><unit>" with one of `units` (longest suffix first), or a plain number in the base unit.
double parse_with_units(const std::string& text, const std::vector<Unit>& units, const char* what) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += c;
  size_t end = 0;
  double v = 0;
  try {
    v = std::stod(t, &end);
  } catch (const std::exception&) {
    throw Error(ErrorKind::bad_value, "expected a " + std::string(what) + ", got \"" + text + "\"");
  }
  std::string suffix = t.substr(end);
  double mul = 1, div = 1;
  if (!suffix.empty()) {
    bool found = false;
    for (const Unit& u : units)
      if (suffix == u.suffix) {
        mul = u.mul;
        div = u.div;
        found = true;
        break;
      }
    if (!found) {
      std::string known;
      for (const Unit& u : units) known += (known.empty() ? "" : ", ") + std::string(u.suffix);
      throw Error(ErrorKind::bad_value, "unknown unit \"" + suffix + "\" in \"" + text + "\"").with_hint("one of " + known);
    }
  }
  if (!std::isfinite(v) || v < 0) throw Error(ErrorKind::bad_value, "must be a finite value >= 0, got \"" + text + "\"");
  return v * mul / div;
}

}  // namespace

double parse_bandwidth(const std::string& text) {
  static const std::vector<Unit> units{{"Tbps", 1e12, 8}, {"Gbps", 1e9, 8}, {"Mbps", 1e6, 8}, {"kbps", 1e3, 8},
                                       {"Kbps", 1e3, 8},  {"bps", 1, 8},    {"TBps", 1e12, 1}, {"GBps", 1e9, 1},
                                       {"MBps", 1e6, 1},  {"kBps", 1e3, 1}, {"KBps", 1e3, 1},  {"Bps", 1, 1}};
  return parse_with_units(text, units, "bandwidth");
}

double parse_duration(const std::string& text) {
  static const std::vector<Unit> units{{"ns", 1, 1e9}, {"us", 1, 1e6}, {"ms", 1, 1e3}, {"s", 1, 1}, {"min", 60, 1}};
  return parse_with_units(text, units, "duration");
}

double parse_speed(const std::string& text) {
  static const std::vector<Unit> units{{"Tf", 1e12, 1}, {"Gf", 1e9, 1}, {"Mf", 1e6, 1}, {"kf", 1e3, 1}, {"f", 1, 1}};
  return parse_with_units(text, units, "speed");
}

std::vector<HostSpec> PlatformSpec::expand_hosts(size_t units) const {
  validate();
  std::vector<HostSpec> out;
  std::set<std::string> names;
  for (const HostSpec& h : hosts) {
    uint32_t n = h.count == 0 ? static_cast<uint32_t>(std::max<size_t>(units, 1)) : h.count;
    for (uint32_t k = 0; k < n; ++k) {
      HostSpec one = h;
      one.count = 1;
      if (h.count != 1) one.name = h.name + "-" + std::to_string(k);
      if (!one.link) one.link = link;
      if (!names.insert(one.name).second)
        throw Error(ErrorKind::bad_value, "two hosts are named \"" + one.name + "\"").at_key("hosts");
      out.push_back(std::move(one));
    }
  }
  return out;
}

void PlatformSpec::validate() const {
  if (hosts.empty()) throw Error(ErrorKind::bad_value, "a platform needs at least one host").at_key("hosts");
  auto check_link = [](const LinkSpec& l, const std::string& key) {
    if (!(l.bandwidth_Bps > 0) || !std::isfinite(l.bandwidth_Bps))
      throw Error(ErrorKind::bad_value, "bandwidth must be > 0").at_key(key + ".bandwidth");
    if (!(l.latency_s >= 0) || !std::isfinite(l.latency_s))
      throw Error(ErrorKind::bad_value, "latency must be >= 0").at_key(key + ".latency");
  };
  check_link(link, "link");
  check_link(loopback, "loopback");
  check_link(backbone, "backbone");
  if (!(tcp_gamma_bytes > 0)) throw Error(ErrorKind::bad_value, "must be > 0").at_key("tcp_gamma");
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostSpec& h = hosts[i];
    std::string key = "hosts[" + std::to_string(i) + "]";
    if (h.name.empty()) throw Error(ErrorKind::missing, "a host needs a name").at_key(key + ".name");
    if (h.cores == 0) throw Error(ErrorKind::bad_value, "must be >= 1").at_key(key + ".cores");
    if (!(h.speed_flops > 0) || !std::isfinite(h.speed_flops)) throw Error(ErrorKind::bad_value, "must be > 0").at_key(key + ".speed");
    if (h.link) check_link(*h.link, key + ".link");
  }
}

PlatformSpec default_platform() { return PlatformSpec{}; }

namespace {

// Reads one YAML document into a PlatformSpec; every error names the file, line and dotted key.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Error error(ErrorKind kind, const YAML::Node& n, const std::string& key, const std::string& message) const {
    Error e(kind, message);
    e.at_file(file_).at_key(key);
    if (n.IsDefined() && n.Mark().line >= 0) e.at_line(n.Mark().line + 1);
    return e;
  }

  void only_keys(const YAML::Node& map, const std::string& key, const std::set<std::string>& allowed) const {
    if (!map.IsMap()) throw error(ErrorKind::bad_type, map, key, "expected a mapping");
    for (const auto& kv : map) {
      auto k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw error(ErrorKind::unknown_key, kv.first, key.empty() ? k : key + "." + k, "unknown key").with_hint("known keys: " + list);
      }
    }
  }

  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) throw error(ErrorKind::bad_type, n, key, "expected a value");
    return n.Scalar();
  }

  template <class Parse>
  double unit(const YAML::Node& n, const std::string& key, Parse parse) const {
    try {
      return parse(scalar(n, key));
    } catch (Error& e) {
      throw error(e.kind(), n, key, e.message()).with_hint(e.hint());
    }
  }

  uint32_t count(const YAML::Node& n, const std::string& key, bool allow_auto) const {
    std::string s = scalar(n, key);
    if (allow_auto && s == "auto") return 0;
    try {
      size_t end = 0;
      long v = std::stol(s, &end);
      if (end == s.size() && v >= 1 && v <= 1000000) return static_cast<uint32_t>(v);
    } catch (const std::exception&) {
    }
    throw error(ErrorKind::bad_value, n, key, "expected a whole number >= 1" + std::string(allow_auto ? " or auto" : "") + ", got \"" + s + "\"");
  }

  LinkSpec link(const YAML::Node& n, const std::string& key, LinkSpec base) const {
    only_keys(n, key, {"bandwidth", "latency"});
    if (n["bandwidth"]) base.bandwidth_Bps = unit(n["bandwidth"], key + ".bandwidth", parse_bandwidth);
    if (n["latency"]) base.latency_s = unit(n["latency"], key + ".latency", parse_duration);
    if (!(base.bandwidth_Bps > 0)) throw error(ErrorKind::bad_value, n["bandwidth"], key + ".bandwidth", "must be > 0");
    return base;
  }

  PlatformSpec read(const YAML::Node& root) const {
    PlatformSpec p;
    if (!root.IsDefined() || root.IsNull()) throw Error(ErrorKind::missing, "the platform file is empty").at_file(file_);
    only_keys(root, "", {"layout", "network", "link", "loopback", "backbone", "tcp_gamma", "hosts"});
    if (root["layout"]) {
      std::string s = scalar(root["layout"], "layout");
      if (s == "star") p.layout = Layout::star;
      else if (s == "cluster") p.layout = Layout::cluster;
      else throw error(ErrorKind::bad_value, root["layout"], "layout", "unknown layout \"" + s + "\"").with_hint("star or cluster");
    }
    if (root["network"]) {
      std::string s = scalar(root["network"], "network");
      if (s == "cm02") p.network = NetworkModel::cm02;
      else if (s == "constant") p.network = NetworkModel::constant;
      else throw error(ErrorKind::bad_value, root["network"], "network", "unknown network model \"" + s + "\"").with_hint("cm02 or constant");
    }
    if (root["link"]) p.link = link(root["link"], "link", p.link);
    if (root["loopback"]) p.loopback = link(root["loopback"], "loopback", p.loopback);
    if (root["backbone"]) p.backbone = link(root["backbone"], "backbone", p.backbone);
    if (root["tcp_gamma"]) {
      p.tcp_gamma_bytes = unit(root["tcp_gamma"], "tcp_gamma", [](const std::string& s) { return std::stod(s); });
      if (!(p.tcp_gamma_bytes > 0)) throw error(ErrorKind::bad_value, root["tcp_gamma"], "tcp_gamma", "must be > 0");
    }
    if (root["hosts"]) {
      const YAML::Node& hs = root["hosts"];
      if (!hs.IsSequence() || hs.size() == 0) throw error(ErrorKind::bad_type, hs, "hosts", "expected a non-empty list of hosts");
      p.hosts.clear();
      for (size_t i = 0; i < hs.size(); ++i) {
        const YAML::Node& h = hs[i];
        std::string key = "hosts[" + std::to_string(i) + "]";
        only_keys(h, key, {"name", "count", "cores", "speed", "link"});
        HostSpec spec;
        if (!h["name"]) throw error(ErrorKind::missing, h, key + ".name", "a host needs a name");
        spec.name = scalar(h["name"], key + ".name");
        if (h["count"]) spec.count = count(h["count"], key + ".count", true);
        if (h["cores"]) spec.cores = count(h["cores"], key + ".cores", false);
        if (h["speed"]) {
          spec.speed_flops = unit(h["speed"], key + ".speed", parse_speed);
          if (!(spec.speed_flops > 0)) throw error(ErrorKind::bad_value, h["speed"], key + ".speed", "must be > 0");
        }
        if (h["link"]) spec.link = link(h["link"], key + ".link", p.link);
        p.hosts.push_back(std::move(spec));
      }
    }
    try {
      p.expand_hosts(1);
    } catch (Error& e) {
      throw e.at_file(file_);
    }
    return p;
  }

 private:
  std::string file_;
};

}  // namespace

PlatformSpec load_platform(const std::string& yaml_text, const std::string& name_for_errors) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::malformed, e.msg).at_file(name_for_errors).at_line(e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  return Reader(name_for_errors).read(root);
}

PlatformSpec load_platform_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, "cannot open platform file").at_file(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return load_platform(ss.str(), path);
}

}  // namespace palette::sim
