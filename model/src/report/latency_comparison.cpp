#include "palette/report/latency_comparison.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "palette/error.hpp"
#include "palette/json_writer.hpp"
#include "palette/report/cdf_plot.hpp"
#include "palette/report/series_style.hpp"

namespace palette::report {
namespace {

namespace fs = std::filesystem;

std::string describe_what(const std::string& what) {
  return what == "root" ? "end-to-end (root) latency" : "latency of API " + what;
}

std::string format_pvalue(double p) {
  if (p < 1e-16) return "<1e-16";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", p);
  return buf;
}

std::string format_ks(double ks) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", ks);
  return buf;
}

std::string excluded_text(const stats::Latencies& l) {
  std::string s;
  for (const auto& [reason, n] : l.excluded) s += (s.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  return s;
}

// File names (without folders) a path held that were not read: a results folder's spans when its
// latencies.csv answers, files no reader recognises.
std::string ignored_text(const stats::Latencies& l) {
  std::string s;
  const size_t shown = 4;
  for (size_t k = 0; k < l.ignored_files.size() && k < shown; ++k)
    s += (k ? ", " : "") + fs::path(l.ignored_files[k]).filename().string();
  if (l.ignored_files.size() > shown) s += ", ... (" + std::to_string(l.ignored_files.size() - shown) + " more)";
  return s;
}

// Rows of text padded into columns; the first `left` columns are left-aligned, the others right.
void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows, size_t left) {
  std::vector<size_t> width;
  auto display = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;  // code points: "µs" is two columns, not three
    return n;
  };
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], display(r[c]));
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      std::string pad(width[c] - display(r[c]), ' ');
      line += (c ? "  " : "") + (c < left ? r[c] + pad : pad + r[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void write_input_json(JsonWriter& w, const ComparedInput& in, const stats::SampleSummary& s) {
  w.begin_object();
  w.key("name").value(in.name);
  w.key("path").value(in.latencies.path);
  w.key("source").value(in.latencies.source);
  w.key("count").value(s.count);
  w.key("excluded").begin_object();
  for (const auto& [reason, n] : in.latencies.excluded) w.key(reason).value(n);
  w.end_object();
  w.key("files").begin_array();
  for (const auto& f : in.latencies.files) w.value(f);
  w.end_array();
  w.key("ignored_files").begin_array();
  for (const auto& f : in.latencies.ignored_files) w.value(f);
  w.end_array();
  w.key("anomalies").begin_object();
  for (const auto& [k, n] : in.latencies.anomalies) w.key(k).value(n);
  w.end_object();
  w.key("min_us").value(s.min_us).key("mean_us").value(s.mean_us).key("max_us").value(s.max_us);
  w.key("p50_us").value(s.p50_us).key("p90_us").value(s.p90_us).key("p99_us").value(s.p99_us);
  w.key("p99_9_us").value(s.p999_us);
  w.end_object();
}

void write_pair_fields(JsonWriter& w, const std::string& a, const std::string& b, const stats::Comparison& c) {
  w.key("a").value(a).key("b").value(b);
  w.key("ks").value(c.ks).key("ks_pvalue").value(c.ks_pvalue).key("wasserstein_us").value(c.wasserstein_us);
  w.key("p50_rel_err").value(c.p50_rel_err).key("p99_rel_err").value(c.p99_rel_err);
}

}  // namespace

std::string format_latency_us(double us) {
  if (std::isnan(us)) return "n/a";
  char buf[32];
  double a = std::fabs(us);
  if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3g s", us / 1e6);
  else if (a >= 1e3) std::snprintf(buf, sizeof buf, "%.3g ms", us / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3g \u00b5s", us);
  return buf;
}

std::string format_relative(double rel) {
  if (std::isnan(rel)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", rel * 100);
  return buf;
}

std::vector<std::string> names_from_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  std::set<std::string> taken;
  for (const auto& p : paths) {
    fs::path path(p);
    if (!path.has_filename()) path = path.parent_path();  // "results/sim/"
    std::string base = path.filename().string();
    std::string stem = base.substr(0, base.find('.'));
    if ((stem.empty() || stem == "latencies") && path.has_parent_path()) stem = path.parent_path().filename().string();
    if (stem.empty()) stem = base.empty() ? p : base;
    std::string name = stem;
    for (int k = 2; taken.count(name); ++k) name = stem + " (" + std::to_string(k) + ")";
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

LatencyComparison compare_inputs(std::vector<ComparedInput> inputs, std::string what) {
  if (inputs.size() < 2)
    throw Error(ErrorKind::missing, "a comparison needs at least two inputs, got " + std::to_string(inputs.size()));
  LatencyComparison c;
  c.what = std::move(what);
  c.inputs = std::move(inputs);
  for (size_t k = 1; k < c.inputs.size(); ++k) c.pairs.push_back(stats::compare(c.inputs[0].sample, c.inputs[k].sample));
  return c;
}

LatencyComparison compare_latencies(const std::vector<std::string>& paths, std::vector<std::string> names,
                                    const stats::LatencyOptions& options) {
  if (paths.size() < 2)
    throw Error(ErrorKind::missing, "give at least two inputs to compare, got " + std::to_string(paths.size()))
        .at_key("PATH");
  if (names.empty()) names = names_from_paths(paths);
  if (names.size() != paths.size())
    throw Error(ErrorKind::bad_value, std::to_string(names.size()) + " names for " + std::to_string(paths.size()) + " inputs")
        .at_key("--names")
        .with_hint("give one name per input, separated by commas");
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (n.empty()) throw Error(ErrorKind::bad_value, "an input name is empty").at_key("--names");
    if (!seen.insert(n).second) throw Error(ErrorKind::bad_value, "name \"" + n + "\" is given twice").at_key("--names");
  }
  std::vector<ComparedInput> inputs;
  for (size_t k = 0; k < paths.size(); ++k) {
    ComparedInput in;
    in.name = names[k];
    in.latencies = stats::read_latencies(paths[k], options);
    in.sample = stats::Sample(in.latencies.values_us);
    inputs.push_back(std::move(in));
  }
  return compare_inputs(std::move(inputs), options.what);
}

void write_comparison_json(std::ostream& out, const LatencyComparison& c) {
  JsonWriter w(out, true);
  w.begin_object();
  w.key("what").value(c.what);
  w.key("inputs").begin_array();
  for (size_t k = 0; k < c.inputs.size(); ++k)
    write_input_json(w, c.inputs[k], k == 0 ? c.pairs.at(0).a : c.pairs.at(k - 1).b);
  w.end_array();
  if (c.pairs.size() == 1) {
    write_pair_fields(w, c.inputs[0].name, c.inputs[1].name, c.pairs[0]);
  } else {
    w.key("pairs").begin_array();
    for (size_t k = 0; k < c.pairs.size(); ++k) {
      w.begin_object();
      write_pair_fields(w, c.inputs[0].name, c.inputs[k + 1].name, c.pairs[k]);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  out << "\n";
}

void write_comparison_text(std::ostream& out, const LatencyComparison& c) {
  out << describe_what(c.what) << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"input", "n", "p50", "p90", "p99", "p99.9", "mean", "max"}};
  for (size_t k = 0; k < c.inputs.size(); ++k) {
    const auto& s = k == 0 ? c.pairs[0].a : c.pairs[k - 1].b;
    rows.push_back({c.inputs[k].name, std::to_string(s.count), format_latency_us(s.p50_us), format_latency_us(s.p90_us),
                    format_latency_us(s.p99_us), format_latency_us(s.p999_us), format_latency_us(s.mean_us),
                    format_latency_us(s.max_us)});
  }
  write_columns(out, rows, 1);
  for (const auto& in : c.inputs) {
    if (!in.latencies.excluded.empty())
      out << "  " << in.name << ": left out " << in.latencies.excluded_total() << " (" << excluded_text(in.latencies)
          << ")\n";
    if (!in.latencies.ignored_files.empty()) out << "  " << in.name << ": not read: " << ignored_text(in.latencies) << "\n";
  }
  out << "\n";
  rows = {{"against " + c.inputs[0].name, "KS", "p-value", "Wasserstein", "p50 err", "p99 err"}};
  for (size_t k = 0; k < c.pairs.size(); ++k) {
    const auto& p = c.pairs[k];
    rows.push_back({c.inputs[k + 1].name, format_ks(p.ks), format_pvalue(p.ks_pvalue), format_latency_us(p.wasserstein_us),
                    format_relative(p.p50_rel_err), format_relative(p.p99_rel_err)});
  }
  write_columns(out, rows, 1);
  out << "\nKS: largest gap between the two CDFs (0 = same; two halves of 1000 real traces differ by ~0.05).\n"
         "Errors: (input - "
      << c.inputs[0].name << ") / " << c.inputs[0].name << ".\n";
}

void add_comparison_sections(HtmlPage& page, const LatencyComparison& c) {
  std::vector<std::string> swatches;
  for (size_t k = 0; k < c.inputs.size(); ++k) swatches.push_back(series_style(k).color);

  page.section("Inputs");
  HtmlTable inputs;
  inputs.header = {"name", "source", "path", "requests", "left out", "files not read"};
  inputs.numeric = {false, false, false, true, false, false};
  inputs.swatches = swatches;
  for (const auto& in : c.inputs) {
    std::string left_out = excluded_text(in.latencies);
    inputs.rows.push_back({in.name, in.latencies.source == "traces" ? "traces" : "latencies CSV", in.latencies.path,
                           std::to_string(in.sample.size()), left_out.empty() ? "none" : left_out,
                           in.latencies.ignored_files.empty() ? "none" : ignored_text(in.latencies)});
  }
  page.table(inputs);
  page.note("The first input is the reference every other input is compared against.");

  std::vector<CdfSeries> series;
  for (const auto& in : c.inputs) series.push_back({in.name, &in.sample});
  page.section("Distributions");
  CdfPlotOptions cdf;
  cdf.title = "CDF of the " + describe_what(c.what);
  page.figure(cdf_plot_svg(series, cdf), "Empirical CDFs on a log latency axis; dots mark each input's p50 and p99.");
  cdf.tail = true;
  cdf.title = "Tail of the " + describe_what(c.what);
  page.figure(cdf_plot_svg(series, cdf),
              "The share of requests slower than x on a log scale: differences at p99 and beyond show here.");

  page.section("Quantiles");
  HtmlTable q;
  q.header = {"input", "n", "p50", "p90", "p99", "p99.9", "mean", "max"};
  q.numeric = {false, true, true, true, true, true, true, true};
  q.swatches = swatches;
  for (size_t k = 0; k < c.inputs.size(); ++k) {
    const auto& s = k == 0 ? c.pairs[0].a : c.pairs[k - 1].b;
    q.rows.push_back({c.inputs[k].name, std::to_string(s.count), format_latency_us(s.p50_us), format_latency_us(s.p90_us),
                      format_latency_us(s.p99_us), format_latency_us(s.p999_us), format_latency_us(s.mean_us),
                      format_latency_us(s.max_us)});
  }
  page.table(q);

  page.section("Against " + c.inputs[0].name);
  HtmlTable d;
  d.header = {"input", "KS", "KS p-value", "Wasserstein-1", "p50 error", "p99 error"};
  d.numeric = {false, true, true, true, true, true};
  d.swatches.assign(swatches.begin() + 1, swatches.end());
  for (size_t k = 0; k < c.pairs.size(); ++k) {
    const auto& p = c.pairs[k];
    d.rows.push_back({c.inputs[k + 1].name, format_ks(p.ks), format_pvalue(p.ks_pvalue), format_latency_us(p.wasserstein_us),
                      format_relative(p.p50_rel_err), format_relative(p.p99_rel_err)});
  }
  page.table(d);
  page.note("KS: the largest vertical gap between the two empirical CDFs (0 = identical, 1 = disjoint); two random "
            "halves of 1 000 real traces differ by about 0.05, so KS up to ~0.05 is sampling noise. With large "
            "samples the p-value flags even tiny differences: judge by KS itself. Wasserstein-1: the area between the "
            "CDFs, i.e. the mean shift needed to turn one distribution into the other. Errors: (input \u2212 reference) "
            "/ reference. Quantiles interpolate linearly between order statistics (type 7, numpy's default).");
}

std::string comparison_report_html(const LatencyComparison& c) {
  std::string title = "Latency comparison: ";
  for (size_t k = 0; k < c.inputs.size(); ++k) title += (k ? " vs " : "") + c.inputs[k].name;
  HtmlPage page(title);
  page.paragraph("The " + describe_what(c.what) + " of " + std::to_string(c.inputs.size()) + " inputs.");
  add_comparison_sections(page, c);
  return page.str();
}

std::string write_comparison_report(const std::string& dir, const LatencyComparison& c, bool force) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::io, "cannot create the report folder: " + ec.message()).at_file(dir);
  std::string path = (fs::path(dir) / "report.html").string();
  if (!force && fs::exists(path))
    throw Error(ErrorKind::bad_value, "already exists; not overwriting it").at_file(path).with_hint("pass --force to replace it");
  std::string html = comparison_report_html(c);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(path);
  out << html;
  out.flush();
  if (!out) throw Error(ErrorKind::io, "write failed (disk full?)").at_file(path);
  return path;
}

}  // namespace palette::report
