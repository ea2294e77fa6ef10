#include "palette/stats/latencies.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <string_view>

#include "palette/error.hpp"
#include "palette/ingest/input.hpp"
#include "palette/ingest/reader.hpp"

namespace palette::stats {
namespace {

constexpr const char* kCsvHeaderHint =
    "a latencies CSV starts with a header such as request_id,root_api,start_us,latency_us,status";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one CSV line into fields (RFC 4180 quoting, no line breaks inside quotes). Returns false on
// an unterminated quote or text after a closing quote.
bool split_csv(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  size_t pos = 0;
  while (true) {
    std::string& field = fields.emplace_back();
    size_t start = pos;
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (true) {
        size_t quote = line.find('"', pos);
        if (quote == std::string_view::npos) return false;
        field.append(line.substr(pos, quote - pos));
        pos = quote + 1;
        if (pos < line.size() && line[pos] == '"') {
          field.push_back('"');
          ++pos;
          continue;
        }
        break;
      }
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\r')) ++pos;
      if (pos < line.size() && line[pos] != ',') return false;
    } else {
      pos = start;
      size_t comma = line.find(',', pos);
      field.assign(trim(line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos)));
      pos = comma == std::string_view::npos ? line.size() : comma;
    }
    if (pos >= line.size()) return true;
    ++pos;  // the comma
  }
}

bool is_ok_status(std::string_view s) {
  return s.size() == 2 && (s[0] == 'o' || s[0] == 'O') && (s[1] == 'k' || s[1] == 'K');
}

// Calls on_line(line_number, text) for each line of a source, without its line break.
template <typename F>
void for_each_line(ingest::ByteSource& source, F&& on_line) {
  std::string pending;
  std::vector<char> buffer(1 << 16);
  int64_t number = 0;
  while (size_t n = source.read(buffer.data(), buffer.size())) {
    pending.append(buffer.data(), n);
    size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
      on_line(++number, std::string_view(pending).substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) on_line(++number, std::string_view(pending));
}

std::string first_line(std::string_view head) {
  std::string_view line = head.substr(0, head.find('\n'));
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte-order mark
  return std::string(line);
}

int column_of(const std::vector<std::string>& header, std::string_view name) {
  for (size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return static_cast<int>(k);
  return -1;
}

bool header_has_latency(std::string_view line) {
  std::vector<std::string> header;
  return split_csv(line, header) && column_of(header, "latency_us") >= 0;
}

std::string join(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  for (size_t k = 0; k < items.size() && k < limit; ++k) out += (k ? ", " : "") + items[k];
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size() - limit) + " more)";
  return out;
}

// Takes the latency of one call-tree node, or counts why not.
void take(const CallNode& node, bool include_errors, Latencies& into, uint64_t& no_timing, uint64_t& errors) {
  if (!node.has_timing() || node.duration_us < 0) ++no_timing;
  else if (node.error && !include_errors) ++errors;
  else into.values_us.push_back(static_cast<double>(node.duration_us));
}

void read_traces(const std::vector<std::string>& paths, const std::string& what, const LatencyOptions& options,
                 Latencies& into) {
  Catalog catalog;
  ingest::Diagnostics diag;
  uint64_t no_timing = 0, errors = 0;
  std::vector<int8_t> matches;     // per ApiId: -1 not looked at yet, 0 no, 1 the API asked for
  std::vector<uint64_t> seen;      // invocations per ApiId, for the hint when nothing matches
  const bool root = what == "root";
  auto report = ingest::ingest(paths, options.ingest, catalog, diag, [&](CallTree&& tree) {
    if (tree.nodes.empty()) return;
    if (root) {
      take(tree.root(), options.include_errors, into, no_timing, errors);
      return;
    }
    for (const CallNode& n : tree.nodes) {
      if (n.api >= matches.size()) {
        matches.resize(catalog.api_count(), -1);
        seen.resize(catalog.api_count(), 0);
      }
      ++seen[n.api];
      if (matches[n.api] < 0) matches[n.api] = catalog.api_label(n.api) == what ? 1 : 0;
      if (matches[n.api] == 1) take(n, options.include_errors, into, no_timing, errors);
    }
  });
  for (const auto& f : report.files) into.files.push_back(f.path);
  for (const auto& f : report.skipped_files) into.ignored_files.push_back(f);
  if (no_timing) into.excluded["no_timing"] += no_timing;
  if (errors) into.excluded["error"] += errors;
  for (const auto& [k, n] : diag.nonzero()) into.anomalies[k] += n;
  if (!root && no_timing + errors == 0 && into.values_us.empty()) {
    std::vector<ApiId> ids;
    for (ApiId a = 0; a < seen.size(); ++a)
      if (seen[a]) ids.push_back(a);
    std::stable_sort(ids.begin(), ids.end(), [&](ApiId x, ApiId y) { return seen[x] > seen[y]; });
    std::vector<std::string> labels;
    for (ApiId a : ids) labels.push_back(catalog.api_label(a));
    throw Error(ErrorKind::missing, "no invocation of API \"" + what + "\" in these traces")
        .at_file(into.path)
        .at_key("--what")
        .with_hint(labels.empty() ? "the traces hold no invocations" : "APIs seen, most frequent first: " + join(labels, 8));
  }
}

}  // namespace

