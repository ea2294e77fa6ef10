#include "palette/emu/service.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "palette/error.hpp"
#include "runtime/worker.hpp"

namespace palette::emu {

void ServiceConfig::validate(const model::Topology& t) const {
  if (services.empty()) throw Error(ErrorKind::missing, "name at least one service to host").at_key("services");
  std::set<uint32_t> hosted;
  for (const auto& name : services) {
    uint32_t s = t.find_service(name);
    if (s == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("services");
    if (!hosted.insert(s).second) throw Error(ErrorKind::bad_value, "service \"" + name + "\" named twice").at_key("services");
  }
  for (const auto& [name, e] : peers) {
    if (t.find_service(name) == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("peers");
    if (e.empty()) throw Error(ErrorKind::missing, "no endpoint for service \"" + name + "\"").at_key("peers");
  }
  for (const auto& [name, kind] : work_per_service)
    if (t.find_service(name) == UINT32_MAX) throw Error(ErrorKind::bad_value, "no service \"" + name + "\" in the topology").at_key("work");
  // Every service a hosted API may call needs an endpoint: the edges, not only the automaton's steps,
  // since an intervention can add a call along an edge (add_probability).
  for (const auto& e : t.edges) {
    if (!hosted.count(t.apis[e.caller].service)) continue;
    const std::string& callee_service = t.services[t.apis[e.callee].service].name;
    if (!peers.count(callee_service))
      throw Error(ErrorKind::missing, "no endpoint for service \"" + callee_service + "\", which " + t.api_label(e.caller) + " calls")
          .at_key("peers");
  }
  if (threads == 0) throw Error(ErrorKind::bad_value, "must be at least 1").at_key("threads");
  if (!(call_timeout_s > 0)) throw Error(ErrorKind::bad_value, "must be > 0").at_key("call_timeout");
  auto needs = [&](WorkKind k) {
    for (uint32_t s : hosted) {
      auto it = work_per_service.find(t.services[s].name);
      WorkKind used = it != work_per_service.end() ? it->second
                      : t.services[s].work.empty() ? work : parse_work_kind(t.services[s].work);
      if (used == k) return true;
    }
    return false;
  };
  if (needs(WorkKind::cpu) && !(calibration.cpu_ns_per_unit > 0))
    throw Error(ErrorKind::missing, "cpu work needs a calibration").at_key("calibration");
  if (needs(WorkKind::memory) && !(calibration.memory_ns_per_unit > 0))
    throw Error(ErrorKind::missing, "memory work needs a calibration").at_key("calibration");
}

struct Service::Impl {
  // *adopted turns true once the acceptor owns config.listen_fd (and will close it).
  Impl(const model::Topology& t, ServiceConfig c, bool* adopted) : shared(t, std::move(c)) {
    for (uint32_t k = 0; k < shared.config.threads; ++k) workers.push_back(std::make_unique<Worker>(shared));
    acceptor.emplace(workers[0]->context());
    error_code ec;
    const auto& cfg = shared.config;
    if (cfg.listen_fd >= 0) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      ::getsockname(cfg.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
      acceptor->assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), cfg.listen_fd, ec);
      *adopted = !ec;
      if (ec) throw Error(ErrorKind::bad_value, "cannot use listening socket " + std::to_string(cfg.listen_fd) + ": " + ec.message()).at_key("listen_fd");
    } else {
      auto address = asio::ip::make_address(cfg.listen.host, ec);
      if (ec) throw Error(ErrorKind::bad_value, "\"" + cfg.listen.host + "\" is not an IP address").at_key("listen");
      tcp::endpoint ep(address, cfg.listen.port);
      acceptor->open(ep.protocol());
      acceptor->set_option(tcp::acceptor::reuse_address(true));
      acceptor->bind(ep, ec);
      if (ec) throw Error(ErrorKind::io, "cannot listen on " + cfg.listen.text() + ": " + ec.message()).at_key("listen");
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) throw Error(ErrorKind::io, "cannot listen on " + cfg.listen.text() + ": " + ec.message()).at_key("listen");
    }
    port = acceptor->local_endpoint(ec).port();
  }

