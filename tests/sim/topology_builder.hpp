#pragma once
// Small hand-made topologies for simulator tests: services, APIs with a fixed call path (every
// invocation makes the same steps), local work from a given distribution, edges with a fixed call
// overhead and payload sizes. No fitting involved, so expected latencies can be worked out by hand.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::test {

// Exponential with the given mean as a dense quantile table (tail to p = 1 - 1e-7), so that its first
// two moments are within a fraction of a percent of the exponential's.
inline model::Distribution exponential_us(double mean_us) {
  std::vector<double> p, v;
  for (int k = 0; k < 4000; ++k) p.push_back(k / 4000.0);
  for (double t : {0.99990, 0.99995, 0.99999, 0.999995, 0.999999, 0.9999999}) p.push_back(t);
  p.push_back(1.0);
  for (double x : p) v.push_back(-mean_us * std::log(1 - std::min(x, 1 - 1e-8)));
  return model::Distribution::from_quantiles(p, v, 1000000);
}

class TopologyBuilder {
 public:
  uint32_t service(const std::string& name, uint32_t workers = 0) {
    model::ServiceModel m;
    m.name = name;
    m.workers = workers;
    t_.services.push_back(m);
    return static_cast<uint32_t>(t_.services.size() - 1);
  }

  // An API whose every invocation runs `steps` in order (each step's calls concurrently), with local
  // work drawn from `work` and laid out by `gap_fractions` (steps + 1 shares; empty = even).
  model::ApiIndex api(uint32_t service, const std::string& op, model::Distribution work) {
    model::ApiModel a;
    a.service = service;
    a.operation = op;
    model::WorkContext w;
    w.work_us = std::move(work);
    a.gcm.work.push_back(std::move(w));
    a.pfa.states.push_back(model::PfaState{{}, 1.0, 0, {}});
    t_.apis.push_back(std::move(a));
    return static_cast<model::ApiIndex>(t_.apis.size() - 1);
  }

  void steps(model::ApiIndex caller, const std::vector<std::vector<model::ApiIndex>>& steps,
             const std::vector<double>& gap_fractions = {}) {
    model::ApiModel& a = t_.apis[caller];
    a.pfa.steps.clear();
    a.pfa.states.clear();
    for (size_t k = 0; k < steps.size(); ++k) {
      model::Step s;
      s.calls = steps[k];
      std::sort(s.calls.begin(), s.calls.end());
      a.pfa.steps.push_back(s);
      model::PfaState st;
      st.out.push_back(model::PfaTransition{static_cast<uint32_t>(k), static_cast<uint32_t>(k + 1), 1.0, 1});
      a.pfa.states.push_back(st);
    }
    a.pfa.states.push_back(model::PfaState{{}, 1.0, 0, {}});
    if (!gap_fractions.empty()) {
      model::Pattern p;
      for (uint32_t k = 0; k < steps.size(); ++k) p.steps.push_back(k);
      p.gap_fractions = gap_fractions;
      p.count = 1;
      a.gcm.patterns = {p};
    }
  }

  void edge(model::ApiIndex caller, model::ApiIndex callee, double overhead_us = 0, double request_bytes = -1,
            double response_bytes = -1) {
    model::Edge e;
    e.caller = caller;
    e.callee = callee;
    e.calls = 1;
    e.overhead_us = model::Distribution::constant(overhead_us);
    if (request_bytes >= 0) e.request_bytes = model::Distribution::constant(request_bytes);
    if (response_bytes >= 0) e.response_bytes = model::Distribution::constant(response_bytes);
    t_.edges.push_back(std::move(e));
  }

  void root(model::ApiIndex api, double share = 1.0) { t_.roots.push_back(model::RootShare{api, share, 1}); }

  model::ServiceModel& service_model(uint32_t s) { return t_.services[s]; }
  model::ApiModel& api_model(model::ApiIndex a) { return t_.apis[a]; }
  model::Edge& edge_model(model::ApiIndex caller, model::ApiIndex callee) {
    for (auto& e : t_.edges)
      if (e.caller == caller && e.callee == callee) return e;
    throw std::logic_error("no such edge");
  }

  model::Topology build() {
    std::sort(t_.edges.begin(), t_.edges.end(),
              [](const model::Edge& a, const model::Edge& b) { return std::make_pair(a.caller, a.callee) < std::make_pair(b.caller, b.callee); });
    t_.validate();
    return t_;
  }

 private:
  model::Topology t_;
};

}  // namespace palette::test
