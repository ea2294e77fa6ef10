#pragma once
// Reading topology.yaml into a Topology, one section at a time: the document, sources, services,
// edges and roots in topology_yaml_load.cpp, one API's pfa and gcm in topology_yaml_load_api.cpp.
// References are resolved by label as they are read, so every bad one is reported where it stands.
#include <map>
#include <string>

#include "topology/internal/yaml_fields.hpp"
#include "palette/topology/topology.hpp"

namespace palette::model::yaml {

class TopologyLoader {
 public:
  explicit TopologyLoader(std::string file) { src_.file = std::move(file); }
  // The topology of a parsed document; throws Error at the first problem.
  Topology load(const Node& document);

 private:
  // Sections, in the order they depend on each other.
  void read_header(const Map& top);
  void read_services(const Value& v);
  void read_api_labels(const Value& apis);
  std::vector<double> class_weights(const Value& v) const;
  void read_edges(const Value& v);
  void read_roots(const Value& v);
  void validate() const;  // Topology::validate(), its complaint pointed at a line

  // One API (topology_yaml_load_api.cpp).
  void read_api(ApiIndex a, const Value& body);
  void read_pfa(ApiIndex a, const Value& v);
  PfaState read_state(const Value& v, const Pfa& pfa, size_t state_count);
  void read_gcm(ApiIndex a, const Value& v);
  WorkContext read_work(const Value& v, const Gcm& gcm);

  // Values that recur across sections.
  ApiIndex api_ref(const Value& v) const;     // an API label
  ApiIndex caller_ref(const Value& v) const;  // an API label or `any`
  Distribution distribution(const Value& v) const;
  std::vector<LatentParams> classes(const Value& v) const;  // [[mean, sd], ...], one per latency class

  Source src_;
  Topology t_;
  std::map<std::string, ApiIndex> by_label_;
  std::vector<Value> api_bodies_;
};

// An error of Topology::validate() (keys like "apis[3].local_work") as the file names it
// ("apis[web:GET /cart].gcm.local_work"), at the line of the closest key the loader read.
Error locate(const Error& e, const Topology& t, const Source& source);

}  // namespace palette::model::yaml
