#include "palette/emu/endpoint.hpp"

#include "palette/error.hpp"

namespace palette::emu {

std::string Endpoint::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Endpoint Endpoint::parse(const std::string& text, const std::string& key) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::bad_value, "\"" + text + "\": " + why).at_key(key).with_hint("write host:port, e.g. 127.0.0.1:7001");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw bad("no host:port");
  Endpoint e;
  e.host = text.substr(0, colon);
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) throw bad("bad port");
  unsigned long p = std::stoul(port);
  if (p > 65535) throw bad("port out of range");
  e.port = static_cast<uint16_t>(p);
  return e;
}

}  // namespace palette::emu
