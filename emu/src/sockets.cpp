#include "palette/emu/sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "palette/error.hpp"

namespace palette::emu {

ListeningSocket open_listening_socket(const Endpoint& where) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, where.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(where.port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, where.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(where.port);
    len = sizeof *v6;
  } else {
    throw Error(ErrorKind::bad_value, "\"" + where.host + "\" is not an IP address").at_key("listen");
  }
  auto fail = [&](const char* what, int fd) {
    std::string why = std::string(what) + " " + where.text() + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Error(ErrorKind::io, why);
  };
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw fail("cannot open a socket for", -1);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) throw fail("cannot bind", fd);
  if (::listen(fd, SOMAXCONN) != 0) throw fail("cannot listen on", fd);
  len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ListeningSocket s;
  s.fd = fd;
  s.port = ntohs(addr.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  return s;
}

}  // namespace palette::emu
