#pragma once
// JsonUnits: splits a stream of JSON into the units a trace reader parses one at a time, so that a
// multi-GB export never has to be one document in memory (and simdjson's 4 GiB document limit never
// applies). A unit is one element of a wrapper array (Jaeger's {"data":[...]}, OTLP's
// {"resourceSpans":[...]}, a top-level array of spans or traces), or a whole top-level value when it has
// no wrapper (a bare Jaeger trace, one OTLP document per line, a single Zipkin span).
//
// The scanner only tracks strings and bracket depth; syntax inside a unit is simdjson's business. Each
// unit's bytes are followed by simdjson::SIMDJSON_PADDING readable bytes, as simdjson requires.
//
//   JsonUnits units(source, {{"data"}, {"result", "resourceSpans"}});
//   JsonUnit u;  while (units.next(u)) parse(u.padded());
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "palette/ingest/input.hpp"

namespace palette::ingest::internal {

struct JsonUnit {
  const char* data = nullptr;
  size_t size = 0;
  size_t capacity = 0;   // size + padding that may be read
  uint64_t offset = 0;   // content byte offset of the unit's first byte (JsonUnits::line_of gives its line)
  bool from_wrapper = false;   // an element of a wrapper array (see wrapper_key)
  std::string wrapper_key;     // "data", "resourceSpans", ... or "" for a top-level array
  std::string_view text() const { return {data, size}; }
};

class JsonUnits {
 public:
  // wrapper_paths: key paths whose array value is split into units, e.g. {"data"} or
  // {"result","resourceSpans"}. Throws Error(malformed) on broken structure outside units (e.g. text
  // that is not JSON), naming the file and line. split_nested_arrays: the elements of arrays that are
  // elements of a top-level array are the units, not those arrays.
  JsonUnits(ByteSource& source, std::vector<std::vector<std::string>> wrapper_paths, bool split_nested_arrays = false);
  ~JsonUnits();
  bool next(JsonUnit& unit);

  // The 1-based line of an offset inside the current unit, for error messages. Lines are counted only
  // when asked (and in bulk when the buffer moves on), so reading costs nothing for them.
  int64_t line_of(uint64_t offset);
  // False while nothing but white space has been read: an empty file.
  bool saw_input() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::ingest::internal
