// Zipkin v2 JSON: a list of spans (POST /api/v2/spans, GET /api/v2/trace/{id}), a list of traces (GET
// /api/v2/traces: a list of lists), or a single span object. Every span is one unit, so a malformed span
// is skipped alone (malformed.zipkin_span). Times are µs; Zipkin's API gives timestamp and duration a
// minimum of 1, so a 0 (what some exporters write for "unset") is read as missing, like an absent field.
// The two halves of a shared RPC (`shared: true` on the server half) keep their common span id here:
// normalization pairs them (normalize.hpp, pass 3). A span without `kind` is left unspecified, for
// normalization to infer.
#include <string>

#include "../internal/json_records.hpp"
#include "../internal/span_attributes.hpp"
#include "palette/error.hpp"

namespace palette::ingest {
namespace {

using namespace internal;
namespace od = simdjson::ondemand;

class ZipkinReader final : public TraceReader {
 public:
  void read(ByteSource& source, ReadContext& ctx) override {
    ctx_ = &ctx;
    SpanAttributes attrs(ctx);
    read_json_units(
        source, ctx, {}, "zipkin_span",
        [&](const JsonUnit&, od::document& doc) {
          Span s;
          read_span(need(doc.get_object(), "span"), attrs, s);
          ctx.sink.add(std::move(s));
        },
        /*split_nested_arrays=*/true);
  }

 private:
  ReadContext* ctx_ = nullptr;

  // An endpoint's serviceName, kNoName when absent or empty.
  NameId service_of(od::object endpoint, const char* what) {
    NameId service = kNoName;
    for_each_field(endpoint, [&](std::string_view key, od::value v) {
      if (key == "serviceName") service = json_name(v, ctx_->catalog.names, what);
    });
    return service;
  }

  static int64_t micros(od::value v, const char* what) {
    int64_t us = json_int(v, what);
    if (us < 0) throw RecordError(std::string(what) + ": negative");
    return us == 0 ? kNoTime : us;
  }

  void read_span(od::object so, SpanAttributes& attrs, Span& s) {
    NameId remote = kNoName;
    for_each_field(so, [&](std::string_view key, od::value v) {
      if (key == "traceId") {
        s.trace_id = json_id(v, "traceId");
      } else if (key == "id") {
        s.span_id = json_id(v, "id");
      } else if (key == "parentId") {
        s.parent_id = json_id(v, "parentId");
      } else if (key == "name") {
        s.operation = json_name(v, ctx_->catalog.names, "name");
      } else if (key == "kind") {
        s.kind = parse_span_kind(need(v.get_string(), "kind"));
      } else if (key == "timestamp") {
        s.start_us = micros(v, "timestamp");
      } else if (key == "duration") {
        s.duration_us = micros(v, "duration");
      } else if (key == "localEndpoint") {
        s.service = service_of(need(v.get_object(), "localEndpoint"), "localEndpoint.serviceName");
      } else if (key == "remoteEndpoint") {
        remote = service_of(need(v.get_object(), "remoteEndpoint"), "remoteEndpoint.serviceName");
      } else if (key == "shared") {
        s.shared = need(v.get_bool(), "shared");
      } else if (key == "tags") {
        for_each_field(need(v.get_object(), "tags"), [&](std::string_view tag, od::value tv) {
          AttributeValue value;
          if (!json_scalar(tv, value)) return;
          // Zipkin marks a failed span with an "error" tag whose value is the message, whatever it says.
          if (tag == "error") s.error = true;
          attrs.apply(s, tag, value);
        });
      }
    });
    if (s.span_id.empty()) throw RecordError("span without id");
    // A server's remote endpoint is its caller; only the peer a span calls is its remote service.
    if (remote != kNoName && s.kind != SpanKind::server && s.kind != SpanKind::consumer) s.remote_service = remote;
  }
};

}  // namespace

ReaderFactory zipkin_reader_factory() {
  ReaderFactory f;
  f.name = "zipkin";
  f.description = "Zipkin v2 JSON (a list of spans, a list of traces, or a single span)";
  f.sniff = [](std::string_view head) {
    char c = first_json_byte(head);
    if (c != '{' && c != '[') return 0;
    // OTLP writes traceId too, and Jaeger traceID: only Zipkin has endpoints and a bare "id".
    if (!head_has(head, "\"traceId\"") || head_has(head, "\"resourceSpans\"")) return 0;
    if (head_has(head, "\"localEndpoint\"") || head_has(head, "\"remoteEndpoint\"")) return 90;
    if (head_has(head, "\"id\"") || head_has(head, "\"timestamp\"")) return 60;
    return 0;
  };
  f.create = [] { return std::make_unique<ZipkinReader>(); };
  return f;
}

}  // namespace palette::ingest