uint64_t Latencies::excluded_total() const {
  uint64_t n = 0;
  for (const auto& [k, c] : excluded) n += c;
  return n;
}

bool is_latency_csv(const std::string& file) {
  auto source = ingest::ByteSource::open(file);
  return header_has_latency(first_line(source->peek(4096)));
}

void read_latency_csv(const std::string& file, bool include_errors, Latencies& into) {
  auto source = ingest::ByteSource::open(file);
  std::vector<std::string> header, fields;
  int latency_col = -1, status_col = -1;
  for_each_line(*source, [&](int64_t line_no, std::string_view line) {
    if (line_no == 1) {
      std::string text = first_line(line);
      if (!split_csv(text, header))
        throw Error(ErrorKind::malformed, "unterminated quote in the header").at_file(file).at_line(1);
      latency_col = column_of(header, "latency_us");
      status_col = column_of(header, "status");
      if (latency_col < 0)
        throw Error(ErrorKind::missing, "no latency_us column in the header")
            .at_file(file)
            .at_line(1)
            .with_hint(kCsvHeaderHint);
      return;
    }
    if (trim(line).empty()) return;
    if (!split_csv(line, fields))
      throw Error(ErrorKind::malformed, "unterminated quote or text after a closing quote").at_file(file).at_line(line_no);
    if (fields.size() != header.size())
      throw Error(ErrorKind::malformed, "expected " + std::to_string(header.size()) + " fields as in the header, got " +
                                            std::to_string(fields.size()))
          .at_file(file)
          .at_line(line_no);
    if (status_col >= 0 && !is_ok_status(fields[static_cast<size_t>(status_col)]) && !include_errors) {
      const std::string& status = fields[static_cast<size_t>(status_col)];
      ++into.excluded["status=" + (status.empty() ? std::string("(empty)") : status)];
      return;
    }
    const std::string& text = fields[static_cast<size_t>(latency_col)];
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
      throw Error(ErrorKind::bad_value, "not a number: \"" + text + "\"").at_file(file).at_line(line_no).at_key("latency_us");
    if (v < 0)
      throw Error(ErrorKind::bad_value, "negative latency " + text).at_file(file).at_line(line_no).at_key("latency_us");
    into.values_us.push_back(v);
  });
  if (latency_col < 0) throw Error(ErrorKind::missing, "the file is empty").at_file(file).with_hint("expected a latencies CSV");
  into.files.push_back(file);
}

Latencies read_latencies(const std::string& path, const LatencyOptions& options) {
  Latencies out;
  out.path = path;
  const bool root = options.what == "root";
  std::vector<ingest::InputFile> csvs, traces;
  for (auto& f : ingest::expand_inputs({path})) (is_latency_csv(f.path) ? csvs : traces).push_back(std::move(f));
  if (csvs.empty() && traces.empty()) throw Error(ErrorKind::missing, "no files in it").at_file(path);

  if (root && !csvs.empty()) {
    out.source = "latencies_csv";
    for (const auto& f : csvs) read_latency_csv(f.path, options.include_errors, out);
    for (const auto& f : traces) out.ignored_files.push_back(f.path);
  } else {
    if (traces.empty())
      throw Error(ErrorKind::unsupported, "a latencies CSV holds end-to-end latencies only, not those of API \"" +
                                              options.what + "\"")
          .at_file(csvs.front().path)
          .at_key("--what")
          .with_hint("use --what root, or compare the spans the run wrote");
    out.source = "traces";
    std::vector<std::string> paths;
    if (csvs.empty()) {
      paths.push_back(path);  // let ingestion expand it: it skips unknown files found in directories
    } else {
      // A results folder: its CSVs are not traces. Pass the other files by name, leaving out those
      // found in the folder that no reader recognises (summary.json, ...), as ingestion would.
      const auto& registry = ingest::ReaderRegistry::builtin();
      for (const auto& f : traces) {
        bool known = true;
        if (f.from_directory && options.ingest.format.empty() && !options.ingest.strict) {
          auto source = ingest::ByteSource::open(f.path);
          try {
            registry.detect(source->peek(64 << 10), f.path);
          } catch (const Error&) {
            known = false;
          }
        }
        if (known) paths.push_back(f.path);
        else out.ignored_files.push_back(f.path);
      }
      for (const auto& f : csvs) out.ignored_files.push_back(f.path);
    }
    try {
      read_traces(paths, options.what, options, out);
    } catch (const Error& e) {
      // A .csv that is neither: most likely a latencies CSV with a wrong header; say so.
      std::string_view file = e.file();
      if (file.ends_with(".gz")) file.remove_suffix(3);
      if (e.kind() != ErrorKind::unknown_format || !file.ends_with(".csv")) throw;
      throw Error(ErrorKind::missing, "no latency_us column in the header, and no trace format palette knows matches it")
          .at_file(e.file())
          .at_line(1)
          .with_hint(kCsvHeaderHint);
    }
  }
  if (out.values_us.empty()) {
    std::string why = out.excluded.empty() ? "there are no requests in it" : "all were left out:";
    for (const auto& [k, n] : out.excluded) why += " " + k + " " + std::to_string(n);
    throw Error(ErrorKind::missing, "no latencies to compare: " + why)
        .at_file(path)
        .with_hint(out.excluded.empty() ? "is it the right file?" : "--include-errors keeps failed requests");
  }
  return out;
}

}  // namespace palette::stats
