#include "palette/results/run_results.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
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

struct RunResults::Stream {
  std::string path;
  std::ofstream csv;
  stats::QuantileSketch ok;
  uint64_t requests = 0, errors = 0, timeouts = 0;
  double first = 0, last = 0, sum = 0, accuracy;
  explicit Stream(double a) : ok(a), accuracy(a) {}
};

RunResults::RunResults(std::string backend, const Topology& topology)
    : backend_(std::move(backend)), topology_(topology), per_api_(topology.apis.size(), stats::QuantileSketch(0.001)) {}

RunResults::~RunResults() = default;

void RunResults::stream_to(const std::string& dir, double accuracy) {
  stream_ = std::make_unique<Stream>(accuracy);
  stream_->path = dir + "/latencies.csv";
  stream_->csv.open(stream_->path, std::ios::binary | std::ios::trunc);
  if (!stream_->csv) throw Error(ErrorKind::io, "cannot write").at_file(stream_->path);
  stream_->csv << "request_id,root_api,start_us,latency_us,status\n" << std::fixed << std::setprecision(1);
  for (const auto& r : requests_) add_request(r);
  requests_.clear();
}

void RunResults::add_request(const RequestResult& r) {
  if (r.warmup) {
    ++warmup_;
    return;
  }
  if (!stream_) {
    requests_.push_back(r);
    return;
  }
  Stream& s = *stream_;
  write_row(s.csv, r);
  if (s.requests == 0 || r.start_us < s.first) s.first = r.start_us;
  s.last = std::max(s.last, r.start_us);
  ++s.requests;
  if (r.status == RequestStatus::ok) {
    s.ok.add(r.latency_us);
    s.sum += r.latency_us;
  } else if (r.status == RequestStatus::error) {
    ++s.errors;
  } else {
    ++s.timeouts;
  }
}

void RunResults::add_invocation(ApiIndex api, double latency_us) {
  if (api < per_api_.size()) per_api_[api].add(latency_us);
}

void RunResults::set_host_utilisation(const std::string& host, double u) { utilisation_[host] = u; }
void RunResults::set_extra(const std::string& key, double value) { extra_[key] = value; }
void RunResults::set_info(const std::string& key, const std::string& value) { info_[key] = value; }

void RunResults::write_row(std::ostream& out, const RequestResult& r) const {
  std::string root = r.root < topology_.apis.size() ? topology_.api_label(r.root) : "";
  // Labels may hold commas or quotes: quote when needed (RFC 4180).
  if (root.find_first_of(",\"\n") != std::string::npos) {
    std::string q = "\"";
    for (char c : root) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    root = q + "\"";
  }
  out << r.request_id << ',' << root << ',' << r.start_us << ',' << r.latency_us << ',' << to_string(r.status) << '\n';
}

void RunResults::write_latencies_csv(std::ostream& out) const {
  out << "request_id,root_api,start_us,latency_us,status\n";
  out << std::fixed << std::setprecision(1);
  for (const auto& r : requests_) write_row(out, r);
}

void RunResults::write_summary_json(std::ostream& out) const {
  std::vector<double> ok;
  uint64_t requests = requests_.size(), n_ok = 0, errors = 0, timeouts = 0;
  double first = 0, last = 0, mean = 0, max = std::nan("");
  std::function<double(double)> q;
  if (stream_) {
    const Stream& s = *stream_;
    requests = s.requests;
    n_ok = s.ok.count();
    errors = s.errors;
    timeouts = s.timeouts;
    first = s.first;
    last = s.last;
    if (n_ok > 0) {
      mean = s.sum / static_cast<double>(n_ok);
      max = s.ok.max();
    }
    q = [&s](double p) { return s.ok.quantile(p); };
  } else {
    for (const auto& r : requests_) {
      if (r.status == RequestStatus::ok) ok.push_back(r.latency_us);
      else if (r.status == RequestStatus::error) ++errors;
      else ++timeouts;
      if (&r == &requests_.front() || r.start_us < first) first = r.start_us;
      last = std::max(last, r.start_us);
    }
    std::sort(ok.begin(), ok.end());
    n_ok = ok.size();
    for (double x : ok) mean += x;
    if (!ok.empty()) {
      mean /= static_cast<double>(ok.size());
      max = ok.back();
    }
    q = [&ok](double p) {
      if (ok.empty()) return std::nan("");
      double h = p * static_cast<double>(ok.size() - 1);
      auto lo = static_cast<size_t>(h);
      size_t hi = std::min(lo + 1, ok.size() - 1);
      return ok[lo] + (h - static_cast<double>(lo)) * (ok[hi] - ok[lo]);
    };
  }
  JsonWriter w(out, true);
  w.begin_object();
  w.key("backend").value(backend_);
  w.key("requests").value(requests);
  w.key("ok").value(n_ok);
  w.key("errors").value(errors);
  w.key("timeouts").value(timeouts);
  w.key("warmup_requests").value(warmup_);
  w.key("offered_rate_per_s").value(last > first ? static_cast<double>(requests - 1) / ((last - first) / 1e6) : 0.0);
  w.key("latency_us").begin_object();
  w.key("mean").value(mean);
  w.key("p50").value(q(0.5)).key("p90").value(q(0.9)).key("p99").value(q(0.99)).key("p99.9").value(q(0.999));
  w.key("max").value(max);
  if (stream_) w.key("relative_accuracy").value(stream_->accuracy);
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
  if (stream_) {
    if (!stream_->csv.flush()) throw Error(ErrorKind::io, "write failed").at_file(stream_->path);
  } else {
    auto f = open("latencies.csv");
    write_latencies_csv(f);
    if (!f.flush()) throw Error(ErrorKind::io, "write failed").at_file(dir + "/latencies.csv");
  }
  auto f = open("summary.json");
  write_summary_json(f);
  if (!f.flush()) throw Error(ErrorKind::io, "write failed").at_file(dir + "/summary.json");
}

}  // namespace palette::model
