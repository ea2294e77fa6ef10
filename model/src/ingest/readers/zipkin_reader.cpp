// Zipkin v2 JSON: a list of spans (POST /api/v2/spans, GET /api/v2/trace/{id}), a list of traces (GET
// /api/v2/traces: a list of lists), or a single span object. Every span is one unit, so a malformed span
// is skipped alone (malformed.zipkin_span). Times are µs; Zipkin's API gives timestamp and duration a
// minimum of 1, so a 0 (what some exporters write for "unset") is read as missing, like an absent field.
// The two halves of a shared RPC (`shared: true` on the server half) keep their common span id here:
// normalization pairs them (normalize.hpp, pass 3). A span without `kind` is left unspecified, for
// normalization to infer.
//
// Zipkin v1 spans (annotations and binaryAnnotations instead of kind and endpoints) are read too, as
// Zipkin's own v1 -> v2 conversion does: a span with client annotations (cs/cr) gives a client span of
// the cs endpoint's service, one with server annotations (sr/ss) a server span of the sr endpoint's
// service — both, sharing the id, when it has both (the server half then `shared`); a span with
// neither is a local span of its "lc" binary annotation's service. Times come from the annotations;
// the "sa" binary annotation names the peer a client calls; an "error" annotation marks a failure.
#include <string>
#include <vector>

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
          V1 v1;
          read_span(need(doc.get_object(), "span"), attrs, s, v1);
          if (!v1.present || v1.v2) {
            ctx.sink.add(std::move(s));
            return;
          }
          for (Span& part : from_v1(std::move(s), v1)) ctx.sink.add(std::move(part));
        },
        /*split_nested_arrays=*/true);
  }

 private:
  ReadContext* ctx_ = nullptr;

  // What a v1 span's annotations say: the four core annotations' times and services.
  struct V1 {
    bool present = false;  // v1 annotations seen
    bool v2 = false;       // kind or localEndpoint seen: a v2 span, whatever its annotations say
    int64_t cs = kNoTime, cr = kNoTime, sr = kNoTime, ss = kNoTime;
    NameId client = kNoName, server = kNoName, local = kNoName, server_address = kNoName, any = kNoName;
  };

  void read_annotations(od::array list, V1& v1, Span& s) {
    for (auto item : list) {
      int64_t at = kNoTime;
      std::string_view value;
      NameId service = kNoName;
      for_each_field(need(item.get_object(), "annotation"), [&](std::string_view key, od::value v) {
        if (key == "timestamp") at = micros(v, "annotations.timestamp");
        else if (key == "value") value = need(v.get_string(), "annotations.value");
        else if (key == "endpoint") service = service_of(need(v.get_object(), "endpoint"), "annotations.endpoint.serviceName");
      });
      if (v1.any == kNoName) v1.any = service;
      // v2 spans have annotations too (events such as "wr"): only the core four, or binary
      // annotations, make a span v1.
      if (value == "cs" || value == "cr" || value == "sr" || value == "ss") v1.present = true;
      if (value == "cs" || value == "cr") {
        (value == "cs" ? v1.cs : v1.cr) = at;
        if (v1.client == kNoName) v1.client = service;
      } else if (value == "sr" || value == "ss") {
        (value == "sr" ? v1.sr : v1.ss) = at;
        if (v1.server == kNoName) v1.server = service;
      } else if (value == "error") {
        s.error = true;
      }
    }
  }

  void read_binary_annotations(od::array list, V1& v1, Span& s, SpanAttributes& attrs) {
    for (auto item : list) {
      std::string_view key_name;
      AttributeValue value;
      bool scalar = false;
      NameId service = kNoName;
      for_each_field(need(item.get_object(), "binaryAnnotation"), [&](std::string_view key, od::value v) {
        if (key == "key") key_name = need(v.get_string(), "binaryAnnotations.key");
        else if (key == "value") scalar = json_scalar(v, value);
        else if (key == "endpoint") service = service_of(need(v.get_object(), "endpoint"), "binaryAnnotations.endpoint.serviceName");
      });
      v1.present = true;
      if (key_name == "lc") v1.local = service;
      else if (key_name == "sa") v1.server_address = service;
      else if (key_name == "error") s.error = true;
      if (v1.any == kNoName) v1.any = service;
      if (scalar && !key_name.empty()) attrs.apply(s, key_name, value);
    }
  }

  // The v2 spans a v1 span stands for (see the top of the file).
  static std::vector<Span> from_v1(Span&& base, const V1& v1) {
    std::vector<Span> out;
    auto between = [](int64_t a, int64_t b) { return a != kNoTime && b != kNoTime && b >= a ? b - a : kNoTime; };
    const bool client = v1.cs != kNoTime || v1.cr != kNoTime, server = v1.sr != kNoTime || v1.ss != kNoTime;
    if (client) {
      Span c = base;
      c.kind = SpanKind::client;
      c.service = v1.client;
      c.remote_service = v1.server_address != kNoName ? v1.server_address : v1.server;
      if (v1.cs != kNoTime) c.start_us = v1.cs;
      if (int64_t d = between(v1.cs, v1.cr); d != kNoTime) c.duration_us = d;
      out.push_back(std::move(c));
    }
    if (server) {
      Span sv = base;
      sv.kind = SpanKind::server;
      sv.service = v1.server;
      sv.shared = client;
      sv.start_us = v1.sr != kNoTime ? v1.sr : (client ? kNoTime : base.start_us);
      const int64_t d = between(v1.sr, v1.ss);
      sv.duration_us = d != kNoTime ? d : (client ? kNoTime : base.duration_us);
      out.push_back(std::move(sv));
    }
    if (!client && !server) {
      base.service = v1.local != kNoName ? v1.local : v1.any;
      out.push_back(std::move(base));
    }
    return out;
  }

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

  void read_span(od::object so, SpanAttributes& attrs, Span& s, V1& v1) {
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
        v1.v2 = true;
      } else if (key == "timestamp") {
        s.start_us = micros(v, "timestamp");
      } else if (key == "duration") {
        s.duration_us = micros(v, "duration");
      } else if (key == "localEndpoint") {
        s.service = service_of(need(v.get_object(), "localEndpoint"), "localEndpoint.serviceName");
        v1.v2 = true;
      } else if (key == "remoteEndpoint") {
        remote = service_of(need(v.get_object(), "remoteEndpoint"), "remoteEndpoint.serviceName");
      } else if (key == "shared") {
        s.shared = need(v.get_bool(), "shared");
      } else if (key == "annotations") {
        read_annotations(need(v.get_array(), "annotations"), v1, s);
      } else if (key == "binaryAnnotations") {
        read_binary_annotations(need(v.get_array(), "binaryAnnotations"), v1, s, attrs);
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
  f.description = "Zipkin v2 JSON (a list of spans, a list of traces, or a single span); v1 spans too";
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
