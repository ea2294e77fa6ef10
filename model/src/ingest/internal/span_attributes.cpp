#include "span_attributes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace palette::ingest::internal {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a == b) return true;  // the common spelling, without the per-character folding
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool as_int(const AttributeValue& v, int64_t& out) {
  switch (v.type) {
    case AttributeValue::integer: out = v.i; return true;
    case AttributeValue::floating:  // NaN or out of int64's range would make the cast undefined
      if (!(std::fabs(v.d) < 9.2e18)) return false;
      out = static_cast<int64_t>(v.d);
      return true;
    case AttributeValue::string: {
      auto r = std::from_chars(v.str.data(), v.str.data() + v.str.size(), out);
      return r.ec == std::errc() && r.ptr == v.str.data() + v.str.size();
    }
    case AttributeValue::boolean: return false;
  }
  return false;
}

bool truthy(const AttributeValue& v) {
  if (v.type == AttributeValue::boolean) return v.b;
  if (v.type == AttributeValue::string) return iequals(v.str, "true");
  if (v.type == AttributeValue::integer) return v.i != 0;
  return false;
}

}  // namespace

void AttributeValue::append_text(std::string& out) const {
  switch (type) {
    case string: out.append(str); break;
    case integer: out += std::to_string(i); break;
    case floating: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      break;
    }
    case boolean: out += b ? "true" : "false"; break;
  }
}

SpanKind parse_span_kind(std::string_view text) {
  if (text.size() < 6 || text.size() > 8) return SpanKind::unspecified;
  if (iequals(text, "server")) return SpanKind::server;
  if (iequals(text, "client")) return SpanKind::client;
  if (iequals(text, "producer")) return SpanKind::producer;
  if (iequals(text, "consumer")) return SpanKind::consumer;
  if (iequals(text, "internal")) return SpanKind::internal;
  return SpanKind::unspecified;
}

SpanAttributes::SpanAttributes(ReadContext& ctx) : ctx_(ctx), keep_any_(!ctx.options.keep_attributes.empty()) {}

void SpanAttributes::apply(Span& span, std::string_view key, const AttributeValue& v) {
  if (keep_any_ && std::find(ctx_.options.keep_attributes.begin(), ctx_.options.keep_attributes.end(), key) !=
                       ctx_.options.keep_attributes.end()) {
    std::string text;
    v.append_text(text);
    span.attributes.emplace_back(ctx_.catalog.names.intern(key), ctx_.catalog.names.intern(text));
  }
  if (key.size() <= 5) {  // "error" is the only short key read
    if (key == "error" && truthy(v)) span.error = true;
    return;
  }
  int64_t n = 0;
  if (key == "span.kind") {
    if (v.type == AttributeValue::string && span.kind == SpanKind::unspecified) span.kind = parse_span_kind(v.str);
  } else if (key == "otel.status_code") {
    if (v.type == AttributeValue::string && iequals(v.str, "error")) span.error = true;
  } else if (key == "http.status_code" || key == "http.response.status_code") {
    if (as_int(v, n) && n >= 500) span.error = true;
  } else if (key == "rpc.grpc.status_code") {
    if (as_int(v, n) && n != 0) span.error = true;
  } else if (key == "sampler.param") {
    double p = v.type == AttributeValue::floating ? v.d : v.type == AttributeValue::integer ? static_cast<double>(v.i) : 0;
    if (p > 0 && p <= 1) span.sampling_probability = static_cast<float>(p);
  } else if (key == "peer.service") {
    if (v.type == AttributeValue::string && !v.str.empty()) span.remote_service = ctx_.catalog.names.intern(v.str);
  } else if (key == "db.system") {
    if (v.type == AttributeValue::string && !v.str.empty() && span.remote_service == kNoName)
      span.remote_service = ctx_.catalog.names.intern(v.str);
  } else if (key == "http.request_content_length" || key == "http.request.body.size" ||
             key == "messaging.message.payload_size_bytes" || key == "messaging.message.body.size" ||
             key == "rpc.request.size") {
    if (as_int(v, n) && n >= 0) span.request_bytes = n;
  } else if (key == "http.response_content_length" || key == "http.response.body.size" || key == "rpc.response.size") {
    if (as_int(v, n) && n >= 0) span.response_bytes = n;
  }
}

}  // namespace palette::ingest::internal
