// Wire format: round trips, byte-at-a-time parsing, every validation that closes a connection.
#include <gtest/gtest.h>

#include "palette/emu/wire.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

RequestFrame sample_request() {
  RequestFrame r;
  r.call_id = 0x1122334455667788ULL;
  r.api = 7;
  r.trace.trace_id = Id128{0xAABBCCDDEEFF0011ULL, 0x2233445566778899ULL};
  r.trace.parent_span_id = 0x0102030405060708ULL;
  r.trace.flags = 1;
  r.baggage = model::CallContext{3, 2, 1, 0xDEADBEEFCAFEF00DULL};
  r.request_bytes = 1000;
  r.response_bytes = 70000;
  return r;
}

// Feeds `bytes` to a parser in chunks of `chunk`, collecting the frames.
template <typename Frame>
std::vector<Frame> parse_all(FrameType type, const std::string& bytes, size_t chunk, std::string* error = nullptr) {
  FrameParser p(type);
  std::vector<Frame> out;
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    const char* d = bytes.data() + at;
    const char* end = bytes.data() + std::min(bytes.size(), at + chunk);
    for (;;) {
      auto r = p.next(&d, end);
      if (r == FrameParser::Parsed::need_more) break;
      if (r == FrameParser::Parsed::malformed) {
        if (error) *error = p.error();
        return out;
      }
      if constexpr (std::is_same_v<Frame, RequestFrame>) out.push_back(p.request());
      else out.push_back(p.response());
    }
  }
  return out;
}

}  // namespace

TEST(Wire, RequestRoundTripsAtEveryChunkSize) {
  RequestFrame r = sample_request();
  std::string bytes;
  append_request(bytes, r);
  r.call_id = 9;
  r.request_bytes = 0;
  append_request(bytes, r);
  EXPECT_EQ(bytes.size(), 2 * wire::kRequestHeaderBytes + 1000);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{80}, size_t{4096}}) {
    auto frames = parse_all<RequestFrame>(FrameType::request, bytes, chunk);
    ASSERT_EQ(frames.size(), 2u) << "chunk " << chunk;
    const RequestFrame& f = frames[0];
    EXPECT_EQ(f.call_id, 0x1122334455667788ULL);
    EXPECT_EQ(f.api, 7u);
    EXPECT_EQ(f.trace.trace_id, (Id128{0xAABBCCDDEEFF0011ULL, 0x2233445566778899ULL}));
    EXPECT_EQ(f.trace.parent_span_id, 0x0102030405060708ULL);
    EXPECT_EQ(f.baggage.caller, 3u);
    EXPECT_EQ(f.baggage.latency_class, 2u);
    EXPECT_EQ(f.baggage.structure_class, 1u);
    EXPECT_EQ(f.baggage.key, 0xDEADBEEFCAFEF00DULL);
    EXPECT_EQ(f.request_bytes, 1000u);
    EXPECT_EQ(f.response_bytes, 70000u);
    EXPECT_EQ(frames[1].call_id, 9u);
    EXPECT_EQ(frames[1].request_bytes, 0u);
  }
}

TEST(Wire, ResponseRoundTrips) {
  ResponseFrame r;
  r.call_id = 42;
  r.status = Status::timeout;
  r.server_ns = 123456789;
  r.excess_ns = 321;
  r.response_bytes = 3;
  std::string bytes;
  append_response(bytes, r);
  auto frames = parse_all<ResponseFrame>(FrameType::response, bytes, 5);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].call_id, 42u);
  EXPECT_EQ(frames[0].status, Status::timeout);
  EXPECT_EQ(frames[0].server_ns, 123456789);
  EXPECT_EQ(frames[0].excess_ns, 321);
  EXPECT_EQ(frames[0].response_bytes, 3u);
}

TEST(Wire, MalformedFramesAreRefusedWithAReason) {
  std::string good;
  append_request(good, sample_request());
  struct Case {
    const char* name;
    std::string bytes;
    const char* error;
  };
  std::vector<Case> cases;
  std::string b = good;
  b[0] = 'G';  // e.g. an HTTP client: "GET / ..."
  cases.push_back({"magic", b, "bad magic"});
  b = good;
  b[2] = 9;
  cases.push_back({"version", b, "unsupported frame version 9"});
  b = good;
  b[3] = 2;
  cases.push_back({"type", b, "unexpected frame type 2"});
  b = good;
  b[7] = 0x7F;  // payload of ~2 GB
  cases.push_back({"oversized", b, "exceeds the limit"});
  b = good;
  b[wire::kPrefixBytes + 14] = 1;
  cases.push_back({"reserved", b, "reserved request bytes"});
  b = good;
  for (int k = 16; k < 32; ++k) b[wire::kPrefixBytes + static_cast<size_t>(k)] = 0;
  cases.push_back({"zero trace id", b, "trace id is zero"});
  for (const auto& c : cases) {
    std::string error;
    auto frames = parse_all<RequestFrame>(FrameType::request, c.bytes, 3, &error);
    EXPECT_TRUE(frames.empty()) << c.name;
    EXPECT_NE(error.find(c.error), std::string::npos) << c.name << ": " << error;
  }
  // The prefix alone is enough to refuse garbage: no waiting for a whole header.
  FrameParser p(FrameType::request);
  std::string junk = "GET / HTTP/1.1\r\n";
  const char* d = junk.data();
  EXPECT_EQ(p.next(&d, junk.data() + 8), FrameParser::Parsed::malformed);
  EXPECT_EQ(p.next(&d, junk.data() + junk.size()), FrameParser::Parsed::malformed);  // and stays so
}

TEST(Wire, OversizedPayloadIsCheckedAgainstTheConfiguredLimit) {
  RequestFrame r = sample_request();
  r.request_bytes = 2000;
  std::string bytes;
  append_request(bytes, r);
  FrameParser p(FrameType::request, 1500);
  const char* d = bytes.data();
  EXPECT_EQ(p.next(&d, bytes.data() + bytes.size()), FrameParser::Parsed::malformed);
  EXPECT_NE(p.error().find("2000 bytes exceeds the limit of 1500"), std::string::npos) << p.error();
}

TEST(Wire, TraceparentIsW3C) {
  TraceContext c;
  c.trace_id = Id128{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};
  c.parent_span_id = 0x00f067aa0ba902b7ULL;
  c.flags = 1;
  EXPECT_EQ(c.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");  // the spec's example
  auto back = TraceContext::parse_traceparent(c.traceparent());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->trace_id, c.trace_id);
  EXPECT_EQ(back->parent_span_id, c.parent_span_id);
  EXPECT_FALSE(TraceContext::parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"));
}
