#pragma once
// Spans of an emulation: every service process records a server span per API invocation and a client
// span per outgoing call, as fixed-size binary records in its own file (cheap enough to leave on
// during load: a record is a copy into a buffer a background thread writes out). After the run the
// launcher merges the files of all services: records are grouped by trace, normalised into call trees
// by the model library, and written as Jaeger (or OTLP) JSON that `palette traces stats` and
// `palette fit` read back.
//
//   SpanLog log("dir/spans/frontend.spans");   log.add(record);   log.close();
//   MergeReport r = merge_span_files({"dir/spans/a.spans", ...}, topology, "dir/traces.jaeger.json", "jaeger");
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::emu {

enum class SpanSide : uint8_t { server = 1, client = 2 };

// Stored as is: the files are read back on the machine (same byte order) that wrote them.
struct SpanRecord {
  uint64_t trace_hi = 0, trace_lo = 0;
  uint64_t span_id = 0, parent_id = 0;  // parent 0: the root
  int64_t start_us = 0, duration_us = 0;  // wall clock, µs since the epoch
  uint32_t api = 0;                 // server: the API invoked; client: the API called
  uint32_t caller = 0;              // the calling API (client: this span's own API), or kNoApiIndex
  uint32_t request_bytes = 0, response_bytes = 0;
  SpanSide side = SpanSide::server;
  uint8_t status = 0;               // emu::Status
  uint8_t reserved[6] = {};
};
static_assert(sizeof(SpanRecord) == 72);

// Span ids derived from the invocation key, so a run's ids follow from its seed.
uint64_t server_span_id(uint64_t invocation_key);
uint64_t client_span_id(uint64_t callee_invocation_key);

class SpanLog {
 public:
  explicit SpanLog(const std::string& path);  // throws Error(io)
  ~SpanLog();
  SpanLog(const SpanLog&) = delete;
  SpanLog& operator=(const SpanLog&) = delete;

  void add(const SpanRecord& record);  // thread-safe
  void close();                        // flushes; throws Error(io) if a write failed
  uint64_t records() const { return records_; }

 private:
  void writer();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<SpanRecord> filling_, draining_;
  bool closing_ = false, failed_ = false;
  uint64_t records_ = 0;
  std::thread thread_;
};

std::vector<SpanRecord> read_span_file(const std::string& path);  // throws Error(io / malformed)

struct MergeReport {
  uint64_t files = 0, records = 0, traces = 0, traces_dropped = 0;
  // Per API, the server-side latencies of its invocations (µs).
  std::vector<std::vector<double>> server_latencies_us;
};

// Reads the span files, builds one call tree per trace and writes them in `format` ("jaeger" or
// "otlp") to out_path. Throws Error(io) when a file cannot be read or written.
MergeReport merge_span_files(const std::vector<std::string>& files, const model::Topology& topology,
                             const std::string& out_path, const std::string& format);

}  // namespace palette::emu
