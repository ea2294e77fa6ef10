// Alibaba cluster-trace-microservices CallGraph CSV (alibaba/clusterdata), both releases, columns found
// by name (the published v2022 files order them differently from their README):
//   v2021  [unnamed index],timestamp,traceid,rpcid,um,rpctype,interface,dm,rt
//   v2022  timestamp,traceid,service,rpc_id,rpctype,um,uminstanceid,interface,dm,dminstanceid,rt
// A row is one record of a call from UM (upstream) to DM (downstream); rpcid "0.1.2" is a call made by
// the DM of call "0.1". A remote call (rpc, http, mq, ...) is recorded twice with the same rpcid: by UM
// with rt > 0 (the caller's time) and by DM with rt < 0 (minus the callee's time). db and mc calls go to
// stateful services that record nothing: one caller-side row. rt is in ms (rounded: sub-ms calls are 0);
// timestamp is the call's time in ms since the start of the trace window; there is no end time.
//
// Each row becomes one Span, and normalization pairs the two records of a call:
//   span id = hash(rpcid) (both records share it), parent = hash(rpcid without its last part); an rpcid
//   with no '.' is a root.
//   rt > 0, and every db/mc row: caller side, kind client (producer for mq), service um, peer dm
//   rt < 0: callee side, kind server (consumer for mq), service dm, peer um (its caller)
//   rt = 0 on a remote call: the side is unknown; read as the caller side and flagged side_unknown
//   start = timestamp, duration = |rt|, both ms -> µs; operation = interface
// Missing names ("", "(?)", "UNKNOWN", NaN, None, null) are left unset (normalization names them and can
// take them from the other record of the call) and counted; USER and UNAVAILABLE, the root callers, are
// kept as names. Counted, not dropped: negative rt on root rows, rows out of time order, negative
// timestamps. Unparsable timestamps or rt ("None", shifted columns) make a row malformed.
#include <string>
#include <string_view>

#include "../internal/csv_rows.hpp"
#include "../internal/text_cache.hpp"
#include "palette/error.hpp"

namespace palette::ingest {
namespace {

using internal::CsvRecord;
using internal::CsvRows;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;  // ASCII letters only: enough for these words
  return true;
}

bool missing_name(std::string_view v) {
  if (v.empty()) return true;
  switch (v.size()) {
    case 3: return v == "(?)" || iequals(v, "nan");
    case 4: return iequals(v, "none") || iequals(v, "null");
    case 7: return v == "UNKNOWN";
    default: return false;
  }
}

enum class CallType { remote, messaging, stateful };

class AlibabaCsvReader final : public TraceReader {
 public:
  void read(ByteSource& source, ReadContext& ctx) override {
    CsvRows csv(source, ctx, "alibaba_csv_row");
    const int rpcid = csv.column_any({"rpcid", "rpc_id"});
    std::vector<std::string> absent;
    if (rpcid < 0) absent.emplace_back("rpcid (v2021) or rpc_id (v2022)");
    const char* names[] = {"timestamp", "traceid", "um", "rpctype", "interface", "dm", "rt"};
    int col[7];
    for (int i = 0; i < 7; ++i)
      if ((col[i] = csv.column(names[i])) < 0) absent.emplace_back(names[i]);
    if (!absent.empty()) csv.missing(absent);
    const bool v2022 = csv.column("rpc_id") >= 0 || csv.column("dminstanceid") >= 0;
    ++ctx.diag.counter(v2022 ? "alibaba.files_v2022" : "alibaba.files_v2021");
    const size_t ts = static_cast<size_t>(col[0]), trace = static_cast<size_t>(col[1]),
                 um = static_cast<size_t>(col[2]), type = static_cast<size_t>(col[3]),
                 iface = static_cast<size_t>(col[4]), dm = static_cast<size_t>(col[5]), rt = static_cast<size_t>(col[6]),
                 rid = static_cast<size_t>(rpcid);

    Counters n(ctx.diag);
    names_ = &ctx.catalog.names;
    name_cache_.size_for(source.size_on_disk());
    rpcids_.size_for(source.size_on_disk());
    traces_.size_for(source.size_on_disk());
    const NameId user = names_->intern("USER");
    int64_t last_ts = INT64_MIN;
    CsvRecord rec;
    while (csv.next(rec)) {
      const CsvRecord& f = rec;
      int64_t start_us = 0, rt_us = 0;
      if (!internal::parse_milli(f[ts], start_us)) {
        csv.malformed(rec, "timestamp is not a number: \"" + std::string(f[ts].substr(0, 40)) + "\"");
        continue;
      }
      if (!internal::parse_milli(f[rt], rt_us)) {
        csv.malformed(rec, "rt is not a number: \"" + std::string(f[rt].substr(0, 40)) + "\"");
        continue;
      }
      std::string_view id = f[rid];
      if (id.empty()) {
        csv.malformed(rec, "the rpcid is empty");
        continue;
      }
      Span s;
      s.trace_id = traces_.get(f[trace], [](std::string_view t) { return Id128::from_text(t); });
      s.span_id = rpcids_.get(id, [](std::string_view t) { return Id128::hash_of(t); });
      const size_t dot = id.rfind('.');
      if (dot != std::string_view::npos)
        s.parent_id = rpcids_.get(id.substr(0, dot), [](std::string_view t) { return Id128::hash_of(t); });
      s.start_us = start_us;
      s.duration_us = rt_us < 0 ? -rt_us : rt_us;
      if (start_us < 0) ++n.negative_timestamp;
      if (start_us < last_ts) ++n.out_of_order;
      else last_ts = start_us;

      const NameId up = name(f[um], n.missing_um);
      const NameId down = name(f[dm], n.missing_dm);
      s.operation = name(f[iface], n.missing_interface);
      const CallType call = classify(f[type], n);
      const bool root_row = dot == std::string_view::npos || up == kNoName || up == user ||
                            f[um] == "UNAVAILABLE";
      if (rt_us < 0 && call != CallType::stateful) {  // the callee's record
        s.kind = call == CallType::messaging ? SpanKind::consumer : SpanKind::server;
        s.service = down;
        s.remote_service = up;
        if (root_row) ++n.negative_rt_root;
      } else {  // the caller's record
        s.kind = call == CallType::messaging ? SpanKind::producer : SpanKind::client;
        s.service = up;
        s.remote_service = down;
        if (rt_us < 0) ++n.negative_rt_caller_only;
        if (rt_us == 0 && call != CallType::stateful) {
          s.side_unknown = true;
          ++n.zero_rt;
        }
      }
      csv.keep_attributes(rec, s);
      ctx.sink.add(std::move(s));
    }
  }

