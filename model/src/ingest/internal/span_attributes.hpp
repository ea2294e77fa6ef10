#pragma once
// What span attributes (Jaeger tags, OTLP attributes, Zipkin tags) mean to palette, shared by the JSON
// readers so that every format reads `span.kind`, errors, peers and payload sizes the same way.
#include <cstdint>
#include <string_view>

#include "palette/call_tree.hpp"
#include "palette/ingest/reader.hpp"
#include "palette/span.hpp"

namespace palette::ingest::internal {

struct AttributeValue {
  enum Type { string, integer, floating, boolean } type = string;
  std::string_view str;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  // The value as text for kept attributes: strings as they are, numbers formatted.
  void append_text(std::string& out) const;
};

class SpanAttributes {
 public:
  explicit SpanAttributes(ReadContext& ctx);
  // Applies one attribute to the span: kind, error status, peer service, payload sizes; and keeps it
  // on span.attributes when the user asked for that key.
  void apply(Span& span, std::string_view key, const AttributeValue& value);

 private:
  ReadContext& ctx_;
  bool keep_any_;
};

// "client", "SERVER", ... -> kind; unspecified for anything else.
SpanKind parse_span_kind(std::string_view text);

}  // namespace palette::ingest::internal
