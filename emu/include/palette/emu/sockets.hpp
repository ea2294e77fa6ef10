#pragma once
// Listening sockets opened ahead of the services that will serve on them: the launcher (and the
// in-process deployment of tests) learn every port before any service starts, so each service can be
// told where its peers are without a second round, and no port can be taken in between.
#include <cstdint>

#include "palette/emu/endpoint.hpp"

namespace palette::emu {

struct ListeningSocket {
  int fd = -1;  // close-on-exec; a child gets it by dup2 onto a known number
  uint16_t port = 0;
};

// Binds (port 0: any free port) and listens. Throws Error(io).
ListeningSocket open_listening_socket(const Endpoint& where);

}  // namespace palette::emu
