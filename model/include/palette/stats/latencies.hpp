#pragma once
// Latency sources: the latencies (µs) that `palette compare` and the reports compare, read from what a
// user has — a latencies CSV written by the simulator or the emulator, any trace file or directory
// palette can ingest, or a results folder holding both.
//
//   LatencyOptions o;  o.what = "frontend:/hotels";          // or "root" (default): end to end
//   Latencies l = read_latencies("results/sim/", o);          // l.values_us, l.excluded, l.files
//
// Which files are read: the path (file, directory or glob) is expanded as for ingestion, and each file
// whose first line is a CSV header with a `latency_us` column is a latencies CSV; the others are traces.
//  * --what root: the latencies CSVs when there are any (a results folder's latencies.csv is the
//    authoritative end-to-end latency: the emulator measures it from the intended send time), else the
//    root node duration of every trace.
//  * --what SERVICE:OPERATION: the duration_us of every invocation of that API in the traces (the
//    callee side when both sides were traced). A latencies CSV holds only end-to-end latencies, so a
//    path with only CSVs is an error there.
//
// Latencies CSV: a header naming the columns, then one row per request; columns are found by name and
// their order does not matter. `latency_us` is required; `status` is optional (`ok`, in any case, is a
// success; every other value is a failure). Other columns (`request_id,root_api,start_us`, ...) are
// allowed and ignored. Fields may be double-quoted ("" inside quotes is a quote). Blank lines are
// skipped; `.gz` is read transparently.
//
// Failed requests (non-ok status, traces or invocations marked as errors) are left out unless
// include_errors, and counted per reason in `excluded`, as are traces or invocations with no timing.
// Malformed CSV throws Error naming file, line and column.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"

namespace palette::stats {

struct LatencyOptions {
  std::string what = "root";    // "root" or an API label "service:operation"
  bool include_errors = false;  // keep failed requests / invocations
  ingest::IngestOptions ingest; // how trace files are read
};

struct Latencies {
  std::string path;                // as given
  std::string source;              // "latencies_csv" or "traces"
  std::vector<double> values_us;   // in file order
  std::vector<std::string> files;  // files the values came from
  std::vector<std::string> ignored_files;   // files of the other kind that --what did not need
  std::map<std::string, uint64_t> excluded; // "status=timeout", "error", "no_timing" -> count
  std::map<std::string, uint64_t> anomalies; // ingestion's non-zero counters (malformed records, ...)
  uint64_t excluded_total() const;
};

Latencies read_latencies(const std::string& path, const LatencyOptions& options);

// True when a file's first line is a CSV header with a `latency_us` column (gzip transparent).
bool is_latency_csv(const std::string& file);

// Appends the latencies of one CSV (see above) to `into`.
void read_latency_csv(const std::string& file, bool include_errors, Latencies& into);

}  // namespace palette::stats
