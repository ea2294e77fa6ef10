// Jaeger JSON: the query-API / UI export {"data":[trace, ...]}, a bare trace object {traceID, spans,
// processes}, or a bare array of traces or of spans (the anonymizer's output, spans carrying their
// own "process"). Parent = the CHILD_OF reference (else FOLLOWS_FROM); service =
// processes[processID].serviceName; times are µs. A trace that cannot be read is skipped whole and
// counted as malformed.jaeger_trace: its spans are only emitted once all of it parsed.
#include <string>
#include <unordered_map>
#include <vector>

#include "../internal/json_records.hpp"
#include "../internal/span_attributes.hpp"
#include "palette/error.hpp"

namespace palette::ingest {
namespace {

using namespace internal;
namespace od = simdjson::ondemand;

class JaegerReader final : public TraceReader {
 public:
  void read(ByteSource& source, ReadContext& ctx) override {
    ctx_ = &ctx;
    SpanAttributes attrs(ctx);
    uint64_t& follows_from = ctx.diag.counter("jaeger.parent_from_follows_from");
    read_json_units(source, ctx, {{"data"}}, "jaeger_trace", [&](const JsonUnit& unit, od::document& doc) {
      od::object obj = need(doc.get_object(), unit.from_wrapper ? "trace" : "top-level value");
      pending_.clear();
      processes_.clear();
      bool is_trace = false, is_span = false;
      for (auto field : obj) {
        std::string_view key = need(field.unescaped_key(), "key");
        if (key == "spans") {
          is_trace = true;
          od::array spans = need(field.value().get_array(), "spans");
          for (auto sv : spans) {
            od::object so = need(sv.get_object(), "span");
            read_span(so, attrs, follows_from);
          }
        } else if (key == "processes") {
          od::object procs = need(field.value().get_object(), "processes");
          for (auto p : procs) {
            std::string pid(need(p.unescaped_key(), "process id"));
            od::object po = need(p.value().get_object(), "process");
            processes_[pid] = read_process(po, ctx);
          }
        } else if (key == "spanID") {
          // A bare span (top-level array of spans): read the object again as a span.
          is_span = true;
          break;
        }
      }
      if (is_span) {
        doc.rewind();
        od::object so = need(doc.get_object(), "span");
        read_span(so, attrs, follows_from);
      } else if (!is_trace) {
        throw RecordError(
            "not a Jaeger trace (no \"spans\" array); a Jaeger export looks like {\"data\":[{\"traceID\":...,"
            "\"spans\":[...],\"processes\":{...}}]}");
      }
      for (auto& p : pending_) {
        if (p.service == kNoName && !p.process_id.empty()) {
          auto it = processes_.find(p.process_id);
          if (it != processes_.end()) p.service = it->second;
          else ++unknown_process_;
        }
      }
      for (auto& p : pending_) {
        p.span.service = p.service;
        ctx.sink.add(std::move(p.span));
      }
    });
    ctx.diag.counter("jaeger.spans_with_unknown_process") += unknown_process_;
    unknown_process_ = 0;
  }

 private:
  struct Pending {
    Span span;
    std::string process_id;
    NameId service = kNoName;
  };
  ReadContext* ctx_ = nullptr;
  std::vector<Pending> pending_;
  std::unordered_map<std::string, NameId> processes_;
  uint64_t unknown_process_ = 0;

  static NameId read_process(od::object& po, ReadContext& ctx) {
    for (auto f : po) {
      std::string_view key = need(f.unescaped_key(), "key");
      if (key == "serviceName") return ctx.catalog.names.intern(need(f.value().get_string(), "serviceName"));
    }
    return kNoName;
  }

  void read_span(od::object& so, SpanAttributes& attrs, uint64_t& follows_from) {
    Pending& p = pending_.emplace_back();
    Span& s = p.span;
    Id128 follows_parent;
    bool has_child_of = false;
    for (auto f : so) {
      std::string_view key = need(f.unescaped_key(), "key");
      od::value v = need(f.value(), "value");
      if (key == "traceID") {
        s.trace_id = Id128::from_text(need(v.get_string(), "traceID"));
      } else if (key == "spanID") {
        s.span_id = Id128::from_text(need(v.get_string(), "spanID"));
      } else if (key == "operationName") {
        s.operation = ctx_->catalog.names.intern(need(v.get_string(), "operationName"));
      } else if (key == "startTime") {
        s.start_us = json_int(v, "startTime");
      } else if (key == "duration") {
        s.duration_us = json_int(v, "duration");
        if (s.duration_us < 0) throw RecordError("duration: negative");
      } else if (key == "processID") {
        p.process_id = std::string(need(v.get_string(), "processID"));
      } else if (key == "process") {
        od::object po = need(v.get_object(), "process");
        p.service = read_process(po, *ctx_);
      } else if (key == "parentSpanID") {  // the older internal model
        std::string_view text = need(v.get_string(), "parentSpanID");
        if (!has_child_of) s.parent_id = Id128::from_text(text);
      } else if (key == "references") {
        od::array refs = need(v.get_array(), "references");
        for (auto rv : refs) {
          od::object ro = need(rv.get_object(), "reference");
          std::string_view type;
          Id128 ref_span, ref_trace;
          for (auto rf : ro) {
            std::string_view rk = need(rf.unescaped_key(), "key");
            if (rk == "refType") type = need(rf.value().get_string(), "refType");
            else if (rk == "spanID") ref_span = Id128::from_text(need(rf.value().get_string(), "reference spanID"));
            else if (rk == "traceID") ref_trace = Id128::from_text(need(rf.value().get_string(), "reference traceID"));
          }
          if (!ref_trace.empty() && !s.trace_id.empty() && ref_trace != s.trace_id) continue;  // a cross-trace link
          if (type == "CHILD_OF" && !has_child_of) {
            s.parent_id = ref_span;
            has_child_of = true;
          } else if (type == "FOLLOWS_FROM" && follows_parent.empty()) {
            follows_parent = ref_span;
          }
        }
      } else if (key == "tags") {
        for_each_key_value(
            need(v.get_array(), "tags"), "tag", [](od::value tv, AttributeValue& out) { json_scalar(tv, out); },
            [&](std::string_view tkey, const AttributeValue& val) { attrs.apply(s, tkey, val); });
      }
    }
    if (!has_child_of && !follows_parent.empty()) {
      s.parent_id = follows_parent;
      ++follows_from;
    }
    if (s.span_id.empty()) throw RecordError("span without spanID");
  }
};

}  // namespace

ReaderFactory jaeger_reader_factory() {
  ReaderFactory f;
  f.name = "jaeger";
  f.description = "Jaeger JSON (query API / UI export {\"data\":[traces]}, a bare trace, or an array of spans)";
  f.sniff = [](std::string_view head) {
    char c = first_json_byte(head);
    if (c != '{' && c != '[') return 0;
    // Jaeger spells traceID/spanID with a capital D; OTLP and Zipkin write traceId.
    bool ids = head_has(head, "\"traceID\"") || head_has(head, "\"spanID\"");
    if (!ids) return 0;
    if (head_has(head, "\"operationName\"") || head_has(head, "\"processes\"") || head_has(head, "\"spans\"")) return 90;
    return 40;
  };
  f.create = [] { return std::make_unique<JaegerReader>(); };
  return f;
}

}  // namespace palette::ingest
