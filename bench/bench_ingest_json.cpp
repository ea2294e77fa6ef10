// Ingestion throughput of the JSON formats: the whole path (read, split, parse, assemble, normalize)
// on synthetic files this benchmark writes itself, reported as spans/s and MB/s of file.
// Target (issue 2): >= 300 MB/s on Jaeger / OTLP JSON.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "palette/ingest/ingest.hpp"
#include "palette/ingest/synthetic.hpp"
#include "palette/ingest/trace_writer.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

std::string make_file(const std::string& format, uint64_t traces) {
  auto path = std::filesystem::temp_directory_path() / ("palette-bench-" + format + "-" + std::to_string(traces) + ".json");
  if (std::filesystem::exists(path)) return path.string();
  Catalog catalog;
  std::ofstream out(path);
  auto writer = TraceWriter::create(format, out, catalog);
  SyntheticSpec spec;
  spec.traces = traces;
  spec.services = 20;
  spec.depth = 4;
  generate_synthetic(spec, catalog, [&](CallTree&& t) { writer->add(t); });
  writer->finish();
  return path.string();
}

void BM_Ingest(benchmark::State& state, const std::string& format) {
  const std::string path = make_file(format, static_cast<uint64_t>(state.range(0)));
  const auto bytes = static_cast<double>(std::filesystem::file_size(path));
  uint64_t spans = 0;
  for (auto _ : state) {
    Catalog catalog;
    Diagnostics diag;
    uint64_t trees = 0;
    auto report = ingest::ingest({path}, {}, catalog, diag, [&](CallTree&& t) { trees += t.nodes.size(); });
    spans = report.spans_read;
    benchmark::DoNotOptimize(trees);
  }
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB/s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["spans"] = static_cast<double>(spans);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Ingest, jaeger, std::string("jaeger"))->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Ingest, otlp, std::string("otlp"))->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
