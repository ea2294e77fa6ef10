#pragma once
// The wire format between emulated services: one binary frame per request or response on a TCP
// connection, several calls in flight per connection (responses carry the call id and may come back
// in any order). A request carries the API to run, the trace context (the W3C traceparent fields:
// 128-bit trace id, the caller's 64-bit span id, flags), the baggage the callee plans with (the
// model's CallContext) and a payload of the modelled request size; a response carries the status,
// the callee's own time (live correction needs it), the runtime overhead its subtree could not absorb,
// and a payload of the modelled response size.
//
// Layout (little-endian): an 8-byte prefix {magic "PL", version, type, payload length u32}, a fixed
// body per type (request 72 bytes, response 32), then the payload (zeros; only its size matters).
// Reserved bytes must be zero, so garbage is caught early. FrameParser checks every field; the first
// violation stops it and names the field — the connection is then closed, the process goes on.
//
//   std::string out;  append_request(out, req);  socket.write(out);
//   FrameParser p(FrameType::response, {});  while ((r = p.next(data, end)) != Parsed::need_more) ...
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "palette/ids.hpp"
#include "palette/topology/sampler.hpp"

namespace palette::emu {

enum class Status : uint8_t {
  ok = 0,
  error = 1,        // the callee or something below it failed
  timeout = 2,      // a call below did not answer in time
  bad_request = 3,  // a well-formed frame the callee cannot serve (an API it does not host)
};
const char* to_string(Status s);

// The W3C trace-context fields (https://www.w3.org/TR/trace-context/): traceparent is
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
struct TraceContext {
  Id128 trace_id;
  uint64_t parent_span_id = 0;  // the caller's client span; 0 at the root
  uint8_t flags = 1;            // 1 = sampled

  std::string traceparent() const;
  static std::optional<TraceContext> parse_traceparent(std::string_view text);
};

struct RequestFrame {
  uint64_t call_id = 0;  // chosen by the caller, unique among its calls in flight on the connection
  model::ApiIndex api = model::kNoApiIndex;
  TraceContext trace;
  model::CallContext baggage;
  uint32_t request_bytes = 0;   // payload that follows the header
  uint32_t response_bytes = 0;  // payload the response must carry
};

struct ResponseFrame {
  uint64_t call_id = 0;
  Status status = Status::ok;
  int64_t server_ns = 0;  // the callee's own time, from reading the request to writing the response
  int64_t excess_ns = 0;  // runtime overhead in the callee's subtree that live correction could not absorb
  uint32_t response_bytes = 0;
};

enum class FrameType : uint8_t { request = 1, response = 2 };

namespace wire {
inline constexpr uint8_t kMagic0 = 'P', kMagic1 = 'L', kVersion = 1;
inline constexpr size_t kPrefixBytes = 8;
inline constexpr size_t kRequestHeaderBytes = kPrefixBytes + 72;
inline constexpr size_t kResponseHeaderBytes = kPrefixBytes + 32;
inline constexpr uint32_t kDefaultMaxPayloadBytes = 64u << 20;
}  // namespace wire

// Appends the frame (header and zero payload) to out.
void append_request(std::string& out, const RequestFrame& frame);
void append_response(std::string& out, const ResponseFrame& frame);

// Incremental parser of one direction of a connection. Payload bytes are counted and skipped, never
// buffered, so a frame of any allowed size costs no memory.
class FrameParser {
 public:
  enum class Parsed { need_more, frame, malformed };

  FrameParser(FrameType expect, uint32_t max_payload_bytes = wire::kDefaultMaxPayloadBytes);

  // Consumes bytes from [*data, end), advancing *data. Returns `frame` when a whole frame (payload
  // included) has been read — then request()/response() hold it — `need_more` when the input ran out,
  // or `malformed` (error() says why); after `malformed` every call returns `malformed`.
  Parsed next(const char** data, const char* end);

  const RequestFrame& request() const { return request_; }
  const ResponseFrame& response() const { return response_; }
  const std::string& error() const { return error_; }
  uint64_t frames() const { return frames_; }

 private:
  Parsed header_complete();
  Parsed fail(std::string why);

  FrameType expect_;
  uint32_t max_payload_;
  char header_[wire::kRequestHeaderBytes];
  size_t have_ = 0;              // header bytes gathered
  uint64_t payload_left_ = 0;    // payload bytes still to skip
  bool in_payload_ = false;
  RequestFrame request_;
  ResponseFrame response_;
  std::string error_;
  uint64_t frames_ = 0;
};

// Checks a parsed request against the topology both sides share: API and classes in range, the
// caller a known API. Returns the problem, or "" when the request is valid.
std::string check_request(const RequestFrame& frame, const model::Topology& topology);

}  // namespace palette::emu
