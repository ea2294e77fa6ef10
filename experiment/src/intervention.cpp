#include "palette/experiment/intervention.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "palette/error.hpp"
#include "palette/ingest/trace_processing.hpp"
#include "palette/topology/downscale.hpp"
#include "palette/topology/interventions.hpp"
#include "palette/topology/rng.hpp"
#include "palette/workload/workload.hpp"

namespace palette::experiment {
namespace {

using model::Topology;

// "file:line: interventions[2].factor: message"
Error at(const InterventionSpec& s, ErrorKind kind, const std::string& param, const std::string& message) {
  Error e(kind, message);
  auto colon = s.where.rfind(':');
  if (colon != std::string::npos) {
    e.at_file(s.where.substr(0, colon));
    e.at_line(std::stoll(s.where.substr(colon + 1)));
  } else if (!s.where.empty()) {
    e.at_file(s.where);
  }
  e.at_key(s.key + "." + s.kind + (param.empty() ? "" : "." + param));
  return e;
}

bool has(const InterventionSpec& s, const std::string& p) { return s.params.count(p) > 0; }

const std::string& text(const InterventionSpec& s, const std::string& p) {
  auto it = s.params.find(p);
  if (it == s.params.end()) throw at(s, ErrorKind::missing, "", "needs `" + p + "`");
  return it->second;
}

double number(const InterventionSpec& s, const std::string& p) {
  const std::string& t = text(s, p);
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v))
    throw at(s, ErrorKind::bad_type, p, "expected a number, got \"" + t + "\"");
  return v;
}

double number_or(const InterventionSpec& s, const std::string& p, double fallback) { return has(s, p) ? number(s, p) : fallback; }

uint32_t count(const InterventionSpec& s, const std::string& p) {
  double v = number(s, p);
  if (v < 0 || v != static_cast<double>(static_cast<uint32_t>(v))) throw at(s, ErrorKind::bad_value, p, "expected a whole number >= 0");
  return static_cast<uint32_t>(v);
}

bool flag(const InterventionSpec& s, const std::string& p) {
  const std::string& t = text(s, p);
  if (t == "true") return true;
  if (t == "false") return false;
  throw at(s, ErrorKind::bad_type, p, "expected true or false, got \"" + t + "\"");
}

// A local-work distribution: constant_us, median_us (+ sigma: log-normal), or quantiles {p, v}.
model::Distribution distribution(const InterventionSpec& s) {
  if (has(s, "constant_us")) return model::Distribution::constant(number(s, "constant_us"));
  if (has(s, "median_us")) {
    double median = number(s, "median_us"), sigma = number_or(s, "sigma", 0.5);
    if (median < 0 || sigma < 0) throw at(s, ErrorKind::bad_value, "median_us", "median and sigma must be >= 0");
    std::vector<double> p = model::quantile_grid(), v;
    for (double q : p) v.push_back(median * std::exp(sigma * model::normal_quantile(std::clamp(q, 1e-4, 1 - 1e-4))));
    return model::Distribution::from_quantiles(p, v, 0);
  }
  if (!s.quantile_p.empty()) {
    try {
      return model::Distribution::from_quantiles(s.quantile_p, s.quantile_v, 0);
    } catch (const Error& e) {
      throw at(s, ErrorKind::bad_value, "quantiles", e.message());
    }
  }
  throw at(s, ErrorKind::missing, "", "needs a distribution: constant_us, median_us (and sigma), or quantiles {p, v}");
}

template <typename F>
auto on_topology(const InterventionSpec& s, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    if (!e.file().empty()) throw;
    throw at(s, e.kind(), "", e.message() + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
  }
}

}  // namespace

