#include "palette/topology/describe.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace palette::model {
namespace {

std::string format(const char* fmt, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

std::string duration(double us) {
  if (us >= 1e6) return format("%.3g s", us / 1e6);
  if (us >= 1e3) return format("%.3g ms", us / 1e3);
  return format("%.3g us", us);
}

std::string plural(size_t n, const std::string& word, const std::string& words = "") {
  return std::to_string(n) + " " + (n == 1 ? word : words.empty() ? word + "s" : words);
}

// Names come from traces: keep control characters from reaching the terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) out += format("\\x%02X", u);
    else out += c;
  }
  return out;
}

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }
std::string rpad(const std::string& s, size_t width) { return s.size() >= width ? s : std::string(width - s.size(), ' ') + s; }

std::string weights(const std::vector<double>& w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) s += (i ? "  " : "") + format("%.3g", w[i]);
  return s;
}

// Long labels (an operation named by its SQL text) do not get to widen every row.
constexpr size_t kMaxLabelColumn = 60;

void summary(std::ostringstream& out, const Topology& t) {
  size_t external = static_cast<size_t>(std::count_if(t.apis.begin(), t.apis.end(), [](const ApiModel& a) { return a.external; }));
  out << plural(t.services.size(), "service") << ", " << plural(t.apis.size(), "API");
  if (external) out << " (" << external << " external)";
  out << ", " << plural(t.edges.size(), "edge") << ", " << plural(t.roots.size(), "root") << ", "
      << plural(t.latency_class_weights.size(), "latency class", "latency classes") << ", "
      << plural(t.structure_class_weights.size(), "structure class", "structure classes") << "\n";
  out << "fitted with conditioning " << to_string(t.fit.conditioning) << " (seed " << t.fit.seed << ") from "
      << plural(t.source.traces, "trace") << ", " << plural(t.source.spans, "span") << " over "
      << format("%.3g", t.source.window_s) << " s; " << format("%.3g", t.arrival_rate_per_s) << " requests/s\n";
}

void services(std::ostringstream& out, const Topology& t) {
  size_t w = 7;
  for (const auto& s : t.services) w = std::max(w, std::min(printable(s.name).size(), kMaxLabelColumn));
  out << "\nservices\n  " << pad("name", w) << "  workers\n";
  for (const auto& s : t.services)
    out << "  " << pad(printable(s.name), w) << "  " << (s.workers ? std::to_string(s.workers) : "unbounded") << "\n";
}

void apis(std::ostringstream& out, const Topology& t, size_t w) {
  out << "\nAPIs\n  " << pad("api", w) << "  invocations  work p50  work p99  contexts  patterns  states  transitions\n";
  for (size_t i = 0; i < t.apis.size(); ++i) {
    const ApiModel& a = t.apis[i];
    auto any = std::find_if(a.gcm.work.begin(), a.gcm.work.end(),
                            [](const WorkContext& c) { return c.caller == kNoApiIndex && c.pattern < 0; });
    bool has_work = any != a.gcm.work.end() && !any->work_us.empty();
    size_t transitions = 0;
    for (const auto& s : a.pfa.states) transitions += s.out.size();
    std::string label = printable(t.api_label(static_cast<ApiIndex>(i))) + (a.external ? " (external)" : "");
    out << "  " << pad(label, w) << "  " << rpad(std::to_string(a.invocations), 11) << "  "
        << rpad(has_work ? duration(any->work_us.quantile(0.5)) : "-", 8) << "  "
        << rpad(has_work ? duration(any->work_us.quantile(0.99)) : "-", 8) << "  " << rpad(std::to_string(a.gcm.work.size()), 8)
        << "  " << rpad(std::to_string(a.gcm.patterns.size()), 8) << "  " << rpad(std::to_string(a.pfa.states.size()), 6) << "  "
        << rpad(std::to_string(transitions), 11) << "\n";
  }
}

void edges(std::ostringstream& out, const Topology& t) {
  std::vector<std::string> names;
  size_t w = 4;
  for (const auto& e : t.edges) {
    names.push_back(printable(t.api_label(e.caller)) + " -> " + printable(t.api_label(e.callee)));
    w = std::max(w, std::min(names.back().size(), 2 * kMaxLabelColumn));
  }
  out << "\nedges\n  " << pad("call", w) << "  calls  overhead p50\n";
  for (size_t i = 0; i < t.edges.size(); ++i) {
    const Edge& e = t.edges[i];
    out << "  " << pad(names[i], w) << "  " << rpad(std::to_string(e.calls), 5) << "  "
        << rpad(e.overhead_us.empty() ? "-" : duration(e.overhead_us.quantile(0.5)), 12) << "\n";
  }
}

}  // namespace

std::string describe_topology(const Topology& t) {
  std::ostringstream out;
  summary(out, t);
  services(out, t);
  size_t w = 3;
  for (size_t i = 0; i < t.apis.size(); ++i)
    w = std::max(w, std::min(printable(t.api_label(static_cast<ApiIndex>(i))).size() + (t.apis[i].external ? 11 : 0), kMaxLabelColumn));
  apis(out, t, w);
  edges(out, t);
  out << "\nroots\n";
  for (const auto& r : t.roots)
    out << "  " << pad(printable(t.api_label(r.api)), w) << "  " << rpad(format("%.1f%%", 100 * r.share), 6) << "  ("
        << plural(r.count, "request") << ")\n";
  out << "\nclasses (weights)\n  latency    " << weights(t.latency_class_weights) << "\n  structure  "
      << weights(t.structure_class_weights) << "\n";
  return out.str();
}

}  // namespace palette::model
