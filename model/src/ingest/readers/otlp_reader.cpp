// OpenTelemetry OTLP JSON (ExportTraceServiceRequest): {"resourceSpans":[{resource, scopeSpans:[{scope,
// spans:[...]}]}]}, with the older "instrumentationLibrarySpans" in place of "scopeSpans"; one document
// per file or one per line (a trace may continue on later lines: the assembler joins it), and Jaeger
// api_v3's {"result":{"resourceSpans":[...]}}, and Grafana Tempo's {"batches":[...]} (what Grafana's
// "Download traces" writes; Tempo's API v2 wraps it as {"trace":{"resourceSpans":[...]}}). Keys may be
// the proto field names (resource_spans, trace_id, ...), which protobuf JSON parsers accept as well.
// Ids may be base64 (protobuf's own JSON mapping, Tempo's downloads): read as opaque text, which
// hashes to the same id wherever the same text occurs. Each resourceSpans element is one unit: it is read whole
// (its "resource" may come after its spans) and skipped whole, as malformed.otlp_resource_spans, when any
// part of it cannot be read. Ids are hex in any case; times are nanoseconds, as strings or numbers; proto3
// JSON leaves out zero values, so a missing time, kind or status is simply unknown.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "../internal/json_records.hpp"
#include "../internal/span_attributes.hpp"
#include "palette/error.hpp"

namespace palette::ingest {
namespace {

using namespace internal;
namespace od = simdjson::ondemand;

// The lowerCamelCase JSON name of a proto field name ("start_time_unix_nano" -> "startTimeUnixNano"),
// for the keys this reader knows; any other key is returned as it is.
std::string_view camel(std::string_view key) {
  if (key.find('_') == std::string_view::npos) return key;
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"resource_spans", "resourceSpans"},       {"scope_spans", "scopeSpans"},
      {"instrumentation_library_spans", "instrumentationLibrarySpans"},
      {"trace_id", "traceId"},                   {"span_id", "spanId"},
      {"parent_span_id", "parentSpanId"},        {"start_time_unix_nano", "startTimeUnixNano"},
      {"end_time_unix_nano", "endTimeUnixNano"}, {"string_value", "stringValue"},
      {"int_value", "intValue"},                 {"bool_value", "boolValue"},
      {"double_value", "doubleValue"}};
  for (const auto& [proto, json] : kNames)
    if (key == proto) return json;
  return key;
}

// An AnyValue, {"stringValue": ...} and its siblings, as an attribute value. intValue is a string in
// proto3 JSON (64-bit); doubleValue may be a string ("NaN", "Infinity"). Arrays, maps and bytes are not
// scalars: left as an empty string, which no attribute palette reads will match.
void any_value(od::value v, AttributeValue& out) {
  for_each_field(need(v.get_object(), "attribute value"), [&](std::string_view raw, od::value x) {
    const std::string_view key = camel(raw);
    if (key == "stringValue") {
      out.type = AttributeValue::string;
      out.str = need(x.get_string(), "stringValue");
    } else if (key == "intValue") {
      out.type = AttributeValue::integer;
      out.i = json_int(x, "intValue");
    } else if (key == "boolValue") {
      out.type = AttributeValue::boolean;
      out.b = need(x.get_bool(), "boolValue");
    } else if (key == "doubleValue") {
      out.type = AttributeValue::floating;
      if (need(x.type(), "doubleValue") != od::json_type::string) {
        out.d = need(x.get_double(), "doubleValue");
        return;
      }
      std::string_view text = need(x.get_string(), "doubleValue");
      auto r = std::from_chars(text.data(), text.data() + text.size(), out.d);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        throw RecordError("doubleValue: expected a number, found \"" + std::string(text.substr(0, 40)) + "\"");
    }
  });
}

// 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER, as numbers or as "SPAN_KIND_SERVER"; 0 and
// values a newer protocol may add are unspecified.
SpanKind otlp_kind(od::value v) {
  if (need(v.type(), "kind") == od::json_type::string) {
    std::string_view text = need(v.get_string(), "kind");
    if (text.substr(0, 10) == "SPAN_KIND_") text.remove_prefix(10);
    return parse_span_kind(text);
  }
  switch (json_int(v, "kind")) {
    case 1: return SpanKind::internal;
    case 2: return SpanKind::server;
    case 3: return SpanKind::client;
    case 4: return SpanKind::producer;
    case 5: return SpanKind::consumer;
    default: return SpanKind::unspecified;
  }
}

// STATUS_CODE_ERROR is 2.
bool otlp_error(od::object status) {
  bool error = false;
  for_each_field(status, [&](std::string_view key, od::value v) {
    if (key != "code") return;
    if (need(v.type(), "status code") == od::json_type::string)
      error = need(v.get_string(), "status code") == "STATUS_CODE_ERROR";
    else
      error = json_int(v, "status code") == 2;
  });
  return error;
}

// Nanoseconds since the epoch -> µs, rounded to the nearest; 0 (proto3's "not set") -> kNoTime.
int64_t ns_to_us(int64_t ns, const char* what) {
  if (ns < 0) throw RecordError(std::string(what) + ": negative time");
  if (ns == 0) return kNoTime;
  return ns / 1000 + (ns % 1000 >= 500 ? 1 : 0);
}

