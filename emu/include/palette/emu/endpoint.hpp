#pragma once
// Endpoint: where a service listens, "host:port" (an IPv4/IPv6 literal or a name resolved once).
// Services bind loopback unless the user configures hosts.
//
//   Endpoint e = Endpoint::parse("127.0.0.1:7001");   e.text() == "127.0.0.1:7001"
#include <cstdint>
#include <string>

namespace palette::emu {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;

  std::string text() const;
  // "host:port" or "[v6]:port"; throws Error(bad_value) naming `key` when the text is not one.
  static Endpoint parse(const std::string& text, const std::string& key = "endpoint");
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace palette::emu
