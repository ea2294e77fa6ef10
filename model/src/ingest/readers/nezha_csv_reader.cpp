// Nezha / TraStrainer span CSV: one span per row, columns found by name: TraceID, SpanID, ParentID,
// PodName, OperationName, StartTimeUnixNano, and EndTimeUnixNano and/or Duration.
//   - ParentID "root" (or empty) marks the root; ids are hex.
//   - Service = the pod name without its ReplicaSet hash and pod suffix, i.e. the capture group of
//     ^(.*?)-[0-9a-f]{8,10}-[0-9a-z]{5}$ ("frontend-579b9bff58-t2dbm" -> "frontend"). A pod name that does
//     not match (StatefulSet "db-0", bare names) is kept whole and counted (nezha.pod_names_kept_whole).
//   - Times are ns since the epoch (-> µs, floored); Duration is µs. The duration comes from Duration
//     when present, else from End - Start; when both are there they are cross-checked (Duration is the
//     ns difference truncated to µs) and rows that disagree by more than 1 µs are counted
//     (nezha.duration_mismatch).
//   - No span kind column: kinds are left unspecified and inferred by normalization.
// Rows repeated across per-minute files (traces straddling a minute) are removed by normalization's
// duplicate pass; the idle window below keeps such traces open across consecutive files.
#include <string>
#include <string_view>
#include <unordered_map>

#include "../internal/csv_rows.hpp"
#include "palette/error.hpp"