class OtlpReader final : public TraceReader {
 public:
  void read(ByteSource& source, ReadContext& ctx) override {
    ctx_ = &ctx;
    SpanAttributes attrs(ctx);
    read_json_units(
        source, ctx,
        {{"resourceSpans"}, {"resource_spans"}, {"batches"}, {"result", "resourceSpans"}, {"trace", "resourceSpans"},
         {"trace", "resource_spans"}, {"trace", "batches"}},
        "otlp_resource_spans",
        [&](const JsonUnit& unit, od::document& doc) {
          if (camel(unit.wrapper_key) != "resourceSpans" && unit.wrapper_key != "batches")
            throw RecordError(
                "not OTLP JSON: expected {\"resourceSpans\":[...]} (or Jaeger api_v3's "
                "{\"result\":{\"resourceSpans\":[...]}}, or Grafana Tempo's {\"batches\":[...]})");
          pending_.clear();
          NameId service = kNoName;
          for_each_field(need(doc.get_object(), "resourceSpans element"), [&](std::string_view raw, od::value v) {
            const std::string_view key = camel(raw);
            if (key == "resource") service = read_resource(need(v.get_object(), "resource"), ctx);
            else if (key == "scopeSpans" || key == "instrumentationLibrarySpans")
              read_scopes(need(v.get_array(), "scopeSpans"), attrs);
          });
          // The whole unit parsed: now its spans may go (a malformed unit gives none).
          for (Span& s : pending_) {
            s.service = service;
            ctx.sink.add(std::move(s));
          }
        });
  }

 private:
  ReadContext* ctx_ = nullptr;
  std::vector<Span> pending_;  // the spans of one resourceSpans element; capacity reused

  // service.name, the one resource attribute palette needs; kNoName when absent or not a string.
  static NameId read_resource(od::object resource, ReadContext& ctx) {
    NameId service = kNoName;
    for_each_field(resource, [&](std::string_view key, od::value v) {
      if (key != "attributes") return;
      for_each_key_value(need(v.get_array(), "resource attributes"), "resource attribute", any_value,
                         [&](std::string_view k, const AttributeValue& value) {
                           if (k == "service.name" && value.type == AttributeValue::string && !value.str.empty())
                             service = ctx.catalog.names.intern(value.str);
                         });
    });
    return service;
  }

  void read_scopes(od::array scopes, SpanAttributes& attrs) {
    for (auto scope : scopes) {
      for_each_field(need(scope.get_object(), "scopeSpans element"), [&](std::string_view key, od::value v) {
        if (key != "spans") return;  // one word: the same in both spellings
        for (auto sv : need(v.get_array(), "spans")) read_span(need(sv.get_object(), "span"), attrs);
      });
    }
  }

  void read_span(od::object so, SpanAttributes& attrs) {
    Span& s = pending_.emplace_back();
    int64_t start_ns = 0, end_ns = 0;
    for_each_field(so, [&](std::string_view raw, od::value v) {
      const std::string_view key = camel(raw);
      if (key == "traceId") {
        s.trace_id = json_id(v, "traceId");
      } else if (key == "spanId") {
        s.span_id = json_id(v, "spanId");
      } else if (key == "parentSpanId") {
        s.parent_id = json_id(v, "parentSpanId");  // "" -> empty: a root
      } else if (key == "name") {
        s.operation = json_name(v, ctx_->catalog.names, "name");
      } else if (key == "kind") {
        s.kind = otlp_kind(v);
      } else if (key == "startTimeUnixNano") {
        start_ns = json_int(v, "startTimeUnixNano");
      } else if (key == "endTimeUnixNano") {
        end_ns = json_int(v, "endTimeUnixNano");
      } else if (key == "status") {
        if (otlp_error(need(v.get_object(), "status"))) s.error = true;
      } else if (key == "attributes") {
        for_each_key_value(need(v.get_array(), "attributes"), "attribute", any_value,
                           [&](std::string_view k, const AttributeValue& value) { attrs.apply(s, k, value); });
      }
    });
    if (s.span_id.empty()) throw RecordError("span without spanId");
    s.start_us = ns_to_us(start_ns, "startTimeUnixNano");
    int64_t end_us = ns_to_us(end_ns, "endTimeUnixNano");
    if (s.start_us != kNoTime && end_us != kNoTime) {
      if (end_ns < start_ns) throw RecordError("endTimeUnixNano is before startTimeUnixNano");
      s.duration_us = end_us - s.start_us;
    }
  }
};

}  // namespace

ReaderFactory otlp_reader_factory() {
  ReaderFactory f;
  f.name = "otlp";
  f.description =
      "OpenTelemetry OTLP JSON ({\"resourceSpans\":[...]}, one document per file or per line; Jaeger api_v3 "
      "{\"result\":...}; Grafana Tempo {\"batches\":[...]})";
  f.sniff = [](std::string_view head) {
    char c = first_json_byte(head);
    if (c != '{') return 0;
    if (head_has(head, "\"resourceSpans\"") || head_has(head, "\"resource_spans\"")) return 95;
    // Tempo: {"batches":[{"resource":...,"scopeSpans"|"instrumentationLibrarySpans":...}]}
    const bool spans = head_has(head, "\"scopeSpans\"") || head_has(head, "\"instrumentationLibrarySpans\"") ||
                       head_has(head, "\"scope_spans\"");
    return head_has(head, "\"batches\"") && spans ? 90 : 0;
  };
  f.create = [] { return std::make_unique<OtlpReader>(); };
  return f;
}

}  // namespace palette::ingest
