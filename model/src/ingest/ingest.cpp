#include "palette/ingest/ingest.hpp"

#include <algorithm>

#include "palette/error.hpp"
#include "palette/ingest/assembler.hpp"
#include "palette/ingest/input.hpp"

namespace palette::ingest {
namespace {

// Counts spans on their way from a reader to the assembler.
class CountingSink final : public SpanSink {
 public:
  explicit CountingSink(SpanSink& next) : next_(next) {}
  void add(Span&& span) override {
    ++count;
    next_.add(std::move(span));
  }
  uint64_t count = 0;

 private:
  SpanSink& next_;
};

constexpr size_t kSniffBytes = 64 << 10;

}  // namespace

IngestReport ingest(const std::vector<std::string>& paths, const IngestOptions& options, Catalog& catalog,
                    Diagnostics& diag, const TreeSink& sink, const IngestProgressFn& progress) {
  diag.set_strict(options.strict);
  const auto& registry = ReaderRegistry::builtin();
  const ReaderFactory* forced = nullptr;
  if (!options.format.empty()) {
    forced = registry.find(options.format);
    if (!forced)
      throw Error(ErrorKind::bad_value, "unknown trace format \"" + options.format + "\"")
          .at_key("--format")
          .with_hint("known formats: " + registry.names());
  }
  const std::vector<InputFile> files = expand_inputs(paths);
  uint64_t& skipped = diag.counter("files_skipped_unknown_format");

  IngestReport report;
  Normalizer normalizer(catalog, diag, options.normalize);
  TraceAssembler assembler(options.idle_window_us > 0 ? options.idle_window_us : 0, diag, [&](RawTrace&& raw) {
    ++report.traces_assembled;
    CallTree tree;
    if (normalizer.run(std::move(raw), tree)) {
      ++report.traces_kept;
      sink(std::move(tree));
    }
  });
  CountingSink counting(assembler);
  int64_t window = options.idle_window_us;

  IngestProgress state;
  state.file_count = files.size();
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i].path;
    auto source = ByteSource::open(path);
    const ReaderFactory* chosen = forced;
    if (!chosen) {
      try {
        chosen = &registry.detect(source->peek(kSniffBytes), path);
      } catch (const Error&) {
        if (!files[i].from_directory || options.strict) throw;
        ++skipped;
        report.skipped_files.push_back(path);
        continue;
      }
    }
    const ReaderFactory& factory = *chosen;
    if (options.idle_window_us <= 0 && factory.default_idle_window_us > window) {
      window = factory.default_idle_window_us;
      assembler.set_idle_window(window);
    }
    FileReport file{path, factory.name, forced == nullptr, source->size_on_disk(), 0, 0};
    state.file_index = i;
    state.source = source.get();
    ReadContext ctx{catalog, diag, counting, options.reader, {}};
    if (progress)
      ctx.progress = [&](const ByteSource&) {
        state.spans_read = counting.count;
        state.traces_kept = report.traces_kept;
        progress(state);
      };
    uint64_t before = counting.count;
    factory.create()->read(*source, ctx);
    file.spans_read = counting.count - before;
    file.content_bytes = source->content_bytes_read();
    report.files.push_back(std::move(file));
  }
  assembler.flush_all();
  report.spans_read = counting.count;
  report.peak_open_traces = assembler.peak_open_traces();
  return report;
}

TraceSet load_traces(const std::vector<std::string>& paths, const IngestOptions& options,
                     const IngestProgressFn& progress) {
  TraceSet set;
  set.report = ingest(paths, options, set.catalog, set.diag,
                      [&](CallTree&& t) { set.traces.push_back(std::move(t)); }, progress);
  return set;
}

}  // namespace palette::ingest
