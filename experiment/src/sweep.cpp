#include "palette/experiment/sweep.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "palette/error.hpp"
#include "palette/report/html_page.hpp"
#include "palette/report/line_chart.hpp"

namespace palette::experiment {
namespace fs = std::filesystem;
namespace {

std::string point_dir(const std::string& out, size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "points/%03zu", i);
  return out + "/" + name;
}

// The child: run one point, leave metrics.txt ("key value" lines) or error.txt.
[[noreturn]] void run_child(const ExperimentConfig& base, const SweepPoint& point, const RunOptions& options,
                            const std::string& dir) {
  int code = 0;
  try {
    ExperimentConfig c = parse_experiment_with(base.text, base.file, base.dir, point);
    c.sweep = SweepSection{};
    RunOptions o = options;
    o.output_dir = dir;
    o.force = true;
    ExperimentResult r = run_experiment(c, o);
    std::ofstream m(dir + "/metrics.txt");
    m << std::setprecision(17);
    for (const auto& [k, v] : r.metrics()) m << k << ' ' << v << '\n';
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream(dir + "/error.txt") << e.what() << "\n";
    code = 1;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

void read_point(SweepPointResult& p) {
  std::ifstream m(p.dir + "/metrics.txt");
  if (m) {
    std::string k;
    double v;
    while (m >> k >> v) p.metrics[k] = v;
    p.ok = true;
    return;
  }
  std::ifstream e(p.dir + "/error.txt");
  std::getline(e, p.error);
  if (p.error.empty()) p.error = "the point's process failed without a message";
}

bool as_number(const std::string& s, double& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

void write_csv(const SweepResult& r, const std::vector<std::string>& params, const std::vector<std::string>& metrics) {
  std::ofstream out(r.csv_path);
  out << "point";
  for (const auto& p : params) out << ',' << p;
  for (const auto& m : metrics) out << ',' << m;
  out << ",status\n" << std::setprecision(10);
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& p = r.points[i];
    out << i;
    for (const auto& [k, v] : p.point) out << ',' << v;
    for (const auto& m : metrics) {
      auto it = p.metrics.find(m);
      out << ',';
      if (it != p.metrics.end()) out << it->second;
    }
    std::string err = p.error;
    for (char& ch : err)
      if (ch == '"') ch = '\'';
    out << ',' << (p.ok ? "ok" : "\"error: " + err + "\"") << '\n';
  }
  if (!out.flush()) throw Error(ErrorKind::io, "cannot write").at_file(r.csv_path);
}

void write_report(const std::string& dir, const ExperimentConfig& c, const SweepResult& r, const std::vector<std::string>& params) {
  report::HtmlPage page("palette sweep: " + (c.name.empty() ? c.file : c.name));
  page.section("Sweep");
  page.paragraph(std::to_string(r.points.size()) + " points over " + std::to_string(params.size()) + " parameter(s), " +
                 c.sweep.mode + "; every point's results are in points/NNN/, the numbers in sweep.csv.");
  // x: the first parameter (numeric); one series per metric and value of the other parameters.
  std::map<std::string, report::LineSeries> series;
  for (const auto& p : r.points) {
    double x;
    if (!p.ok || !as_number(p.point[0].second, x)) continue;
    std::string rest;
    for (size_t k = 1; k < p.point.size(); ++k) rest += ", " + p.point[k].first + "=" + p.point[k].second;
    for (const char* m : {"sim.p50_us", "sim.p99_us", "emu.p50_us", "emu.p99_us"}) {
      auto it = p.metrics.find(m);
      if (it == p.metrics.end()) continue;
      auto& s = series[std::string(m) + rest];
      s.name = std::string(m).substr(0, std::string(m).size() - 3) + rest;
      s.x.push_back(x);
      s.y.push_back(it->second / 1000.0);
    }
  }
  if (!series.empty()) {
    std::vector<report::LineSeries> list;
    for (auto& [k, s] : series) list.push_back(s);
    report::LineChartOptions o;
    o.title = "End-to-end latency against " + params[0];
    o.x_label = params[0];
    o.y_label = "latency (ms)";
    page.figure(report::line_chart_svg(list, o), "p50 and p99 of the end-to-end latency at each point.");
  }
  report::HtmlTable t;
  t.header = {"point"};
  for (const auto& p : params) t.header.push_back(p);
  for (const char* m : {"p50 (sim)", "p99 (sim)", "KS vs traces (sim)", "status"}) t.header.push_back(m);
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& p = r.points[i];
    std::vector<std::string> row{std::to_string(i)};
    for (const auto& [k, v] : p.point) row.push_back(v);
    auto get = [&](const char* m, double scale) {
      auto it = p.metrics.find(m);
      if (it == p.metrics.end()) return std::string("-");
      std::ostringstream o;
      o << std::setprecision(4) << it->second / scale;
      return o.str();
    };
    row.push_back(get("sim.p50_us", 1000) + " ms");
    row.push_back(get("sim.p99_us", 1000) + " ms");
    row.push_back(get("sim.ks", 1));
    row.push_back(p.ok ? "ok" : p.error);
    t.rows.push_back(row);
  }
  page.table(t);
  std::ofstream(dir + "/report.html") << page.str();
}

}  // namespace

std::vector<SweepPoint> sweep_points(const SweepSection& s) {
  std::vector<SweepPoint> out;
  if (s.parameters.empty()) return out;
  if (s.mode == "zip") {
    for (size_t i = 0; i < s.parameters[0].values.size(); ++i) {
      SweepPoint p;
      for (const auto& param : s.parameters) p.emplace_back(param.path, param.values[i]);
      out.push_back(p);
    }
    return out;
  }
  out.push_back({});
  for (const auto& param : s.parameters) {
    std::vector<SweepPoint> next;
    for (const auto& p : out)
      for (const auto& v : param.values) {
        SweepPoint q = p;
        q.emplace_back(param.path, v);
        next.push_back(q);
      }
    out = std::move(next);
  }
  return out;
}

SweepResult run_sweep(const ExperimentConfig& c, const RunOptions& options, const RunProgressFn& progress) {
  std::error_code ec;
  if (fs::is_directory(options.output_dir, ec) && fs::directory_iterator(options.output_dir, ec) != fs::directory_iterator() &&
      !options.force)
    throw Error(ErrorKind::bad_value, "the output folder is not empty; not overwriting it")
        .at_file(options.output_dir)
        .with_hint("pass --force, or choose another folder");
  // Every point's config is checked before anything runs: a bad value stops the sweep at once.
  std::vector<SweepPoint> points = sweep_points(c.sweep);
  for (const auto& p : points) parse_experiment_with(c.text, c.file, c.dir, p);
  fs::create_directories(options.output_dir + "/points");
  SweepResult r;
  r.csv_path = options.output_dir + "/sweep.csv";
  for (size_t i = 0; i < points.size(); ++i) r.points.push_back(SweepPointResult{points[i], point_dir(options.output_dir, i), false, "", {}});
  // The fit is shared: prepare it once so every point finds it in the cache.
  prepare_model(c, options, progress);
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  size_t parallel = c.sweep.parallel ? c.sweep.parallel : static_cast<size_t>(std::max(1L, cores));
  if (c.emu.enabled) parallel = 1;  // emulated points measure real time: never side by side
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  while (done < points.size()) {
    while (next < points.size() && running.size() < parallel) {
      fs::create_directories(r.points[next].dir, ec);
      std::fflush(nullptr);
      pid_t pid = ::fork();
      if (pid < 0) throw Error(ErrorKind::internal, "fork failed for a sweep point");
      if (pid == 0) run_child(c, points[next], options, r.points[next].dir);
      running[pid] = next++;
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    read_point(r.points[it->second]);
    running.erase(it);
    ++done;
    if (progress) progress("sweep", std::to_string(done) + "/" + std::to_string(points.size()) + " points");
  }
  std::set<std::string> metric_names;
  for (const auto& p : r.points)
    for (const auto& [k, v] : p.metrics) metric_names.insert(k);
  std::vector<std::string> params;
  for (const auto& p : c.sweep.parameters) params.push_back(p.path);
  write_csv(r, params, {metric_names.begin(), metric_names.end()});
  write_report(options.output_dir, c, r, params);
  return r;
}

}  // namespace palette::experiment
