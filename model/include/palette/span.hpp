#pragma once
// Span: one record of a distributed trace as a reader produced it, before normalization: ids, where it
// ran (service), what it did (operation), when (µs since the epoch) and how long (µs). Readers of every
// format produce Spans; normalization (ingest/normalize.hpp) turns the Spans of one trace into a CallTree.
//
//   Span s;  s.trace_id = Id128::from_text("0ba246a1142ae857");  s.service = names.intern("frontend");
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "palette/ids.hpp"
#include "palette/names.hpp"

namespace palette {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
// The largest start or duration, in µs either way, that ingestion keeps (2^53 µs, about 285 years from
// the epoch, beyond what a nanosecond clock can write): sums and differences of a few times then never
// overflow. The assembler treats anything larger as missing and counts it (spans_with_impossible_timing).
inline constexpr int64_t kMaxTimeUs = int64_t{1} << 53;

enum class SpanKind : uint8_t { unspecified, server, client, internal, producer, consumer };
const char* to_string(SpanKind kind);

struct Span {
  Id128 trace_id, span_id, parent_id;  // parent_id empty: a root (or a span whose parent is unknown)
  NameId service = kNoName;            // kNoName: the format gave none; see NormalizeOptions
  NameId operation = kNoName;
  // The peer, where the format says: the service a client span calls (Zipkin, OTLP, Alibaba), or the
  // service that called a server span (Alibaba's callee-side rows).
  NameId remote_service = kNoName;
  int64_t start_us = kNoTime;       // kNoTime: the record has no timestamp
  int64_t duration_us = kNoTime;    // kNoTime: the record has no duration
  int64_t request_bytes = -1, response_bytes = -1;  // -1: not recorded
  SpanKind kind = SpanKind::unspecified;
  bool error = false;
  bool shared = false;  // Zipkin: a server half that reuses its client's span id
  // Head-based sampling probability the tracer recorded (Jaeger's sampler.param), 0 when unknown:
  // the traced request rate is the stored rate divided by it.
  float sampling_probability = 0;
  // A call record whose side the format cannot tell (Alibaba rows with rt 0): read as a client of
  // remote_service; normalization turns it into the server half when its span id lacks one.
  bool side_unknown = false;
  // Attributes the user asked to keep (ReaderOptions::keep_attributes), as interned key/value pairs.
  std::vector<std::pair<NameId, NameId>> attributes;

  bool has_timing() const { return start_us != kNoTime && duration_us != kNoTime; }
  int64_t end_us() const { return start_us + duration_us; }
};

// The spans of one trace, in the order the reader saw them.
struct RawTrace {
  Id128 trace_id;
  std::vector<Span> spans;
  int64_t last_seen_us = kNoTime;  // largest span start seen: drives the idle window of the assembler
};

}  // namespace palette
