// Ingestion throughput of the span-CSV formats: the whole streaming path (read, split, parse, assemble,
// normalize) on synthetic files this benchmark writes itself, reported as spans/s and MB/s of file, with
// the assembler's peak of open traces and the process's peak RSS.
// Target (issue 2): >= 2 M spans/s per core on Alibaba CSV; memory independent of the number of files.
//
//   build/bench/bench_ingest_csv --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"

using namespace palette;
using namespace palette::ingest;
namespace fs = std::filesystem;

namespace {

// Alibaba v2022 CallGraph rows of synthetic call graphs, time-sorted as the published dumps are:
// `traces_per_s` call graphs start per second of trace time, each a random tree of rpc calls (two rows:
// caller rt > 0, callee rt < 0) with db/mc leaves (one row). Rows are written in timestamp order with a
// heap, so generating N rows needs memory for the rows in flight only.
struct AlibabaSpec {
  uint64_t rows = 1'000'000;
  double traces_per_s = 4000;  // the v2022 dumps hold ~4-5 k call graphs per second
  int files = 1;
  uint64_t seed = 7;
};

std::string alibaba_dir(const AlibabaSpec& spec) {
  fs::path dir = fs::temp_directory_path() / ("palette-bench-alibaba-" + std::to_string(spec.rows) + "-" +
                                               std::to_string(static_cast<int>(spec.traces_per_s)) + "-" +
                                               std::to_string(spec.files));
  if (fs::exists(dir / ".done")) return dir.string();
  fs::create_directories(dir);
  std::mt19937_64 rng(spec.seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  struct Row {
    int64_t ts;
    uint64_t seq;
    std::string text;
    bool operator>(const Row& o) const { return ts != o.ts ? ts > o.ts : seq > o.seq; }
  };
  std::priority_queue<Row, std::vector<Row>, std::greater<>> heap;
  uint64_t seq = 0, written = 0, trace_no = 0;
  const uint64_t per_file = spec.rows / static_cast<uint64_t>(spec.files) + 1;
  int file_no = 0;
  std::FILE* out = nullptr;
  auto emit = [&](const Row& r) {
    if (!out || (written % per_file == 0 && file_no < spec.files)) {
      if (out) std::fclose(out);
      out = std::fopen((dir / ("CallGraph_" + std::to_string(file_no++) + ".csv")).c_str(), "w");
      std::fputs("timestamp,traceid,service,rpc_id,rpctype,um,uminstanceid,interface,dm,dminstanceid,rt\n", out);
    }
    std::fputs(r.text.c_str(), out);
    ++written;
  };
  auto ms = [](int v) { return std::to_string(v) + ".0"; };
  double clock_ms = 0;
  std::exponential_distribution<double> gap(spec.traces_per_s / 1000.0);
  while (written < spec.rows) {
    clock_ms += gap(rng);
    const auto t0 = static_cast<int64_t>(clock_ms);
    while (!heap.empty() && heap.top().ts < t0 && written < spec.rows) {
      emit(heap.top());
      heap.pop();
    }
    const std::string trace = "T_" + std::to_string(1'000'000'000 + trace_no++);
    const std::string service = "S_" + std::to_string(uni(0, 300));
    // Breadth-first tree: (rpcid, caller, start, budget of nested calls)
    struct Call {
      std::string rpcid;
      int um;
      int64_t start;
      int depth;
    };
    std::vector<Call> todo{{"0", -1, t0, 0}};
    int calls = 0;
    while (!todo.empty() && calls < 40) {
      Call c = todo.back();
      todo.pop_back();
      ++calls;
      const int dm = c.um < 0 ? uni(0, 50) : uni(0, 3000);
      const bool leaf_store = c.um >= 0 && uni(0, 3) == 0;
      const std::string um = c.um < 0 ? "USER" : "MS_" + std::to_string(c.um);
      const std::string umi = c.um < 0 ? "USER" : um + "_POD_" + std::to_string(uni(0, 40));
      const std::string dmn = leaf_store ? (uni(0, 1) ? "MC_" : "DB_") + std::to_string(dm % 100) : "MS_" + std::to_string(dm);
      const std::string type = leaf_store ? (dmn[0] == 'M' ? "mc" : "db") : (c.um < 0 ? "http" : "rpc");
      const std::string iface = "if" + std::to_string(dm * 7 + uni(0, 3));
      const int callee_rt = uni(0, 30), caller_rt = callee_rt + uni(0, 3);
      const std::string head = trace + "," + service + "," + c.rpcid + "," + type + "," + um + "," + umi + "," + iface +
                               "," + dmn + "," + dmn + "_POD_" + std::to_string(uni(0, 40)) + ",";
      heap.push(Row{c.start, seq++, std::to_string(c.start) + "," + head + ms(caller_rt) + "\n"});
      if (leaf_store) continue;
      heap.push(Row{c.start + (caller_rt - callee_rt) / 2, seq++, std::to_string(c.start + (caller_rt - callee_rt) / 2) + "," + head + "-" + ms(callee_rt) + "\n"});
      const int kids = c.depth >= 4 ? 0 : uni(0, c.depth == 0 ? 4 : 3);
      for (int k = kids; k >= 1; --k)
        todo.push_back(Call{c.rpcid + "." + std::to_string(k), dm, c.start + uni(0, std::max(1, callee_rt)), c.depth + 1});
    }
  }
  if (out) std::fclose(out);
  std::FILE* done = std::fopen((dir / ".done").c_str(), "w");
  std::fclose(done);
  return dir.string();
}

// Nezha span CSV: traces of an OnlineBoutique-like shape (a frontend root, client spans in the caller,
// server spans in the callee, internal spans), one file, rows of a trace together.
std::string nezha_file(uint64_t traces) {
  fs::path path = fs::temp_directory_path() / ("palette-bench-nezha-" + std::to_string(traces) + ".csv");
  if (fs::exists(path)) return path.string();
  std::mt19937_64 rng(11);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* services[] = {"currencyservice", "productcatalogservice", "cartservice", "recommendationservice",
                            "shippingservice", "adservice", "checkoutservice", "paymentservice", "emailservice"};
  std::FILE* out = std::fopen(path.c_str(), "w");
  std::fputs("TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\n", out);
  uint64_t span_no = 1;
  char line[512];
  for (uint64_t t = 0; t < traces; ++t) {
    const int64_t t0 = 1661257091000000000LL + static_cast<int64_t>(t) * 100'000'000LL;
    const uint64_t root = span_no++;
    const int64_t dur = 50'000'000 + uni(0, 10'000'000);
    auto row = [&](uint64_t id, uint64_t parent, const std::string& pod, const std::string& op, int64_t s, int64_t d) {
      char parent_text[24] = "root";
      if (parent) std::snprintf(parent_text, sizeof parent_text, "%016llx", static_cast<unsigned long long>(parent));
      std::snprintf(line, sizeof line, "%016llx%016llx,%016llx,%s,%s,%s,%lld,%lld,%lld\n", 0xabcULL,
                    static_cast<unsigned long long>(t), static_cast<unsigned long long>(id), parent_text, pod.c_str(),
                    op.c_str(), static_cast<long long>(s), static_cast<long long>(s + d), static_cast<long long>(d / 1000));
      std::fputs(line, out);
    };
    row(root, 0, "frontend-579b9bff58-t2dbm", "hipstershop.Frontend/Recv.", t0, dur);
    int64_t at = t0 + 100'000;
    for (int k = 0, n = uni(3, 12); k < n; ++k) {
      const std::string svc = services[uni(0, 8)];
      const std::string pod = svc + "-6cfdd55578-gfj6q";
      const int64_t d = 2'000'000 + uni(0, 3'000'000);
      const uint64_t client = span_no++, server = span_no++;
      row(client, root, "frontend-579b9bff58-t2dbm", "hipstershop." + svc + "/Call", at, d);
      row(server, client, pod, "grpc.hipstershop." + svc + "/Call", at + 200'000, d - 400'000);
      for (int j = 0, m = uni(0, 3); j < m; ++j) row(span_no++, server, pod, "internal" + std::to_string(j), at + 300'000, 100'000);
      at += d + 50'000;
    }
  }
  std::fclose(out);
  return path.string();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

void run(benchmark::State& state, const std::vector<std::string>& paths, const std::string& format) {
  uint64_t bytes = 0;
  for (const auto& p : paths)
    for (const auto& f : expand_inputs({p})) bytes += fs::file_size(f.path);
  uint64_t spans = 0;
  size_t peak_open = 0;
  for (auto _ : state) {
    Catalog catalog;
    Diagnostics diag;
    uint64_t nodes = 0;
    IngestOptions options;
    options.format = format;
    auto report = ingest::ingest(paths, options, catalog, diag, [&](CallTree&& t) { nodes += t.nodes.size(); });
    spans = report.spans_read;
    peak_open = report.peak_open_traces;
    benchmark::DoNotOptimize(nodes);
  }
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["spans"] = static_cast<double>(spans);
  state.counters["peak_open_traces"] = static_cast<double>(peak_open);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

void BM_AlibabaV2022(benchmark::State& state) {
  AlibabaSpec spec;
  spec.rows = static_cast<uint64_t>(state.range(0));
  spec.files = static_cast<int>(state.range(1));
  run(state, {alibaba_dir(spec)}, "alibaba_csv");
}

void BM_Nezha(benchmark::State& state) { run(state, {nezha_file(static_cast<uint64_t>(state.range(0)))}, "nezha_csv"); }

}  // namespace

// Same rows in 1 file and in 20: throughput and peak memory must not depend on the file count.
BENCHMARK(BM_AlibabaV2022)->Args({2'000'000, 1})->Args({2'000'000, 20})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nezha)->Arg(20'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
