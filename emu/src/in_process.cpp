#include "palette/emu/in_process.hpp"

#include <unistd.h>

#include "palette/emu/sockets.hpp"
#include "palette/error.hpp"

namespace palette::emu {

InProcessDeployment::InProcessDeployment(const model::Topology& topology, const ServiceConfig& base,
                                         const std::string& spans_dir) {
  std::map<std::string, ListeningSocket> sockets;
  try {
    for (const auto& s : topology.services) {
      Endpoint e{base.listen.host, 0};
      sockets[s.name] = open_listening_socket(e);
      e.port = sockets[s.name].port;
      endpoints_[s.name] = e;
    }
    for (const auto& s : topology.services) {
      ServiceConfig c = base;
      c.services = {s.name};
      c.peers = endpoints_;
      c.listen_fd = sockets[s.name].fd;
      if (!spans_dir.empty()) {
        c.spans_path = spans_dir + "/" + s.name + ".spans";
        span_files_.push_back(c.spans_path);
      }
      sockets.erase(s.name);  // the service owns the socket now, even if it fails to start
      services_[s.name] = std::make_unique<Service>(topology, c);
    }
  } catch (...) {
    for (auto& [name, sock] : sockets) ::close(sock.fd);
    throw;
  }
  for (auto& [name, s] : services_) s->start();
}

InProcessDeployment::~InProcessDeployment() {
  try {
    stop();
  } catch (const Error&) {
  }
}

Service& InProcessDeployment::service(const std::string& name) {
  auto it = services_.find(name);
  if (it == services_.end()) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" deployed");
  return *it->second;
}

void InProcessDeployment::stop() {
  for (auto& [name, s] : services_) s->stop();
}

}  // namespace palette::emu
