#pragma once
// Ingestion end to end: paths -> files -> format (detected per file, or forced) -> reader -> assembler
// -> normalizer -> one CallTree at a time to the caller's sink. Memory is bounded by the traces still
// open, never by the size or number of files.
//
//   Catalog catalog;  Diagnostics diag;
//   IngestReport r = ingest({"traces/"}, {}, catalog, diag, [&](CallTree&& t) { stats.add(t); });
//   TraceSet all = load_traces({"hotel.json"}, {});   // everything in memory, for fitting and tests
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/ingest/diagnostics.hpp"
#include "palette/ingest/normalize.hpp"
#include "palette/ingest/reader.hpp"

namespace palette::ingest {

struct IngestOptions {
  std::string format;          // "" = detect each file's format
  bool strict = false;         // the first malformed record stops ingestion with an Error
  int64_t idle_window_us = 0;  // 0 = the largest default of the formats met
  ReaderOptions reader;
  NormalizeOptions normalize;
};

struct FileReport {
  std::string path;
  std::string format;
  bool detected = false;  // false when forced with IngestOptions::format
  uint64_t bytes_on_disk = 0;
  uint64_t content_bytes = 0;
  uint64_t spans_read = 0;
};

struct IngestReport {
  std::vector<FileReport> files;
  // Files found inside a directory whose format could not be recognised (READMEs, labels, ...); a
  // file named explicitly must be recognised, and strict mode refuses these too.
  std::vector<std::string> skipped_files;
  uint64_t spans_read = 0;        // spans the readers produced
  uint64_t traces_assembled = 0;  // traces the assembler closed
  uint64_t traces_kept = 0;       // traces normalization turned into trees
  size_t peak_open_traces = 0;
};

struct IngestProgress {
  size_t file_index = 0, file_count = 0;
  const ByteSource* source = nullptr;  // the file being read
  uint64_t spans_read = 0, traces_kept = 0;
};

using TreeSink = std::function<void(CallTree&&)>;
using IngestProgressFn = std::function<void(const IngestProgress&)>;

// Throws Error for unreadable or unrecognisable files, and for malformed records in strict mode.
IngestReport ingest(const std::vector<std::string>& paths, const IngestOptions& options, Catalog& catalog,
                    Diagnostics& diag, const TreeSink& sink, const IngestProgressFn& progress = {});

// All traces of some inputs, in memory.
struct TraceSet {
  Catalog catalog;
  std::vector<CallTree> traces;
  Diagnostics diag;
  IngestReport report;
};
TraceSet load_traces(const std::vector<std::string>& paths, const IngestOptions& options,
                     const IngestProgressFn& progress = {});

}  // namespace palette::ingest
