#include "palette/emu/in_process.hpp"

#include <unistd.h>

#include <algorithm>

#include "palette/emu/sockets.hpp"
#include "palette/error.hpp"

namespace palette::emu {

InProcessDeployment::InProcessDeployment(const model::Topology& topology, const ServiceConfig& base,
                                         const std::string& spans_dir) {
  std::map<std::pair<std::string, uint32_t>, ListeningSocket> sockets;  // (service, replica)
  try {
    for (const auto& s : topology.services)
      for (uint32_t r = 0; r < std::max(1u, s.replicas); ++r) {
        ListeningSocket sock = open_listening_socket(Endpoint{base.listen.host, 0});
        sockets[{s.name, r}] = sock;
        endpoints_[s.name].push_back(Endpoint{base.listen.host, sock.port});
      }
    for (auto& [key, sock] : sockets) {
      const auto& [name, replica] = key;
      ServiceConfig c = base;
      c.services = {name};
      c.peers = endpoints_;
      c.listen_fd = sock.fd;
      sock.fd = -1;  // the service owns the socket now, even if it fails to start
      if (!spans_dir.empty()) {
        c.spans_path = spans_dir + "/" + name + (replica ? "." + std::to_string(replica) : "") + ".spans";
        span_files_.push_back(c.spans_path);
      }
      auto service = std::make_unique<Service>(topology, c);
      if (replica == 0) services_[name] = std::move(service);
      else other_replicas_.push_back(std::move(service));
    }
  } catch (...) {
    for (auto& [key, sock] : sockets)
      if (sock.fd >= 0) ::close(sock.fd);
    throw;
  }
  for (auto& [name, s] : services_) s->start();
  for (auto& s : other_replicas_) s->start();
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
  for (auto& s : other_replicas_) s->stop();
}

}  // namespace palette::emu
