// The emulator's wire format on arbitrary bytes, as a service and a client read them: the parser must
// answer `frame`, `need_more` or `malformed` whatever the bytes and however they are cut into reads;
// a frame it accepts must encode back to bytes it parses the same; check_request must hold on any
// parsed request. A crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "palette/emu/wire.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

palette::model::Topology tiny_topology() {
  palette::model::Topology t;
  t.services.resize(1);
  t.apis.resize(2);
  t.latency_class_weights = {0.5, 0.5};
  return t;
}

void parse(palette::emu::FrameType type, const uint8_t* data, size_t size, size_t chunk) {
  using namespace palette::emu;
  static const palette::model::Topology topology = tiny_topology();
  FrameParser p(type, 1 << 20);
  const char* begin = reinterpret_cast<const char*>(data);
  for (size_t at = 0; at < size; at += chunk) {
    const char* d = begin + at;
    const char* end = begin + std::min(size, at + chunk);
    for (;;) {
      auto r = p.next(&d, end);
      check(d >= begin && d <= end);
      if (r == FrameParser::Parsed::need_more) break;
      if (r == FrameParser::Parsed::malformed) {
        check(!p.error().empty());
        return;
      }
      std::string again;
      if (type == FrameType::request) {
        (void)check_request(p.request(), topology);
        append_request(again, p.request());
        FrameParser q(type, 1 << 20);
        const char* a = again.data();
        check(q.next(&a, again.data() + again.size()) == FrameParser::Parsed::frame);
        check(q.request().call_id == p.request().call_id && q.request().baggage.key == p.request().baggage.key &&
              q.request().request_bytes == p.request().request_bytes);
      } else {
        append_response(again, p.response());
        FrameParser q(type, 1 << 20);
        const char* a = again.data();
        check(q.next(&a, again.data() + again.size()) == FrameParser::Parsed::frame);
        check(q.response().server_ns == p.response().server_ns && q.response().status == p.response().status);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the direction and how the bytes are cut into reads.
  const auto type = data[0] & 1 ? palette::emu::FrameType::response : palette::emu::FrameType::request;
  const size_t chunk = 1 + (data[0] >> 1);
  parse(type, data + 1, size - 1, chunk);
  return 0;
}
