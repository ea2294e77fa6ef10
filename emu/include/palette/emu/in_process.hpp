#pragma once
// InProcessDeployment: every service of a topology as a Service object of this process (as many as
// its replicas), each on its own loopback port and threads, talking over real sockets — the
// emulation without processes, for tests and benchmarks (the launcher runs the same Service class,
// one per process). Placement groups do not apply: every service has its own Service object.
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

  const Endpoints& endpoints() const { return endpoints_; }
  Service& service(const std::string& name);  // its first replica
  const std::vector<std::string>& span_files() const { return span_files_; }
  void stop();  // stops every service (flushing spans); throws Error(io) if spans failed

 private:
  Endpoints endpoints_;
  std::map<std::string, std::unique_ptr<Service>> services_;  // the first replica of each service
  std::vector<std::unique_ptr<Service>> other_replicas_;
  std::vector<std::string> span_files_;
};

}  // namespace palette::emu