const std::map<std::string, std::vector<std::string>>& intervention_kinds() {
  static const std::map<std::string, std::vector<std::string>> kinds = {
      {"scale_local_work", {"target", "factor"}},
      {"shift_local_work", {"target", "delta_us"}},
      {"set_local_work", {"target", "constant_us", "median_us", "sigma", "quantiles"}},
      {"set_call_probability", {"caller", "callee", "probability"}},
      {"remove", {"target", "mode"}},
      {"add_edge", {"caller", "callee", "probability", "overhead_us"}},
      {"remove_edge", {"caller", "callee"}},
      {"add_api", {"service", "operation", "constant_us", "median_us", "sigma", "quantiles", "called_by"}},
      {"set_payload", {"caller", "callee", "request_bytes", "response_bytes"}},
      {"work_spec", {"service", "spec"}},
      {"workers", {"service", "workers"}},
      {"replicas", {"service", "replicas"}},
      {"inject_errors", {"target", "rate"}},
      {"timeout", {"caller", "callee", "timeout_us"}},
      {"rate", {"rate_per_s", "factor"}},
      {"arrivals", {"process"}},
      {"placement", {"placement"}},
      {"link", {"latency_us", "bandwidth_mbps"}},
      {"downscale", {"max_services", "hosts"}},
      {"filter_traces", {"from_s", "to_s", "drop_errors", "root_api", "min_spans", "max_spans"}},
      {"rename_apis", {"service", "operation", "to_service", "to_operation"}},
      {"derive_root_api", {"service", "operation"}},
  };
  return kinds;
}

bool is_trace_processing(const std::string& kind) {
  return kind == "filter_traces" || kind == "rename_apis" || kind == "derive_root_api";
}

void check_intervention(const InterventionSpec& s) {
  const auto& kinds = intervention_kinds();
  auto it = kinds.find(s.kind);
  if (it == kinds.end()) {
    std::string names;
    for (const auto& [k, p] : kinds) names += (names.empty() ? "" : ", ") + k;
    Error e = at(s, ErrorKind::unknown_key, "", "unknown intervention");
    e.with_hint("one of " + names);
    throw e;
  }
  // Every parameter must be one the kind knows.
  for (const auto& [k, v] : s.params)
    if (std::find(it->second.begin(), it->second.end(), k) == it->second.end()) {
      std::string list;
      for (const auto& p : it->second) list += (list.empty() ? "" : ", ") + p;
      throw at(s, ErrorKind::unknown_key, k, "unknown parameter").with_hint("allowed: " + list);
    }
  // Required parameters and their types, without a topology.
  const std::string& k = s.kind;
  if (k == "scale_local_work") { text(s, "target"); if (number(s, "factor") < 0) throw at(s, ErrorKind::bad_value, "factor", "must be >= 0"); }
  else if (k == "shift_local_work") { text(s, "target"); number(s, "delta_us"); }
  else if (k == "set_local_work") { text(s, "target"); distribution(s); }
  else if (k == "set_call_probability") { text(s, "caller"); text(s, "callee"); double p = number(s, "probability"); if (p < 0 || p > 1) throw at(s, ErrorKind::bad_value, "probability", "must be in [0, 1]"); }
  else if (k == "remove") { text(s, "target"); model::parse_remove_mode(has(s, "mode") ? text(s, "mode") : "absorb"); }
  else if (k == "add_edge") { text(s, "caller"); text(s, "callee"); double p = number_or(s, "probability", 1); if (p < 0 || p > 1) throw at(s, ErrorKind::bad_value, "probability", "must be in [0, 1]"); number_or(s, "overhead_us", 0); }
  else if (k == "remove_edge") { text(s, "caller"); text(s, "callee"); }
  else if (k == "add_api") { text(s, "service"); text(s, "operation"); distribution(s); }
  else if (k == "set_payload") { text(s, "caller"); text(s, "callee"); number_or(s, "request_bytes", -1); number_or(s, "response_bytes", -1); }
  else if (k == "work_spec") { text(s, "service"); text(s, "spec"); }
  else if (k == "workers") { text(s, "service"); count(s, "workers"); }
  else if (k == "replicas") { text(s, "service"); if (count(s, "replicas") == 0) throw at(s, ErrorKind::bad_value, "replicas", "must be >= 1"); }
  else if (k == "inject_errors") { text(s, "target"); double r = number(s, "rate"); if (r < 0 || r > 1) throw at(s, ErrorKind::bad_value, "rate", "must be in [0, 1]"); }
  else if (k == "timeout") { text(s, "caller"); text(s, "callee"); if (number(s, "timeout_us") < 0) throw at(s, ErrorKind::bad_value, "timeout_us", "must be >= 0"); }
  else if (k == "rate") {
    if (has(s, "rate_per_s") == has(s, "factor")) throw at(s, ErrorKind::missing, "", "needs exactly one of rate_per_s and factor");
    if (number_or(s, "rate_per_s", 1) <= 0 || number_or(s, "factor", 1) <= 0) throw at(s, ErrorKind::bad_value, "", "must be > 0");
  }
  else if (k == "arrivals") { model::parse_arrival_process(text(s, "process")); }
  else if (k == "placement") { text(s, "placement"); }
  else if (k == "link") { if (!has(s, "latency_us") && !has(s, "bandwidth_mbps")) throw at(s, ErrorKind::missing, "", "needs latency_us or bandwidth_mbps"); number_or(s, "latency_us", 0); number_or(s, "bandwidth_mbps", 1); }
  else if (k == "downscale") { if (has(s, "max_services") == has(s, "hosts")) throw at(s, ErrorKind::missing, "", "needs exactly one of max_services and hosts"); number_or(s, "max_services", 1); number_or(s, "hosts", 1); }
  else if (k == "filter_traces") { number_or(s, "from_s", -1); number_or(s, "to_s", -1); if (has(s, "drop_errors")) flag(s, "drop_errors"); number_or(s, "min_spans", 0); number_or(s, "max_spans", 0); }
  else if (k == "rename_apis") { if (!has(s, "to_service") && !has(s, "to_operation")) throw at(s, ErrorKind::missing, "", "needs to_service or to_operation"); }
}

