#pragma once
// Endpoint: where a service listens, "host:port" (an IPv4/IPv6 literal or a name resolved once).
// Services bind loopback unless the user configures hosts.
//
//   Endpoint e = Endpoint::parse("127.0.0.1:7001");   e.text() == "127.0.0.1:7001"
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace palette::emu {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;

  std::string text() const;
  // "host:port" or "[v6]:port"; throws Error(bad_value) naming `key` when the text is not one.
  static Endpoint parse(const std::string& text, const std::string& key = "endpoint");
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Where each service listens: one endpoint per replica (ServiceModel::replicas); callers spread
// their calls over them.
using Endpoints = std::map<std::string, std::vector<Endpoint>>;

}  // namespace palette::emu