 private:
  // Counter references, looked up once per file (diagnostics.hpp).
  struct Counters {
    explicit Counters(Diagnostics& d)
        : rpc(d.counter("alibaba.rows_rpc")),
          http(d.counter("alibaba.rows_http")),
          mq(d.counter("alibaba.rows_mq")),
          db(d.counter("alibaba.rows_db")),
          mc(d.counter("alibaba.rows_mc")),
          other(d.counter("alibaba.rows_other_rpctype")),
          missing_um(d.counter("alibaba.missing_um")),
          missing_dm(d.counter("alibaba.missing_dm")),
          missing_interface(d.counter("alibaba.missing_interface")),
          negative_rt_root(d.counter("alibaba.negative_rt_root_rows")),
          negative_rt_caller_only(d.counter("alibaba.negative_rt_db_mc_rows")),
          zero_rt(d.counter("alibaba.zero_rt_side_unknown")),
          negative_timestamp(d.counter("alibaba.negative_timestamps")),
          out_of_order(d.counter("alibaba.rows_out_of_time_order")) {}
    uint64_t &rpc, &http, &mq, &db, &mc, &other, &missing_um, &missing_dm, &missing_interface, &negative_rt_root,
        &negative_rt_caller_only, &zero_rt, &negative_timestamp, &out_of_order;
  };

  // Rows repeat the same few thousand names and rpcids: cached (text_cache.hpp).
  NameTable* names_ = nullptr;
  internal::TextCache<NameId, 15> name_cache_;
  internal::TextCache<Id128, 12> rpcids_;
  internal::TextCache<Id128, 14> traces_;

  NameId name(std::string_view v, uint64_t& missing) {
    if (missing_name(v)) {
      ++missing;
      return kNoName;
    }
    return name_cache_.get(v, [this](std::string_view t) { return names_->intern(t); });
  }

  // rpc, http, userDefined and anything unknown are remote calls recorded on both sides.
  static CallType classify(std::string_view t, Counters& n) {
    if (iequals(t, "rpc")) {
      ++n.rpc;
    } else if (iequals(t, "http")) {
      ++n.http;
    } else if (iequals(t, "mq")) {
      ++n.mq;
      return CallType::messaging;
    } else if (iequals(t, "db")) {
      ++n.db;
      return CallType::stateful;
    } else if (iequals(t, "mc")) {
      ++n.mc;
      return CallType::stateful;
    } else {
      ++n.other;
    }
    return CallType::remote;
  }
};

}  // namespace

ReaderFactory alibaba_csv_reader_factory() {
  ReaderFactory f;
  f.name = "alibaba_csv";
  f.description = "Alibaba cluster-trace-microservices CallGraph CSV, v2021 and v2022 (timestamp,traceid,rpcid,um,dm,rt,...)";
  f.sniff = [](std::string_view head) {
    auto h = internal::csv_sniff_header(head);
    const bool calls = internal::csv_count_columns(h, {"timestamp", "traceid", "um", "dm", "rt"}) == 5;
    return calls && internal::csv_count_columns(h, {"rpcid", "rpc_id"}) > 0 ? 95 : 0;
  };
  f.create = [] { return std::make_unique<AlibabaCsvReader>(); };
  // The dumps are sorted by timestamp and a call graph lasts milliseconds to seconds, so a trace is
  // complete once the rows have moved 10 s past its last one. Memory is bounded by the traces that
  // started in the last ~12 s (the window plus the sweep delay): at the v2022 rate (~13 M rows per
  // 3-minute file) about 1 M rows. Call graphs longer than that are split and counted as late_spans;
  // --idle-window widens the window.
  f.default_idle_window_us = 10'000'000;
  return f;
}

}  // namespace palette::ingest