std::string apply_intervention(const InterventionSpec& s, Topology& t, Deployment& d, uint64_t seed) {
  check_intervention(s);
  const std::string& k = s.kind;
  if (is_trace_processing(k)) throw at(s, ErrorKind::bad_value, "", "acts on traces: it must come before every topology intervention");
  return on_topology(s, [&]() -> std::string {
    auto target = [&] { return model::Target::parse(t, text(s, "target")); };
    auto api = [&](const char* p) { return model::api_by_label(t, text(s, p)); };
    if (k == "scale_local_work") return model::scale_local_work(t, target(), number(s, "factor"));
    if (k == "shift_local_work") return model::shift_local_work(t, target(), number(s, "delta_us"));
    if (k == "set_local_work") return model::set_local_work(t, target(), distribution(s));
    if (k == "set_call_probability") return model::set_call_probability(t, api("caller"), api("callee"), number(s, "probability"), seed);
    if (k == "remove") return model::remove_api(t, target(), model::parse_remove_mode(has(s, "mode") ? text(s, "mode") : "absorb"), seed);
    if (k == "add_edge") {
      if (has(s, "overhead_us")) {
        auto o = model::Distribution::constant(number(s, "overhead_us"));
        return model::add_edge(t, api("caller"), api("callee"), number_or(s, "probability", 1), &o);
      }
      return model::add_edge(t, api("caller"), api("callee"), number_or(s, "probability", 1));
    }
    if (k == "remove_edge") return model::remove_edge(t, api("caller"), api("callee"));
    if (k == "add_api") {
      std::vector<std::pair<model::ApiIndex, double>> callers;
      for (const auto& c : s.list) {
        auto it = c.find("caller");
        if (it == c.end()) throw at(s, ErrorKind::missing, "called_by", "each entry needs a caller");
        double p = 1;
        if (auto pit = c.find("probability"); pit != c.end()) p = std::stod(pit->second);
        callers.emplace_back(model::api_by_label(t, it->second), p);
      }
      return model::add_api(t, text(s, "service"), text(s, "operation"), distribution(s), callers);
    }
    if (k == "set_payload")
      return model::set_payload(t, api("caller"), api("callee"), number_or(s, "request_bytes", -1), number_or(s, "response_bytes", -1));
    if (k == "work_spec") return model::set_work_spec(t, text(s, "service"), text(s, "spec"));
    if (k == "workers") return model::set_workers(t, text(s, "service"), count(s, "workers"));
    if (k == "replicas") return model::set_replicas(t, text(s, "service"), count(s, "replicas"));
    if (k == "inject_errors") return model::set_error_rate(t, target(), number(s, "rate"));
    if (k == "timeout") return model::set_timeout(t, api("caller"), api("callee"), number(s, "timeout_us"));
    if (k == "rate") {
      if (has(s, "rate_per_s")) {
        d.rate_per_s = number(s, "rate_per_s");
        d.rate_factor = 1;
        return "arrival rate " + text(s, "rate_per_s") + " requests/s";
      }
      d.rate_factor *= number(s, "factor");
      return "arrival rate x" + text(s, "factor");
    }
    if (k == "arrivals") {
      d.arrivals = text(s, "process");
      return "arrivals " + d.arrivals;
    }
    if (k == "placement") {
      d.placement = text(s, "placement");
      return "placement " + d.placement;
    }
    if (k == "link") {
      std::ostringstream o;
      o << "links:";
      if (has(s, "latency_us")) {
        d.link_latency_us = number(s, "latency_us");
        o << " latency " << d.link_latency_us << " us";
      }
      if (has(s, "bandwidth_mbps")) {
        d.link_bandwidth_mbps = number(s, "bandwidth_mbps");
        o << " bandwidth " << d.link_bandwidth_mbps << " Mb/s";
      }
      return o.str();
    }
    if (k == "downscale") {
      model::DownscaleReport r = has(s, "max_services") ? model::prune_services(t, count(s, "max_services"), seed)
                                                        : model::colocate_services(t, count(s, "hosts"));
      std::string out = "downscaled: services " + std::to_string(r.services_before) + " -> " + std::to_string(r.services_after);
      for (const auto& a : r.actions) out += "; " + a;
      return out;
    }
    throw at(s, ErrorKind::internal, "", "no implementation");
  });
}

