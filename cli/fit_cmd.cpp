// palette fit / palette sample: traces -> topology.yaml -> synthetic traces.
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/ingest/trace_writer.hpp"
#include "palette/topology/fit.hpp"
#include "palette/topology/model_sampling.hpp"
#include "palette/topology/topology_yaml.hpp"
#include "trace_options.hpp"

namespace palette::cli {
namespace {

model::Conditioning parse_conditioning(const std::string& s) {
  if (s == "caller") return model::Conditioning::caller;
  if (s == "none") return model::Conditioning::none;
  throw Error(ErrorKind::bad_value, "expected caller or none, got \"" + s + "\"").at_key("--conditioning");
}

int fit(const Args& args) {
  TraceInputOptions in;
  model::FitOptions fo;
  std::string output, conditioning = "caller";
  bool force = false;
  po::options_description desc("palette fit");
  in.add_to(desc);
  desc.add_options()
    ("output,o", po::value(&output), "topology file to write (required)")
    ("conditioning", po::value(&conditioning)->default_value(conditioning), "caller (the model) or none (the naive baseline)")
    ("latency-classes", po::value(&fo.latency_classes)->default_value(fo.latency_classes), "per-request latency classes (1 = independent draws)")
    ("structure-classes", po::value(&fo.structure_classes)->default_value(fo.structure_classes), "per-request structure classes (1 = independent choices)")
    ("min-context", po::value(&fo.min_context_count)->default_value(fo.min_context_count), "invocations a context needs before it is kept")
    ("alpha", po::value(&fo.alergia_alpha)->default_value(fo.alergia_alpha), "PFA state-merging confidence")
    ("seed", po::value(&fo.seed)->default_value(fo.seed), "random seed")
    ("force", po::bool_switch(&force), "overwrite the output file");
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  if (!parse_options(args, "palette fit [options] PATH... -o topology.yaml", desc, pos, vm)) return 0;
  if (in.paths.empty()) throw Error(ErrorKind::missing, "give at least one trace file, directory or glob").at_key("PATH");
  if (output.empty()) throw Error(ErrorKind::missing, "give the topology file to write").at_key("--output");
  fo.conditioning = parse_conditioning(conditioning);
  auto out = open_output(output, force);

  Progress bar("fitting");
  auto traces = ingest::load_traces(in.paths, in.to_ingest(), ingest_progress_to(bar));
  model::FitReport report;
  auto topology = model::fit_topology(traces, fo, &report, [&](const std::string& stage, double f) { bar.update(stage, f); });
  model::save_topology(topology, *out);
  finish_output(*out, output);
  bar.done();
  std::cerr << "fitted " << topology.services.size() << " services, " << topology.apis.size() << " APIs, "
            << topology.edges.size() << " edges from " << report.traces << " traces (" << report.invocations
            << " invocations, " << report.local_spans_folded << " in-process spans folded, " << report.async_calls
            << " async calls) -> " << output << "\n";
  auto anomalies = traces.diag.nonzero();
  if (!anomalies.empty()) {
    std::cerr << "ingestion anomalies:";
    for (const auto& [k, n] : anomalies) std::cerr << " " << k << "=" << n;
    std::cerr << " (see palette traces stats)\n";
  }
  return 0;
}

int sample(const Args& args) {
  std::string topology_path, output, format = "jaeger";
  uint64_t n = 1000, seed = 1;
  double rate = 0;
  bool force = false;
  po::options_description desc("palette sample");
  desc.add_options()
    ("topology", po::value(&topology_path), "topology.yaml")
    ("requests,n", po::value(&n)->default_value(n), "number of traces")
    ("seed", po::value(&seed)->default_value(seed), "random seed (same seed, byte-identical file)")
    ("rate", po::value(&rate), "root arrivals per second for the timestamps (default: the topology's traced rate)")
    ("format", po::value(&format)->default_value(format), "jaeger or otlp")
    ("output,o", po::value(&output), "file to write (required)")
    ("force", po::bool_switch(&force), "overwrite the output file");
  po::positional_options_description pos;
  pos.add("topology", 1);
  po::variables_map vm;
  if (!parse_options(args, "palette sample topology.yaml -n N [--seed S] -o traces.json", desc, pos, vm)) return 0;
  if (topology_path.empty()) throw Error(ErrorKind::missing, "give the topology file").at_key("topology");
  if (output.empty()) throw Error(ErrorKind::missing, "give the file to write").at_key("--output");
  model::Topology topology = model::load_topology_file(topology_path);
  if (rate <= 0) rate = topology.arrival_rate_per_s > 0 ? topology.arrival_rate_per_s : 10.0;
  auto out = open_output(output, force);
  Catalog catalog;
  auto writer = ingest::TraceWriter::create(format, *out, catalog);
  model::ModelSampler sampler(topology, seed, catalog);
  model::Rng arrivals(seed ^ 0xA7712A1ULL);
  double t_us = 1.7e15;  // a fixed epoch so files do not depend on the clock
  Progress bar("sampling");
  for (uint64_t r = 0; r < n; ++r) {
    writer->add(sampler.sample(r, static_cast<int64_t>(t_us)));
    t_us += arrivals.exponential(1e6 / rate);
    if (r % 1000 == 999) bar.update(std::to_string(r + 1) + " traces", static_cast<double>(r + 1) / static_cast<double>(n));
  }
  writer->finish();
  finish_output(*out, output);
  bar.done();
  std::cerr << "wrote " << n << " traces to " << output << "\n";
  if (sampler.truncated_calls())
    std::cerr << "warning: " << sampler.truncated_calls() << " calls cut at depth " << model::ModelSampler::kMaxDepth << "\n";
  return 0;
}

}  // namespace

std::vector<Command> fit_commands() {
  return {
      {"fit", "fit a topology (call graph + PFA + GCM per API) from traces", fit},
      {"sample", "write synthetic traces drawn from a topology", sample},
  };
}

}  // namespace palette::cli
