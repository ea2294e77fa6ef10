#include "palette/ingest/trace_processing.hpp"

#include <algorithm>
#include <regex>
#include <unordered_map>

#include "palette/error.hpp"

namespace palette::ingest {
namespace {

std::regex compile(const std::string& pattern, const char* key) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Error(ErrorKind::bad_value, "not a valid regular expression: \"" + pattern + "\" (" + e.what() + ")").at_key(key);
  }
}

}  // namespace

uint64_t filter_traces(TraceSet& set, const TraceFilter& f) {
  int64_t first = INT64_MAX;
  for (const auto& t : set.traces)
    if (!t.nodes.empty() && t.root().start_us != kNoTime) first = std::min(first, t.root().start_us);
  auto keep = [&](const CallTree& t) {
    if (t.nodes.empty()) return false;
    if ((f.from_s >= 0 || f.to_s >= 0) && t.root().start_us != kNoTime) {
      double s = static_cast<double>(t.root().start_us - first) / 1e6;
      if (f.from_s >= 0 && s < f.from_s) return false;
      if (f.to_s >= 0 && s > f.to_s) return false;
    }
    if (f.drop_errors && std::any_of(t.nodes.begin(), t.nodes.end(), [](const CallNode& n) { return n.error; })) return false;
    if (!f.root_apis.empty() &&
        std::find(f.root_apis.begin(), f.root_apis.end(), set.catalog.api_label(t.root().api)) == f.root_apis.end())
      return false;
    if (f.min_spans && t.span_count < f.min_spans) return false;
    if (f.max_spans && t.span_count > f.max_spans) return false;
    return true;
  };
  size_t before = set.traces.size();
  set.traces.erase(std::remove_if(set.traces.begin(), set.traces.end(), [&](const CallTree& t) { return !keep(t); }),
                   set.traces.end());
  return before - set.traces.size();
}

uint64_t rename_apis(TraceSet& set, const std::vector<RenameRule>& rules) {
  struct Compiled {
    std::regex service, operation;
    const RenameRule* rule;
  };
  std::vector<Compiled> compiled;
  for (const auto& r : rules)
    compiled.push_back({compile(r.service_pattern, "rename.service"), compile(r.operation_pattern, "rename.operation"), &r});
  std::unordered_map<ApiId, ApiId> renamed;  // cache per API
  auto map = [&](ApiId a) {
    auto it = renamed.find(a);
    if (it != renamed.end()) return it->second;
    std::string service = set.catalog.service_name(a), op = set.catalog.operation_name(a);
    for (const auto& c : compiled) {
      std::smatch ms, mo;
      if (!std::regex_match(service, ms, c.service) || !std::regex_match(op, mo, c.operation)) continue;
      if (!c.rule->to_service.empty()) service = ms.format(c.rule->to_service);
      if (!c.rule->to_operation.empty()) op = mo.format(c.rule->to_operation);
      break;  // the first matching rule wins
    }
    ApiId to = set.catalog.intern_api(set.catalog.names.intern(service), set.catalog.names.intern(op));
    renamed.emplace(a, to);
    return to;
  };
  uint64_t changed = 0;
  for (auto& t : set.traces)
    for (auto& n : t.nodes) {
      ApiId to = map(n.api);
      if (to != n.api) {
        n.api = to;
        ++changed;
      }
    }
  return changed;
}

uint64_t derive_root_apis(TraceSet& set, const DeriveRootRule& rule) {
  std::regex service = compile(rule.service_pattern, "derive_root.service");
  std::regex operation = compile(rule.operation_pattern, "derive_root.operation");
  uint64_t changed = 0;
  for (auto& t : set.traces) {
    if (t.nodes.empty()) continue;
    CallNode& root = t.nodes[0];
    const std::string& svc = set.catalog.service_name(root.api);
    if (!std::regex_match(svc, service) || !std::regex_match(set.catalog.operation_name(root.api), operation)) continue;
    // Breadth-first order: the first node of another service at the shallowest depth, earliest first.
    for (size_t i = 1; i < t.nodes.size(); ++i) {
      if (t.nodes[i].kind == NodeKind::local) continue;
      NameId s = set.catalog.api(t.nodes[i].api).service;
      if (set.catalog.names.text(s) == svc) continue;
      root.api = set.catalog.intern_api(set.catalog.api(root.api).service, set.catalog.api(t.nodes[i].api).operation);
      ++changed;
      break;
    }
  }
  return changed;
}

}  // namespace palette::ingest