std::string apply_trace_processing(const InterventionSpec& s, ingest::TraceSet& traces) {
  check_intervention(s);
  const std::string& k = s.kind;
  return on_topology(s, [&]() -> std::string {
    if (k == "filter_traces") {
      ingest::TraceFilter f;
      f.from_s = number_or(s, "from_s", -1);
      f.to_s = number_or(s, "to_s", -1);
      f.drop_errors = has(s, "drop_errors") && flag(s, "drop_errors");
      if (has(s, "root_api")) {
        std::istringstream in(text(s, "root_api"));
        for (std::string line; std::getline(in, line);) f.root_apis.push_back(line);
      }
      f.min_spans = has(s, "min_spans") ? count(s, "min_spans") : 0;
      f.max_spans = has(s, "max_spans") ? count(s, "max_spans") : 0;
      uint64_t n = ingest::filter_traces(traces, f);
      return "filtered traces: " + std::to_string(n) + " removed, " + std::to_string(traces.traces.size()) + " kept";
    }
    if (k == "rename_apis") {
      ingest::RenameRule r;
      if (has(s, "service")) r.service_pattern = text(s, "service");
      if (has(s, "operation")) r.operation_pattern = text(s, "operation");
      if (has(s, "to_service")) r.to_service = text(s, "to_service");
      if (has(s, "to_operation")) r.to_operation = text(s, "to_operation");
      return "renamed APIs: " + std::to_string(ingest::rename_apis(traces, {r})) + " calls";
    }
    ingest::DeriveRootRule r;
    if (has(s, "service")) r.service_pattern = text(s, "service");
    if (has(s, "operation")) r.operation_pattern = text(s, "operation");
    return "derived root APIs of " + std::to_string(ingest::derive_root_apis(traces, r)) + " traces";
  });
}

}  // namespace palette::experiment
