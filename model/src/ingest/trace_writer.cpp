#include "palette/ingest/trace_writer.hpp"

#include <map>
#include <string>
#include <vector>

#include "palette/error.hpp"
#include "palette/json_writer.hpp"

namespace palette::ingest {
namespace {

// One span as written: both formats are produced from this flat list.
struct OutSpan {
  Id128 span_id, parent_id;
  NameId service, operation;
  NameId peer = kNoName;  // client_only: who was called
  int64_t start_us, duration_us;
  SpanKind kind;
  bool error;
  int64_t request_bytes, response_bytes;
};

std::string hex16(const Id128& id) {
  std::string h = Id128{0, id.lo}.hex();
  return h;
}

// Flattens a tree into spans. Ids: 64-bit, derived from the trace id and node index.
std::vector<OutSpan> flatten(const CallTree& tree, const Catalog& cat) {
  std::vector<OutSpan> out;
  std::vector<Id128> server_id(tree.nodes.size());
  auto make_id = [&](size_t node, uint64_t side) {
    Id128 d = Id128::derived(tree.trace_id, node * 2 + side);
    return Id128{0, d.lo | 1};  // never zero
  };
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const CallNode& n = tree.nodes[i];
    const Api& api = cat.api(n.api);
    Id128 parent = n.parent >= 0 ? server_id[static_cast<size_t>(n.parent)] : Id128{};
    NameId caller_service =
        n.parent >= 0 ? cat.api(tree.nodes[static_cast<size_t>(n.parent)].api).service : api.service;
    bool has_caller_time = n.caller_start_us != kNoTime && n.caller_duration_us != kNoTime;
    int64_t cs = has_caller_time ? n.caller_start_us : n.start_us;
    int64_t cd = has_caller_time ? n.caller_duration_us : n.duration_us;
    switch (n.kind) {
      case NodeKind::root:
      case NodeKind::server_only:
        server_id[i] = make_id(i, 0);
        out.push_back({server_id[i], parent, api.service, api.operation, kNoName, n.start_us, n.duration_us,
                       SpanKind::server, n.error, n.request_bytes, n.response_bytes});
        break;
      case NodeKind::local:
        server_id[i] = make_id(i, 0);
        out.push_back({server_id[i], parent, api.service, api.operation, kNoName, n.start_us, n.duration_us,
                       SpanKind::internal, n.error, -1, -1});
        break;
      case NodeKind::client_only:
        server_id[i] = make_id(i, 0);
        out.push_back({server_id[i], parent, caller_service, api.operation, api.service, cs, cd, SpanKind::client,
                       n.error, n.request_bytes, n.response_bytes});
        break;
      case NodeKind::rpc: {
        Id128 client = make_id(i, 1);
        server_id[i] = make_id(i, 0);
        out.push_back({client, parent, caller_service, api.operation, kNoName, cs, cd, SpanKind::client, n.error,
                       n.request_bytes, n.response_bytes});
        out.push_back({server_id[i], client, api.service, api.operation, kNoName, n.start_us, n.duration_us,
                       SpanKind::server, n.error, -1, -1});
        break;
      }
    }
  }
  return out;
}

// Both formats are one JSON object holding one array, {"KEY":[element,\n element,...]}: opened here,
// an element at a time with next_element(), closed by finish().
class WrappedArrayWriter : public TraceWriter {
 public:
  void finish() override { out_ << "\n]}\n"; }

 protected:
  WrappedArrayWriter(std::ostream& out, const Catalog& cat, const char* key) : out_(out), cat_(cat) {
    out_ << "{\"" << key << "\":[";
  }
  // The separator before the next element, which is then written with the JsonWriter returned.
  JsonWriter next_element() {
    if (count_++) out_ << ",";
    out_ << "\n";
    return JsonWriter(out_);
  }
  std::ostream& out_;
  const Catalog& cat_;

