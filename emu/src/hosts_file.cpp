#include "palette/emu/hosts_file.hpp"

#include <fstream>
#include <sstream>

#include "palette/error.hpp"
#include "topology/internal/yaml_fields.hpp"
#include "topology/internal/yaml_tree.hpp"

namespace palette::emu {

using model::yaml::Map;
using model::yaml::Value;

void load_hosts(const std::string& text, const std::string& file, EmuOptions& options) {
  model::yaml::Node doc = model::yaml::parse_document(text, file);
  model::yaml::Source src{file, {}};
  Value root(src, doc, "", 1);
  Map top(root, {"hosts", "place"});
  std::vector<EmuHost> hosts;
  for (const Value& item : top.required("hosts").items()) {
    Map m(item, {"name", "address", "launch", "binary", "workdir", "first_port"});
    EmuHost h;
    h.name = m.required("name").text();
    if (h.name.empty()) throw m.required("name").error(ErrorKind::bad_value, "a host needs a name");
    if (auto v = m.optional("address")) h.address = v->text();
    if (auto v = m.optional("launch")) h.launch = v->text();
    if (auto v = m.optional("binary")) h.binary = v->text();
    if (auto v = m.optional("workdir")) h.workdir = v->text();
    if (auto v = m.optional("first_port")) {
      const uint64_t port = v->count();
      if (port == 0 || port > 65535) throw v->error(ErrorKind::bad_value, "expected a port, 1 to 65535");
      h.first_port = static_cast<uint16_t>(port);
    }
    for (const auto& other : hosts)
      if (other.name == h.name) throw m.required("name").error(ErrorKind::bad_value, "host \"" + h.name + "\" given twice");
    hosts.push_back(std::move(h));
  }
  if (hosts.empty()) throw top.required("hosts").error(ErrorKind::missing, "no hosts");
  std::map<std::string, std::string> place;
  if (auto p = top.optional("place")) {
    for (const auto& [key, value] : p->entries()) {
      const std::string host = value.text();
      bool known = false;
      for (const auto& h : hosts) known = known || h.name == host;
      if (!known) throw value.error(ErrorKind::bad_value, "no host \"" + host + "\" in hosts");
      place[key.text()] = host;
    }
  }
  options.hosts = std::move(hosts);
  options.host_of = std::move(place);
}

void load_hosts_file(const std::string& path, EmuOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, "cannot read").at_file(path);
  std::ostringstream text;
  text << in.rdbuf();
  load_hosts(text.str(), path, options);
}

}  // namespace palette::emu
