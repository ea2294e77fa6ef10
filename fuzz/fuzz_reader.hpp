#pragma once
// The whole ingestion path for one format on arbitrary bytes: reader -> assembler -> normalizer ->
// stats. palette::Error is the expected answer to bad input; anything else (a crash, a sanitizer
// report, another exception, a hang) is a bug the fuzzer will show.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "palette/error.hpp"
#include "palette/ingest/assembler.hpp"
#include "palette/ingest/normalize.hpp"
#include "palette/ingest/reader.hpp"
#include "palette/stats/trace_stats.hpp"

inline int fuzz_reader(std::string_view format, const uint8_t* data, size_t size) {
  using namespace palette;
  using namespace palette::ingest;
  Catalog catalog;
  Diagnostics diag;
  stats::TraceStats stats;
  Normalizer normalizer(catalog, diag, {});
  const ReaderFactory* factory = ReaderRegistry::builtin().find(format);
  if (!factory) __builtin_trap();
  TraceAssembler assembler(factory->default_idle_window_us, diag, [&](RawTrace&& raw) {
    CallTree tree;
    if (normalizer.run(std::move(raw), tree)) stats.add(tree);
  });
  ReaderOptions options;
  options.keep_attributes = {"http.route"};
  ReadContext ctx{catalog, diag, assembler, options, {}};
  auto source = ByteSource::from_memory(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-input");
  try {
    (void)factory->sniff(source->peek(1 << 16));
    factory->create()->read(*source, ctx);
    assembler.flush_all();
  } catch (const Error&) {
  }
  (void)stats.summary(catalog);
  return 0;
}
