#pragma once
// InProcessDeployment: every service of a topology as a Service object of this process, each on its
// own loopback port and threads, talking over real sockets — the emulation without processes, for
// tests and benchmarks (the launcher runs the same Service class, one per process).
//
//   ServiceConfig base;  base.work = WorkKind::sleep;  base.seed = 7;
//   InProcessDeployment d(topology, base, spans_dir);
//   LoadGenerator g(topology, sampler, workload, {d.endpoints()});  g.run();  d.stop();
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "palette/emu/service.hpp"

namespace palette::emu {

class InProcessDeployment {
 public:
  // `base` gives everything but services, peers and the listening socket; spans go to
  // spans_dir/<service>.spans when spans_dir is not empty. Starts every service. Throws Error.
  InProcessDeployment(const model::Topology& topology, const ServiceConfig& base, const std::string& spans_dir = "");
  ~InProcessDeployment();

  const std::map<std::string, Endpoint>& endpoints() const { return endpoints_; }
  Service& service(const std::string& name);
  const std::vector<std::string>& span_files() const { return span_files_; }
  void stop();  // stops every service (flushing spans); throws Error(io) if spans failed

 private:
  std::map<std::string, Endpoint> endpoints_;
  std::map<std::string, std::unique_ptr<Service>> services_;
  std::vector<std::string> span_files_;
};

}  // namespace palette::emu
