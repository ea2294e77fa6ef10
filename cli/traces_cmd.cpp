// palette traces stats|formats: look at trace files before fitting anything.
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "trace_options.hpp"
#include "palette/error.hpp"
#include "palette/ingest/ingest.hpp"
#include "palette/ingest/synthetic.hpp"
#include "palette/ingest/trace_writer.hpp"
#include "palette/json_writer.hpp"
#include "palette/stats/trace_stats.hpp"

namespace palette::cli {
namespace {

void write_json(std::ostream& out, const ingest::IngestReport& report, const stats::TraceSummary& s,
                const ingest::Diagnostics& diag) {
  JsonWriter w(out, true);
  w.begin_object();
  w.key("traces").value(s.traces);
  w.key("spans").value(s.spans);
  w.key("calls").value(s.calls);
  w.key("services").value(s.services);
  w.key("apis").value(s.apis);
  w.key("edges").value(s.edges);
  w.key("max_depth").value(s.max_depth);
  w.key("max_span_depth").value(s.max_span_depth);
  w.key("root_latency_us").begin_object();
  w.key("p50").value(s.root_p50_us).key("p90").value(s.root_p90_us).key("p99").value(s.root_p99_us);
  w.key("mean").value(s.root_mean_us);
  w.end_object();
  w.key("traced_window_s").value(static_cast<double>(s.last_start_us - s.first_start_us) / 1e6);
  w.key("active_window_s").value(s.active_window_s);
  w.key("collection_pauses").value(s.collection_pauses);
  w.key("traced_rate_per_s").value(s.traced_rate_per_s);
  w.key("sampling_probability").value(s.sampling_probability);
  w.key("request_rate_per_s").value(s.request_rate_per_s);
  w.key("traces_with_incomplete_timing").value(s.traces_with_incomplete_timing);
  w.key("root_apis").begin_object();
  for (const auto& [api, n] : s.root_apis) w.key(api).value(n);
  w.end_object();
  w.key("call_kinds").begin_object();
  for (const auto& [k, n] : s.node_kinds) w.key(k).value(n);
  w.end_object();
  w.key("anomalies").begin_object();
  for (const auto& [k, n] : diag.nonzero()) w.key(k).value(n);
  w.end_object();
  w.key("malformed_examples").begin_array();
  for (const auto& e : diag.examples()) w.value(e.what());
  w.end_array();
  w.key("files").begin_array();
  for (const auto& f : report.files) {
    w.begin_object();
    w.key("path").value(f.path).key("format").value(f.format).key("detected").value(f.detected);
    w.key("bytes").value(f.bytes_on_disk).key("spans_read").value(f.spans_read);
    w.end_object();
  }
  w.end_array();
  w.key("skipped_files").begin_array();
  for (const auto& f : report.skipped_files) w.value(f);
  w.end_array();
  w.key("spans_read").value(report.spans_read);
  w.key("peak_open_traces").value(static_cast<uint64_t>(report.peak_open_traces));
  w.end_object();
  out << "\n";
}

void write_human(std::ostream& out, const ingest::IngestReport& report, const stats::TraceSummary& s,
                 const ingest::Diagnostics& diag) {
  std::map<std::string, int> formats;
  uint64_t bytes = 0;
  for (const auto& f : report.files) {
    ++formats[f.format];
    bytes += f.bytes_on_disk;
  }
  out << "files          " << report.files.size() << " (";
  bool first = true;
  for (const auto& [f, n] : formats) {
    out << (first ? "" : ", ") << f << ": " << n;
    first = false;
  }
  out << "), " << human_bytes(static_cast<double>(bytes)) << "\n";
  for (const auto& f : report.skipped_files) out << "  skipped (not a trace format palette knows): " << f << "\n";
  out << "traces         " << s.traces << "\n";
  out << "spans          " << s.spans << " (read " << report.spans_read << ")\n";
  out << "calls          " << s.calls << " (";
  first = true;
  for (const auto& [k, n] : s.node_kinds) {
    out << (first ? "" : ", ") << k << " " << n;
    first = false;
  }
  out << ")\n";
  out << "services       " << s.services << "\n";
  out << "APIs           " << s.apis << "\n";
  out << "edges          " << s.edges << "\n";
  out << "max depth      " << s.max_depth << " calls (" << s.max_span_depth << " spans)\n";
  out << "root latency   p50 " << human_us(s.root_p50_us) << ", p90 " << human_us(s.root_p90_us) << ", p99 "
      << human_us(s.root_p99_us) << "\n";
  if (s.traces > 1) {
    out << "traced window  " << static_cast<double>(s.last_start_us - s.first_start_us) / 1e6 << " s";
    if (s.collection_pauses > 0)
      out << " (" << s.active_window_s << " s active: " << s.collection_pauses << " pause"
          << (s.collection_pauses > 1 ? "s" : "") << " in the collection left out)";
    out << ", " << s.traced_rate_per_s << " traces/s";
    if (s.sampling_probability > 0)
      out << " (sampled at " << s.sampling_probability << ": ~" << s.request_rate_per_s << " requests/s)";
    out << "\n";
  }
  out << "root APIs      ";
  for (size_t k = 0; k < s.root_apis.size() && k < 5; ++k)
    out << (k ? "\n               " : "") << s.root_apis[k].first << " (" << s.root_apis[k].second << ")";
  if (s.root_apis.size() > 5) out << "\n               ... " << s.root_apis.size() - 5 << " more";
  out << "\n";
  auto anomalies = diag.nonzero();
  out << "anomalies      " << (anomalies.empty() ? "none" : "") << "\n";
  for (const auto& [k, n] : anomalies) out << "  " << k << ": " << n << "\n";
  for (const auto& e : diag.examples()) out << "  e.g. " << e.what() << "\n";
}

int traces_stats(const Args& args) {
  TraceInputOptions in;
  bool json = false;
  po::options_description desc("palette traces stats");
  in.add_to(desc);
  desc.add_options()("json", po::bool_switch(&json), "print exactly one JSON object on stdout");
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  if (!parse_options(args, "palette traces stats [options] PATH...", desc, pos, vm)) return 0;
  if (in.paths.empty()) throw Error(ErrorKind::missing, "give at least one trace file, directory or glob").at_key("PATH");

  Catalog catalog;
  ingest::Diagnostics diag;
  stats::TraceStats st;
  Progress bar("reading");
  auto report = ingest::ingest(in.paths, in.to_ingest(), catalog, diag, [&](CallTree&& t) { st.add(t); },
                               ingest_progress_to(bar));
  bar.done();
  auto summary = st.summary(catalog);
  if (json) write_json(std::cout, report, summary, diag);
  else write_human(std::cout, report, summary, diag);
  return 0;
}

int traces_formats(const Args& args) {
  po::options_description desc("palette traces formats");
  po::variables_map vm;
  if (!parse_options(args, "palette traces formats", desc, {}, vm)) return 0;
  for (const auto& f : ingest::ReaderRegistry::builtin().factories())
    std::cout << f.name << std::string(f.name.size() < 10 ? 10 - f.name.size() : 1, ' ') << f.description << "\n";
  return 0;
}

int traces_synth(const Args& args) {
  ingest::SyntheticSpec spec;
  std::string format = "jaeger", output;
  bool force = false;
  po::options_description desc("palette traces synth");
  desc.add_options()
    ("traces,n", po::value(&spec.traces)->default_value(spec.traces), "number of traces")
    ("services", po::value(&spec.services)->default_value(spec.services), "number of services")
    ("apis-per-service", po::value(&spec.apis_per_service)->default_value(spec.apis_per_service), "APIs per service")
    ("depth", po::value(&spec.depth)->default_value(spec.depth), "layers of the call graph")
    ("rate", po::value(&spec.rate_per_s)->default_value(spec.rate_per_s), "root arrivals per second (Poisson)")
    ("seed", po::value(&spec.seed)->default_value(spec.seed), "random seed (same seed, same file)")
    ("format", po::value(&format)->default_value(format), "jaeger or otlp")
    ("output,o", po::value(&output), "file to write (required)")
    ("force", po::bool_switch(&force), "overwrite the output file if it exists");
  po::variables_map vm;
  if (!parse_options(args, "palette traces synth [options] -o FILE", desc, {}, vm)) return 0;
  if (output.empty()) throw Error(ErrorKind::missing, "give the file to write").at_key("--output");
  auto out = open_output(output, force);
  Catalog catalog;
  auto writer = ingest::TraceWriter::create(format, *out, catalog);
  Progress bar("generating");
  uint64_t done = 0;
  ingest::generate_synthetic(spec, catalog, [&](CallTree&& t) {
    writer->add(t);
    if (++done % 1000 == 0) bar.update(std::to_string(done) + " traces", static_cast<double>(done) / static_cast<double>(spec.traces));
  });
  writer->finish();
  finish_output(*out, output);
  bar.done();
  std::cerr << "wrote " << done << " traces to " << output << "\n";
  return 0;
}

}  // namespace

std::vector<Command> traces_commands() {
  return {
      {"traces stats", "summarise trace files: counts, depth, root latency, anomalies", traces_stats},
      {"traces formats", "list the trace formats palette reads", traces_formats},
      {"traces synth", "write synthetic traces of a random microservice system (benchmarks, examples)", traces_synth},
  };
}

}  // namespace palette::cli
