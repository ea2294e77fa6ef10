#include "palette/emu/wire.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace palette::emu {
namespace {

// Explicit little-endian byte order, whatever the host's.
void put(std::string& out, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

uint64_t get(const char* p, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
  return v;
}

bool all_zero(const char* p, size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

void put_prefix(std::string& out, FrameType type, uint32_t payload) {
  out.push_back(static_cast<char>(wire::kMagic0));
  out.push_back(static_cast<char>(wire::kMagic1));
  out.push_back(static_cast<char>(wire::kVersion));
  out.push_back(static_cast<char>(type));
  put(out, payload, 4);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C: lower-case only
}

bool parse_hex(std::string_view s, uint64_t* out) {
  uint64_t v = 0;
  for (char c : s) {
    int d = hex_digit(c);
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

const char* to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::error: return "error";
    case Status::timeout: return "timeout";
    case Status::bad_request: return "bad_request";
  }
  return "error";
}

std::string TraceContext::traceparent() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "00-%016llx%016llx-%016llx-%02x", static_cast<unsigned long long>(trace_id.hi),
                static_cast<unsigned long long>(trace_id.lo), static_cast<unsigned long long>(parent_span_id),
                static_cast<unsigned>(flags));
  return buf;
}

std::optional<TraceContext> TraceContext::parse_traceparent(std::string_view t) {
  // version(2) - trace id(32) - parent id(16) - flags(2)
  if (t.size() != 55 || t[2] != '-' || t[35] != '-' || t[52] != '-' || t.substr(0, 2) != "00") return std::nullopt;
  TraceContext c;
  uint64_t flags = 0;
  if (!parse_hex(t.substr(3, 16), &c.trace_id.hi) || !parse_hex(t.substr(19, 16), &c.trace_id.lo) ||
      !parse_hex(t.substr(36, 16), &c.parent_span_id) || !parse_hex(t.substr(53, 2), &flags))
    return std::nullopt;
  if (c.trace_id.empty() || c.parent_span_id == 0) return std::nullopt;  // all-zero ids are invalid
  c.flags = static_cast<uint8_t>(flags);
  return c;
}

void append_request(std::string& out, const RequestFrame& f) {
  out.reserve(out.size() + wire::kRequestHeaderBytes + f.request_bytes);
  put_prefix(out, FrameType::request, f.request_bytes);
  put(out, f.call_id, 8);
  put(out, f.api, 4);
  put(out, f.trace.flags, 1);
  put(out, 0, 3);
  put(out, f.trace.trace_id.hi, 8);
  put(out, f.trace.trace_id.lo, 8);
  put(out, f.trace.parent_span_id, 8);
  put(out, f.baggage.caller, 4);
  put(out, f.baggage.latency_class, 4);
  put(out, f.baggage.structure_class, 4);
  put(out, f.response_bytes, 4);
  put(out, f.baggage.key, 8);
  put(out, 0, 8);
  out.append(f.request_bytes, '\0');
}

void append_response(std::string& out, const ResponseFrame& f) {
  out.reserve(out.size() + wire::kResponseHeaderBytes + f.response_bytes);
  put_prefix(out, FrameType::response, f.response_bytes);
  put(out, f.call_id, 8);
  put(out, static_cast<uint8_t>(f.status), 1);
  put(out, 0, 7);
  put(out, static_cast<uint64_t>(f.server_ns), 8);
  put(out, static_cast<uint64_t>(f.excess_ns), 8);
  out.append(f.response_bytes, '\0');
}

FrameParser::FrameParser(FrameType expect, uint32_t max_payload_bytes) : expect_(expect), max_payload_(max_payload_bytes) {}

FrameParser::Parsed FrameParser::fail(std::string why) {
  error_ = std::move(why);
  return Parsed::malformed;
}

FrameParser::Parsed FrameParser::next(const char** data, const char* end) {
  if (!error_.empty()) return Parsed::malformed;
  const size_t want = expect_ == FrameType::request ? wire::kRequestHeaderBytes : wire::kResponseHeaderBytes;
  while (*data < end) {
    if (in_payload_) {
      auto skip = static_cast<size_t>(std::min<uint64_t>(payload_left_, static_cast<uint64_t>(end - *data)));
      *data += skip;
      payload_left_ -= skip;
      if (payload_left_ > 0) return Parsed::need_more;
      in_payload_ = false;
      ++frames_;
      return Parsed::frame;
    }
    // Check the prefix as soon as it is there: garbage is refused without waiting for a whole header.
    size_t take = std::min(want - have_, static_cast<size_t>(end - *data));
    std::memcpy(header_ + have_, *data, take);
    const size_t before = have_;
    have_ += take;
    *data += take;
    if (before < wire::kPrefixBytes && have_ >= wire::kPrefixBytes) {
      if (static_cast<uint8_t>(header_[0]) != wire::kMagic0 || static_cast<uint8_t>(header_[1]) != wire::kMagic1)
        return fail("bad magic (not a palette frame)");
      if (static_cast<uint8_t>(header_[2]) != wire::kVersion)
        return fail("unsupported frame version " + std::to_string(static_cast<uint8_t>(header_[2])));
      if (static_cast<uint8_t>(header_[3]) != static_cast<uint8_t>(expect_))
        return fail("unexpected frame type " + std::to_string(static_cast<uint8_t>(header_[3])));
      uint64_t payload = get(header_ + 4, 4);
      if (payload > max_payload_)
        return fail("payload of " + std::to_string(payload) + " bytes exceeds the limit of " + std::to_string(max_payload_));
    }
    if (have_ < want) return Parsed::need_more;
    have_ = 0;
    Parsed p = header_complete();
    if (p != Parsed::frame) return p;
    if (payload_left_ == 0) {
      ++frames_;
      return Parsed::frame;
    }
    in_payload_ = true;
  }
  return Parsed::need_more;
}

FrameParser::Parsed FrameParser::header_complete() {
  const char* b = header_ + wire::kPrefixBytes;
  const auto payload = static_cast<uint32_t>(get(header_ + 4, 4));
  payload_left_ = payload;
  if (expect_ == FrameType::request) {
    RequestFrame& f = request_;
    f.call_id = get(b, 8);
    f.api = static_cast<model::ApiIndex>(get(b + 8, 4));
    f.trace.flags = static_cast<uint8_t>(get(b + 12, 1));
    if (!all_zero(b + 13, 3)) return fail("reserved request bytes 13..15 are not zero");
    f.trace.trace_id.hi = get(b + 16, 8);
    f.trace.trace_id.lo = get(b + 24, 8);
    f.trace.parent_span_id = get(b + 32, 8);
    f.baggage.caller = static_cast<model::ApiIndex>(get(b + 40, 4));
    f.baggage.latency_class = static_cast<uint32_t>(get(b + 44, 4));
    f.baggage.structure_class = static_cast<uint32_t>(get(b + 48, 4));
    f.response_bytes = static_cast<uint32_t>(get(b + 52, 4));
    f.baggage.key = get(b + 56, 8);
    if (!all_zero(b + 64, 8)) return fail("reserved request bytes 64..71 are not zero");
    f.request_bytes = payload;
    if (f.trace.trace_id.empty()) return fail("trace id is zero");
    if (f.response_bytes > max_payload_)
      return fail("asks for a response of " + std::to_string(f.response_bytes) + " bytes, over the limit of " +
                  std::to_string(max_payload_));
  } else {
    ResponseFrame& f = response_;
    f.call_id = get(b, 8);
    auto status = static_cast<uint8_t>(get(b + 8, 1));
    if (status > static_cast<uint8_t>(Status::bad_request)) return fail("unknown status " + std::to_string(status));
    f.status = static_cast<Status>(status);
    if (!all_zero(b + 9, 7)) return fail("reserved response bytes 9..15 are not zero");
    f.server_ns = static_cast<int64_t>(get(b + 16, 8));
    f.excess_ns = static_cast<int64_t>(get(b + 24, 8));
    if (f.server_ns < 0 || f.excess_ns < 0) return fail("negative time in a response");
    f.response_bytes = payload;
  }
  return Parsed::frame;
}

std::string check_request(const RequestFrame& f, const model::Topology& t) {
  if (f.api >= t.apis.size()) return "unknown API index " + std::to_string(f.api);
  if (f.baggage.caller != model::kNoApiIndex && f.baggage.caller >= t.apis.size())
    return "unknown caller API index " + std::to_string(f.baggage.caller);
  if (f.baggage.latency_class >= std::max<size_t>(1, t.latency_class_weights.size()))
    return "latency class " + std::to_string(f.baggage.latency_class) + " out of range";
  if (f.baggage.structure_class >= std::max<size_t>(1, t.structure_class_weights.size()))
    return "structure class " + std::to_string(f.baggage.structure_class) + " out of range";
  return "";
}

}  // namespace palette::emu
