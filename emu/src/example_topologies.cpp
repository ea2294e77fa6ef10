#include "palette/emu/example_topologies.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "palette/error.hpp"

namespace palette::emu {

model::Topology fixed_topology(const std::vector<FixedApi>& apis, double overhead_us) {
  using namespace model;
  constexpr uint64_t kCount = 1000;  // as if learned from this many invocations
  Topology t;
  std::map<std::string, ApiIndex> index;
  for (const auto& a : apis) {
    if (index.count(a.service)) throw Error(ErrorKind::bad_value, "service \"" + a.service + "\" listed twice");
    index[a.service] = static_cast<ApiIndex>(t.apis.size());
    ServiceModel service;
    service.name = a.service;
    t.services.push_back(service);
    ApiModel m;
    m.service = static_cast<uint32_t>(t.services.size() - 1);
    m.operation = "op";
    m.invocations = kCount;
    t.apis.push_back(std::move(m));
  }
  for (size_t i = 0; i < apis.size(); ++i) {
    ApiModel& m = t.apis[i];
    Pattern pattern;
    pattern.count = kCount;
    for (const auto& callees : apis[i].steps) {
      Step step;
      for (const auto& name : callees) {
        auto it = index.find(name);
        if (it == index.end()) throw Error(ErrorKind::bad_value, apis[i].service + " calls unknown service \"" + name + "\"");
        step.calls.push_back(it->second);
      }
      std::sort(step.calls.begin(), step.calls.end());
      pattern.steps.push_back(static_cast<uint32_t>(m.pfa.steps.size()));
      m.pfa.steps.push_back(step);
    }
    // One path: START -> s1 -> ... -> FINISH.
    const size_t n = m.pfa.steps.size();
    m.pfa.states.resize(n + 1);
    for (size_t k = 0; k <= n; ++k) {
      PfaState& st = m.pfa.states[k];
      st.count = kCount;
      if (k < n) st.out.push_back(PfaTransition{static_cast<uint32_t>(k), static_cast<uint32_t>(k + 1), 1.0, kCount});
      else st.finish_probability = 1.0;
    }
    pattern.gap_fractions.assign(n + 1, 1.0 / static_cast<double>(n + 1));
    m.gcm.patterns.push_back(pattern);
    m.gcm.work.push_back(WorkContext{kNoApiIndex, -1, Distribution::constant(apis[i].work_us), {}});
    std::map<ApiIndex, uint64_t> calls;
    for (const auto& s : m.pfa.steps)
      for (ApiIndex c : s.calls) calls[c] += kCount;
    for (const auto& [callee, count] : calls) {
      m.gcm.dependencies.push_back(Dependency{callee, 1.0, true, count});
      Edge e;
      e.caller = static_cast<ApiIndex>(i);
      e.callee = callee;
      e.calls = count;
      e.overhead_us = Distribution::constant(overhead_us);
      t.edges.push_back(e);
    }
  }
  std::sort(t.edges.begin(), t.edges.end(),
            [](const Edge& a, const Edge& b) { return std::make_pair(a.caller, a.callee) < std::make_pair(b.caller, b.callee); });
  t.roots.push_back(RootShare{0, 1.0, kCount});
  t.validate();
  return t;
}

model::Topology chain_topology(size_t services, double work_us, double overhead_us) {
  std::vector<FixedApi> apis;
  for (size_t k = 0; k < services; ++k) {
    FixedApi a{"s" + std::to_string(k), {}, work_us};
    if (k + 1 < services) a.steps.push_back({"s" + std::to_string(k + 1)});
    apis.push_back(a);
  }
  return fixed_topology(apis, overhead_us);
}

model::Topology fanout10_topology(double work_us, double overhead_us) {
  return fixed_topology({{"front", {{"auth"}, {"search", "profile", "recommend"}, {"reserve"}}, work_us},
                         {"auth", {}, work_us},
                         {"search", {{"geo", "rate"}}, work_us},
                         {"profile", {{"cache"}}, work_us},
                         {"recommend", {}, work_us},
                         {"geo", {}, work_us},
                         {"rate", {}, work_us},
                         {"cache", {}, work_us},
                         {"reserve", {{"db"}}, work_us},
                         {"db", {}, work_us}},
                        overhead_us);
}

model::Topology example_topology(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream in(spec);
  for (std::string p; std::getline(in, p, ':');) parts.push_back(p);
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::bad_value, "example \"" + spec + "\": " + why)
        .at_key("example")
        .with_hint("chain:N[:WORK_US[:OVERHEAD_US]] or fanout10[:WORK_US[:OVERHEAD_US]]");
  };
  auto number = [&](size_t k, double fallback) {
    if (k >= parts.size()) return fallback;
    try {
      size_t used = 0;
      double v = std::stod(parts[k], &used);
      if (used != parts[k].size() || !(v >= 0)) throw std::invalid_argument(parts[k]);
      return v;
    } catch (const std::exception&) {
      throw bad("\"" + parts[k] + "\" is not a number >= 0");
    }
  };
  if (parts.empty()) throw bad("empty");
  if (parts[0] == "chain") {
    if (parts.size() < 2 || parts.size() > 4) throw bad("give the number of services");
    double n = number(1, 0);
    if (n < 1 || n > 1000 || n != static_cast<double>(static_cast<size_t>(n))) throw bad("1 to 1000 services");
    return chain_topology(static_cast<size_t>(n), number(2, 100), number(3, 0));
  }
  if (parts[0] == "fanout10") {
    if (parts.size() > 3) throw bad("too many fields");
    return fanout10_topology(number(1, 100), number(2, 0));
  }
  throw bad("unknown example");
}

}  // namespace palette::emu
