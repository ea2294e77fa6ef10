#include "palette/results/run_results.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>

#include "palette/error.hpp"
#include "palette/json_writer.hpp"

namespace palette::model {

const char* to_string(RequestStatus s) {
  switch (s) {
    case RequestStatus::ok: return "ok";
    case RequestStatus::error: return "error";
    case RequestStatus::timeout: return "timeout";
  }
  return "ok";
}

RunResults::RunResults(std::string backend, const Topology& topology)
    : backend_(std::move(backend)), topology_(topology), per_api_(topology.apis.size(), stats::QuantileSketch(0.001)) {}

void RunResults::add_request(const RequestResult& r) {
  if (r.warmup) {
    ++warmup_;
    return;
  }
  requests_.push_back(r);
}

void RunResults::add_invocation(ApiIndex api, double latency_us) {
  if (api < per_api_.size()) per_api_[api].add(latency_us);
}

void RunResults::set_host_utilisation(const std::string& host, double u) { utilisation_[host] = u; }
void RunResults::set_extra(const std::string& key, double value) { extra_[key] = value; }
void RunResults::set_info(const std::string& key, const std::string& value) { info_[key] = value; }

void RunResults::write_latencies_csv(std::ostream& out) const {
  out << "request_id,root_api,start_us,latency_us,status\n";
  out << std::fixed << std::setprecision(1);
  for (const auto& r : requests_) {
    std::string root = r.root < topology_.apis.size() ? topology_.api_label(r.root) : "";
    // Labels may hold commas or quotes: quote when needed (RFC 4180).
    if (root.find_first_of(",\"\n") != std::string::npos) {
      std::string q = "\"";
      for (char c : root) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      root = q + "\"";
    }
    out << r.request_id << ',' << root << ',' << r.start_us << ',' << r.latency_us << ',' << to_string(r.status) << '\n';
  }
}

void RunResults::write_summary_json(std::ostream& out) const {
  std::vector<double> ok;
  uint64_t errors = 0, timeouts = 0;
  double first = 0, last = 0;
  for (const auto& r : requests_) {
    if (r.status == RequestStatus::ok) ok.push_back(r.latency_us);
    else if (r.status == RequestStatus::error) ++errors;
    else ++timeouts;
    if (&r == &requests_.front() || r.start_us < first) first = r.start_us;
    last = std::max(last, r.start_us);
  }
  std::sort(ok.begin(), ok.end());
  auto q = [&](double p) {
    if (ok.empty()) return std::nan("");
    double h = p * static_cast<double>(ok.size() - 1);
    auto lo = static_cast<size_t>(h);
    size_t hi = std::min(lo + 1, ok.size() - 1);
    return ok[lo] + (h - static_cast<double>(lo)) * (ok[hi] - ok[lo]);
  };
  double mean = 0;
  for (double x : ok) mean += x;
  if (!ok.empty()) mean /= static_cast<double>(ok.size());
  JsonWriter w(out, true);
  w.begin_object();
  w.key("backend").value(backend_);
  w.key("requests").value(static_cast<uint64_t>(requests_.size()));
  w.key("ok").value(static_cast<uint64_t>(ok.size()));
  w.key("errors").value(errors);
  w.key("timeouts").value(timeouts);
  w.key("warmup_requests").value(warmup_);
  w.key("offered_rate_per_s").value(last > first ? static_cast<double>(requests_.size() - 1) / ((last - first) / 1e6) : 0.0);
  w.key("latency_us").begin_object();
  w.key("mean").value(mean);
  w.key("p50").value(q(0.5)).key("p90").value(q(0.9)).key("p99").value(q(0.99)).key("p99.9").value(q(0.999));
  w.key("max").value(ok.empty() ? std::nan("") : ok.back());
  w.end_object();
  w.key("apis").begin_object();
  for (size_t a = 0; a < per_api_.size(); ++a) {
    const auto& s = per_api_[a];
    if (s.count() == 0) continue;
    w.key(topology_.api_label(static_cast<ApiIndex>(a))).begin_object();
    w.key("invocations").value(s.count());
    w.key("p50_us").value(s.quantile(0.5)).key("p90_us").value(s.quantile(0.9)).key("p99_us").value(s.quantile(0.99));
    w.end_object();
  }
  w.end_object();
  w.key("host_utilisation").begin_object();
  for (const auto& [h, u] : utilisation_) w.key(h).value(u);
  w.end_object();
  w.key("extra").begin_object();
  for (const auto& [k, v] : extra_) w.key(k).value(v);
  w.end_object();
  w.key("info").begin_object();
  for (const auto& [k, v] : info_) w.key(k).value(v);
  w.end_object();
  w.end_object();
  out << "\n";
}

void RunResults::write(const std::string& dir) const {
  auto open = [&](const std::string& name) {
    std::ofstream f(dir + "/" + name, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(ErrorKind::io, "cannot write").at_file(dir + "/" + name);
    return f;
  };
  {
    auto f = open("latencies.csv");
    write_latencies_csv(f);
    if (!f.flush()) throw Error(ErrorKind::io, "write failed").at_file(dir + "/latencies.csv");
  }
  auto f = open("summary.json");
  write_summary_json(f);
  if (!f.flush()) throw Error(ErrorKind::io, "write failed").at_file(dir + "/summary.json");
}

}  // namespace palette::model
