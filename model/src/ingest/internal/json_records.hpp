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

using UnitParser = std::function<void(const JsonUnit& unit, simdjson::ondemand::document& doc)>;

// record_kind names the counter ("malformed.<record_kind>") and the error messages.
void read_json_units(ByteSource& source, ReadContext& ctx, std::vector<std::vector<std::string>> wrapper_paths,
                     const std::string& record_kind, const UnitParser& parse);

// The first non-space byte of a head, or 0.
char first_json_byte(std::string_view head);

}  // namespace palette::ingest::internal
