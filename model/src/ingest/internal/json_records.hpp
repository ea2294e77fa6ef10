#pragma once
// The loop every JSON reader shares: split the source into units (json_units.hpp), parse each with
// simdjson On-Demand, count a unit that fails as one malformed record (or throw in strict mode), report
// progress. A reader only writes `parse`, which throws RecordError for a record it cannot use.
#include <simdjson.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "json_units.hpp"
#include "palette/ingest/reader.hpp"
#include "span_attributes.hpp"

namespace palette::ingest::internal {

// Thrown by a unit parser: what is wrong with this record (the loop adds file and line).
struct RecordError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_record_error(const char* what, simdjson::error_code err);

// Unwraps a simdjson result or throws RecordError naming the field. The throw is out of line so that
// this stays small enough to inline on the hot path.
template <typename T>
inline T need(simdjson::simdjson_result<T>&& r, const char* what) {
  T value;
  if (auto err = std::move(r).get(value)) [[unlikely]]
    throw_record_error(what, err);
  return value;
}

// Integers that may come as JSON numbers or as strings of digits (OTLP's nanoseconds), or as floats
// with an integral value.
int64_t json_int(simdjson::ondemand::value v, const char* what);

// A JSON scalar as an attribute value: strings, booleans, numbers (integral ones as integers). Other
// types (arrays, objects, null) return false and leave `out` alone.
bool json_scalar(simdjson::ondemand::value v, AttributeValue& out);

// Walks a list of {"key": ..., "value": ...} objects (Jaeger tags, OTLP attributes) in either member
// order: decode(value, AttributeValue&) reads a value, then apply(key, value) gets each pair that has a
// key. Strings stay valid for the whole document, so a value may be read before its key.
template <typename Decode, typename Apply>
void for_each_key_value(simdjson::ondemand::array list, const char* what, Decode&& decode, Apply&& apply) {
  for (auto element : list) {
    simdjson::ondemand::object kv = need(element.get_object(), what);
    std::string_view key;
    AttributeValue value;
    for (auto field : kv) {
      std::string_view k = need(field.unescaped_key(), "key");
      if (k == "key") key = need(field.value().get_string(), "attribute key");
      else if (k == "value") decode(need(field.value(), "attribute value"), value);
    }
    if (!key.empty()) apply(key, value);
  }
}

using UnitParser = std::function<void(const JsonUnit& unit, simdjson::ondemand::document& doc)>;

// record_kind names the counter ("malformed.<record_kind>") and the error messages, which give the line
// of the value that was wrong. An input with no JSON value at all (an empty file) is one malformed record.
// split_nested_arrays: see JsonUnits.
void read_json_units(ByteSource& source, ReadContext& ctx, std::vector<std::vector<std::string>> wrapper_paths,
                     const std::string& record_kind, const UnitParser& parse, bool split_nested_arrays = false);

// JSON null, which several encoders write for an absent optional field (proto3 JSON allows it anywhere).
inline bool json_null(simdjson::ondemand::value& v) {
  simdjson::ondemand::json_type type;
  return !v.type().get(type) && type == simdjson::ondemand::json_type::null;
}

// Calls fn(key, value) for each member of an object whose value is not null.
template <typename Fn>
void for_each_field(simdjson::ondemand::object object, Fn&& fn) {
  for (auto field : object) {
    std::string_view key = need(field.unescaped_key(), "key");
    simdjson::ondemand::value value = need(field.value(), "value");
    if (!json_null(value)) fn(key, value);
  }
}

// A hex (or other) id string.
inline Id128 json_id(simdjson::ondemand::value v, const char* what) {
  return Id128::from_text(need(v.get_string(), what));
}

// A name string, interned; kNoName when empty.
inline NameId json_name(simdjson::ondemand::value v, NameTable& names, const char* what) {
  std::string_view text = need(v.get_string(), what);
  return text.empty() ? kNoName : names.intern(text);
}

// The first non-space byte of a head, or 0.
char first_json_byte(std::string_view head);
// Whether the head of a file holds a string (format sniffing).
inline bool head_has(std::string_view head, std::string_view what) { return head.find(what) != std::string_view::npos; }

}  // namespace palette::ingest::internal