 private:
  uint64_t count_ = 0;
};

class JaegerWriter final : public WrappedArrayWriter {
 public:
  JaegerWriter(std::ostream& out, const Catalog& cat) : WrappedArrayWriter(out, cat, "data") {}
  void add(const CallTree& tree) override {
    auto spans = flatten(tree, cat_);
    std::map<NameId, std::string> pids;
    for (const auto& s : spans)
      if (!pids.count(s.service)) pids.emplace(s.service, "p" + std::to_string(pids.size() + 1));
    JsonWriter w = next_element();
    std::string trace = tree.trace_id.hex();
    w.begin_object();
    w.key("traceID").value(trace);
    w.key("spans").begin_array();
    for (const auto& s : spans) {
      w.begin_object();
      w.key("traceID").value(trace);
      w.key("spanID").value(hex16(s.span_id));
      w.key("operationName").value(cat_.names.text(s.operation));
      w.key("references").begin_array();
      if (!s.parent_id.empty()) {
        w.begin_object().key("refType").value("CHILD_OF").key("traceID").value(trace);
        w.key("spanID").value(hex16(s.parent_id)).end_object();
      }
      w.end_array();
      w.key("startTime").value(s.start_us);
      w.key("duration").value(s.duration_us);
      w.key("tags").begin_array();
      w.begin_object().key("key").value("span.kind").key("type").value("string");
      w.key("value").value(to_string(s.kind)).end_object();
      if (s.error) w.begin_object().key("key").value("error").key("type").value("bool").key("value").value(true).end_object();
      if (s.peer != kNoName)
        w.begin_object().key("key").value("peer.service").key("type").value("string").key("value").value(cat_.names.text(s.peer)).end_object();
      if (s.request_bytes >= 0)
        w.begin_object().key("key").value("rpc.request.size").key("type").value("int64").key("value").value(s.request_bytes).end_object();
      if (s.response_bytes >= 0)
        w.begin_object().key("key").value("rpc.response.size").key("type").value("int64").key("value").value(s.response_bytes).end_object();
      w.end_array();
      w.key("processID").value(pids.at(s.service));
      w.end_object();
    }
    w.end_array();
    w.key("processes").begin_object();
    for (const auto& [svc, pid] : pids) w.key(pid).begin_object().key("serviceName").value(cat_.names.text(svc)).end_object();
    w.end_object();
    w.end_object();
  }
};

class OtlpWriter final : public WrappedArrayWriter {
 public:
  OtlpWriter(std::ostream& out, const Catalog& cat) : WrappedArrayWriter(out, cat, "resourceSpans") {}
  void add(const CallTree& tree) override {
    auto spans = flatten(tree, cat_);
    std::map<NameId, std::vector<const OutSpan*>> by_service;
    for (const auto& s : spans) by_service[s.service].push_back(&s);
    std::string trace = tree.trace_id.hex();
    if (trace.size() < 32) trace = std::string(32 - trace.size(), '0') + trace;
    for (const auto& [svc, list] : by_service) {
      JsonWriter w = next_element();
      w.begin_object();
      w.key("resource").begin_object().key("attributes").begin_array();
      w.begin_object().key("key").value("service.name").key("value").begin_object().key("stringValue").value(cat_.names.text(svc)).end_object().end_object();
      w.end_array().end_object();
      w.key("scopeSpans").begin_array().begin_object();
      w.key("scope").begin_object().key("name").value("palette").end_object();
      w.key("spans").begin_array();
      for (const OutSpan* s : list) {
        w.begin_object();
        w.key("traceId").value(trace);
        w.key("spanId").value(hex16(s->span_id));
        if (!s->parent_id.empty()) w.key("parentSpanId").value(hex16(s->parent_id));
        w.key("name").value(cat_.names.text(s->operation));
        int kind = s->kind == SpanKind::server ? 2 : s->kind == SpanKind::client ? 3 : 1;
        w.key("kind").value(kind);
        w.key("startTimeUnixNano").value(std::to_string(s->start_us * 1000));
        w.key("endTimeUnixNano").value(std::to_string((s->start_us + s->duration_us) * 1000));
        w.key("attributes").begin_array();
        if (s->peer != kNoName)
          w.begin_object().key("key").value("peer.service").key("value").begin_object().key("stringValue").value(cat_.names.text(s->peer)).end_object().end_object();
        if (s->request_bytes >= 0)
          w.begin_object().key("key").value("rpc.request.size").key("value").begin_object().key("intValue").value(std::to_string(s->request_bytes)).end_object().end_object();
        if (s->response_bytes >= 0)
          w.begin_object().key("key").value("rpc.response.size").key("value").begin_object().key("intValue").value(std::to_string(s->response_bytes)).end_object().end_object();
        w.end_array();
        if (s->error) w.key("status").begin_object().key("code").value(2).end_object();
        w.end_object();
      }
      w.end_array().end_object().end_array();
      w.end_object();
    }
  }
};

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::create(const std::string& format, std::ostream& out, const Catalog& catalog) {
  if (format == "jaeger") return std::make_unique<JaegerWriter>(out, catalog);
  if (format == "otlp") return std::make_unique<OtlpWriter>(out, catalog);
  throw Error(ErrorKind::bad_value, "cannot write traces as \"" + format + "\"").with_hint("use jaeger or otlp");
}

}  // namespace palette::ingest