  awaitable<void> accept_loop() {
    size_t next = 0;
    for (;;) {
      Worker& w = *workers[next++ % workers.size()];
      error_code ec;
      tcp::socket s = co_await acceptor->async_accept(w.context(), no_throw(ec));
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: say so, breathe, go on accepting.
        shared.log("accept failed: " + ec.message());
        asio::steady_timer t(workers[0]->context(), std::chrono::milliseconds(20));
        co_await t.async_wait(no_throw(ec));
        continue;
      }
      auto remote = s.remote_endpoint(ec);
      w.adopt(std::move(s), ec ? std::string("a client") : remote.address().to_string() + ":" + std::to_string(remote.port()));
    }
  }

  ServiceShared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;  // after workers: closed before their loops go
  uint16_t port = 0;
  bool started = false, stopped = false;
};

Service::Service(const model::Topology& topology, ServiceConfig config) {
  const int fd = config.listen_fd;
  bool adopted = false;
  try {
    impl_ = std::make_unique<Impl>(topology, std::move(config), &adopted);
  } catch (...) {
    if (fd >= 0 && !adopted) ::close(fd);  // the socket was handed over: never leak it
    throw;
  }
}

Service::~Service() {
  try {
    stop();
  } catch (const Error&) {
  }
}

uint16_t Service::port() const { return impl_->port; }

void Service::start() {
  if (impl_->started) return;
  impl_->started = true;
  asio::co_spawn(impl_->workers[0]->context(), impl_->accept_loop(), asio::detached);
  for (auto& w : impl_->workers) w->start();
}

void Service::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& w : impl_->workers) w->stop();
  error_code ec;
  impl_->acceptor->close(ec);
  if (impl_->shared.spans) impl_->shared.spans->close();
}

ServiceStats Service::stats() const {
  const ServiceShared& s = impl_->shared;
  ServiceStats out;
  out.invocations = s.invocations;
  out.errors = s.errors;
  out.timeouts = s.timeouts;
  out.bad_requests = s.bad_requests;
  out.malformed_frames = s.malformed;
  out.connections = s.connections;
  out.unabsorbed_us = static_cast<double>(s.unabsorbed_ns.load()) / 1000.0;
  out.span_records = s.spans ? s.spans->records() : 0;
  return out;
}

void write_service_stats(const std::string& path, const ServiceStats& s) {
  std::ofstream out(path, std::ios::trunc);
  out.precision(17);
  out << "invocations " << s.invocations << "\nerrors " << s.errors << "\ntimeouts " << s.timeouts << "\nbad_requests "
      << s.bad_requests << "\nmalformed_frames " << s.malformed_frames << "\nconnections " << s.connections
      << "\nunabsorbed_us " << s.unabsorbed_us << "\nspan_records " << s.span_records << "\ncpu_s " << s.cpu_s
      << "\nwall_s " << s.wall_s << "\n";
  out.flush();
  if (!out) throw Error(ErrorKind::io, "cannot write").at_file(path);
}

ServiceStats read_service_stats(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::io, "cannot read").at_file(path);
  ServiceStats s;
  std::map<std::string, double*> reals = {{"unabsorbed_us", &s.unabsorbed_us}, {"cpu_s", &s.cpu_s}, {"wall_s", &s.wall_s}};
  std::map<std::string, uint64_t*> counts = {{"invocations", &s.invocations}, {"errors", &s.errors},
                                             {"timeouts", &s.timeouts}, {"bad_requests", &s.bad_requests},
                                             {"malformed_frames", &s.malformed_frames}, {"connections", &s.connections},
                                             {"span_records", &s.span_records}};
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream fields(line);
    std::string key;
    double value = 0;
    if (!(fields >> key >> value)) throw Error(ErrorKind::malformed, "expected \"key value\"").at_file(path).at_line(n);
    if (auto r = reals.find(key); r != reals.end()) *r->second = value;
    else if (auto c = counts.find(key); c != counts.end()) *c->second = static_cast<uint64_t>(value);
  }
  return s;
}

}  // namespace palette::emu