namespace palette::ingest {
namespace {

using internal::CsvRecord;
using internal::CsvRows;

constexpr int64_t kMaxDurationUs = int64_t{1} << 53;

bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool suffix_char(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

// The service of a Kubernetes Deployment pod, or empty when the name does not have that shape.
std::string_view nezha_service_of_pod(std::string_view pod) {
  const size_t n = pod.size();
  if (n < 16) return {};  // x-hhhhhhhh-sssss
  for (size_t i = n - 5; i < n; ++i)
    if (!suffix_char(pod[i])) return {};
  const size_t dash = n - 6;
  if (pod[dash] != '-') return {};
  size_t k = dash;
  while (k > 0 && hex_digit(pod[k - 1])) --k;
  // The hex run stops at a non-hex byte, which must be the '-' ending a non-empty prefix; a run longer
  // than 10 cannot match since the regex's '-' would fall inside it.
  const size_t run = dash - k;
  if (run < 8 || run > 10 || k < 2 || pod[k - 1] != '-') return {};
  return pod.substr(0, k - 1);
}

class NezhaCsvReader final : public TraceReader {
 public:
  void read(ByteSource& source, ReadContext& ctx) override {
    CsvRows csv(source, ctx, "nezha_csv_row");
    const auto col = csv.require({"TraceID", "SpanID", "ParentID", "PodName", "OperationName", "StartTimeUnixNano"});
    const int end_col = csv.column("EndTimeUnixNano"), dur_col = csv.column("Duration");
    if (end_col < 0 && dur_col < 0) csv.missing({"EndTimeUnixNano or Duration"});
    uint64_t& kept_whole = ctx.diag.counter("nezha.pod_names_kept_whole");
    uint64_t& mismatch = ctx.diag.counter("nezha.duration_mismatch");

    CsvRecord rec;
    while (csv.next(rec)) {
      const auto field = [&](int c) { return c < 0 ? std::string_view{} : rec[static_cast<size_t>(c)]; };
      Span s;
      s.trace_id = Id128::from_text(field(col[0]));
      s.span_id = Id128::from_text(field(col[1]));
      if (s.trace_id.empty() || s.span_id.empty()) {
        csv.malformed(rec, s.trace_id.empty() ? "TraceID is empty" : "SpanID is empty");
        continue;
      }
      std::string_view parent = field(col[2]);
      if (!parent.empty() && parent != "root" && parent != "ROOT" && parent != "Root")
        s.parent_id = Id128::from_text(parent);
      const Pod& pod = service_of(field(col[3]), ctx);
      s.service = pod.service;
      if (pod.whole) ++kept_whole;
      if (!field(col[4]).empty()) s.operation = ctx.catalog.names.intern(field(col[4]));

      int64_t start_ns = 0, end_ns = 0, dur_us = 0;
      if (!internal::parse_int(field(col[5]), start_ns)) {
        csv.malformed(rec, "StartTimeUnixNano is not an integer: \"" + std::string(field(col[5]).substr(0, 40)) + "\"");
        continue;
      }
      const bool has_end = !field(end_col).empty(), has_dur = !field(dur_col).empty();
      if (has_end && !internal::parse_int(field(end_col), end_ns)) {
        csv.malformed(rec, "EndTimeUnixNano is not an integer");
        continue;
      }
      if (has_dur && !internal::parse_int(field(dur_col), dur_us)) {
        csv.malformed(rec, "Duration is not an integer");
        continue;
      }
      if (!has_end && !has_dur) {
        csv.malformed(rec, "neither EndTimeUnixNano nor Duration has a value");
        continue;
      }
      // Epoch times are not negative; bounding them (and durations, to 2^53 µs) also keeps every later
      // sum of times clear of overflow.
      if (start_ns < 0 || (has_dur && dur_us > kMaxDurationUs)) {
        csv.malformed(rec, start_ns < 0 ? "StartTimeUnixNano is negative" : "Duration is out of range");
        continue;
      }
      if (has_end && end_ns < start_ns) {
        csv.malformed(rec, "EndTimeUnixNano is before StartTimeUnixNano");
        continue;
      }
      if (has_dur && dur_us < 0) {
        csv.malformed(rec, "Duration is negative");
        continue;
      }
      const int64_t from_end = (end_ns - start_ns) / 1000;
      if (has_end && has_dur && (dur_us > from_end + 1 || dur_us < from_end - 1)) ++mismatch;
      s.start_us = start_ns / 1000;
      s.duration_us = has_dur ? dur_us : from_end;
      csv.keep_attributes(rec, s);
      ctx.sink.add(std::move(s));
    }
  }

 private:
  struct Pod {
    NameId service = kNoName;
    bool whole = false;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // Pods are few and repeat on every row: look each up once.
  std::unordered_map<std::string, Pod, Hash, std::equal_to<>> pods_;

  const Pod& service_of(std::string_view pod, ReadContext& ctx) {
    auto it = pods_.find(pod);
    if (it != pods_.end()) return it->second;
    Pod p;
    if (!pod.empty()) {
      std::string_view svc = nezha_service_of_pod(pod);
      p.whole = svc.empty();
      p.service = ctx.catalog.names.intern(p.whole ? pod : svc);
    }
    return pods_.emplace(std::string(pod), p).first->second;
  }
};

}  // namespace

ReaderFactory nezha_csv_reader_factory() {
  ReaderFactory f;
  f.name = "nezha_csv";
  f.description = "Nezha / TraStrainer span CSV (TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,...)";
  f.sniff = [](std::string_view head) {
    auto h = internal::csv_sniff_header(head);
    if (internal::csv_count_columns(h, {"traceid", "spanid", "podname"}) < 3) return 0;
    return internal::csv_count_columns(h, {"parentid", "starttimeunixnano"}) == 2 ? 95 : 60;
  };
  f.create = [] { return std::make_unique<NezhaCsvReader>(); };
  // Per-minute files are sorted by trace id, not time, and repeat the rows of traces straddling a
  // minute: a trace must stay open until the next file has been read past it, i.e. up to a minute of
  // trace time after its last span (61 s measured on the Nezha fault files) plus the sweep delay.
  // Five minutes covers that with margin; the files hold ~500 traces a minute, so memory is small.
  f.default_idle_window_us = 300'000'000;
  return f;
}

}  // namespace palette::ingest
