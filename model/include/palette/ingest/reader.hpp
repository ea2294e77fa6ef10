#pragma once
// TraceReader: reads one trace format from a ByteSource and hands every span to a SpanSink. Readers
// never group, fix or drop spans beyond what the format itself dictates: grouping by trace
// (assembler.hpp) and repairs (normalize.hpp) are shared by all formats. A malformed record is reported
// to ctx.diag (skipped and counted, or thrown in strict mode) and reading goes on.
//
// Formats are plug-ins: a ReaderFactory (name, how to recognise the format from a file's first bytes,
// how to create a reader) registered in one ReaderRegistry, which rejects duplicate names. Detection picks
// the factory whose sniff() scores highest; an explicit --format always wins.
//
//   const auto& reg = ReaderRegistry::builtin();
//   const ReaderFactory& f = reg.detect(source->peek(64 << 10), source->name());
//   f.create()->read(*source, ctx);
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/ingest/diagnostics.hpp"
#include "palette/ingest/input.hpp"
#include "palette/span.hpp"

namespace palette::ingest {

struct ReaderOptions {
  // Span attributes (tags) to keep on Span::attributes, e.g. {"http.route"}; empty keeps none.
  std::vector<std::string> keep_attributes;
};

// Where a reader puts spans. Implemented by the TraceAssembler; tests use a vector.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void add(Span&& span) = 0;
};

// Called by readers every few MB with the bytes of the current file consumed so far.
using ProgressFn = std::function<void(const ByteSource& source)>;

struct ReadContext {
  Catalog& catalog;     // interns service, operation and attribute names
  Diagnostics& diag;    // counts anomalies; strict mode throws
  SpanSink& sink;
  const ReaderOptions& options;
  ProgressFn progress;  // may be empty
};

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  // Reads the whole source. Throws Error for problems that stop the file (not a file of this format,
  // broken structure outside records); records that are malformed are skipped and counted.
  virtual void read(ByteSource& source, ReadContext& ctx) = 0;
};

struct ReaderFactory {
  std::string name;         // e.g. "jaeger"; what --format takes
  std::string description;  // one line for `palette traces formats` and error messages
  // 0 = certainly not this format; higher = more certain (100 = unmistakable). Sees the first bytes
  // of content (already decompressed).
  std::function<int(std::string_view head)> sniff;
  std::function<std::unique_ptr<TraceReader>()> create;
  // How long (µs of trace time) a trace may stay silent before it is considered complete; formats whose
  // files hold whole traces can afford a long window, time-sorted dumps of interleaved rows a short one.
  int64_t default_idle_window_us = 300'000'000;
};

class ReaderRegistry {
 public:
  void add(ReaderFactory factory);  // throws Error(internal) on a duplicate name
  const ReaderFactory* find(std::string_view name) const;
  // Best match for these first bytes; throws Error(unknown_format) naming the file and the formats
  // tried when nothing matches.
  const ReaderFactory& detect(std::string_view head, const std::string& file) const;
  const std::vector<ReaderFactory>& factories() const { return factories_; }
  std::string names() const;  // "jaeger, otlp, ..."

  // All formats palette knows.
  static const ReaderRegistry& builtin();

 private:
  std::vector<ReaderFactory> factories_;
};

// The factories of the built-in formats (one per reader source file).
ReaderFactory jaeger_reader_factory();
ReaderFactory otlp_reader_factory();
ReaderFactory zipkin_reader_factory();
ReaderFactory nezha_csv_reader_factory();
ReaderFactory alibaba_csv_reader_factory();

}  // namespace palette::ingest
