#include "json_records.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "palette/error.hpp"

namespace palette::ingest::internal {

void throw_record_error(const char* what, simdjson::error_code err) {
  throw RecordError(std::string(what) + ": " + simdjson::error_message(err));
}

int64_t json_int(simdjson::ondemand::value v, const char* what) {
  simdjson::ondemand::json_type type;
  if (v.type().get(type)) throw RecordError(std::string(what) + ": not a value");
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view s = need(v.get_string(), what);
    int64_t out = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      throw RecordError(std::string(what) + ": expected an integer, found \"" + std::string(s.substr(0, 40)) + "\"");
    return out;
  }
  if (type == simdjson::ondemand::json_type::number) {
    simdjson::ondemand::number_type nt;
    if (v.get_number_type().get(nt)) throw RecordError(std::string(what) + ": bad number");
    if (nt == simdjson::ondemand::number_type::floating_point_number) {
      double d = need(v.get_double(), what);
      if (!std::isfinite(d) || std::fabs(d) > 9.2e18) throw RecordError(std::string(what) + ": number out of range");
      return static_cast<int64_t>(std::llround(d));
    }
    if (nt == simdjson::ondemand::number_type::unsigned_integer) {
      uint64_t u = need(v.get_uint64(), what);
      if (u > static_cast<uint64_t>(INT64_MAX)) throw RecordError(std::string(what) + ": number out of range");
      return static_cast<int64_t>(u);
    }
    return need(v.get_int64(), what);
  }
  throw RecordError(std::string(what) + ": expected an integer");
}

bool json_scalar(simdjson::ondemand::value v, AttributeValue& out) {
  simdjson::ondemand::json_type type;
  if (v.type().get(type)) throw RecordError("attribute value: not a value");
  switch (type) {
    case simdjson::ondemand::json_type::string:
      out.type = AttributeValue::string;
      out.str = need(v.get_string(), "attribute value");
      return true;
    case simdjson::ondemand::json_type::boolean:
      out.type = AttributeValue::boolean;
      out.b = need(v.get_bool(), "attribute value");
      return true;
    case simdjson::ondemand::json_type::number: {
      simdjson::ondemand::number_type nt = need(v.get_number_type(), "attribute value");
      if (nt == simdjson::ondemand::number_type::signed_integer) {
        out.type = AttributeValue::integer;
        out.i = need(v.get_int64(), "attribute value");
      } else {  // floats, and integers beyond int64
        out.type = AttributeValue::floating;
        out.d = need(v.get_double(), "attribute value");
      }
      return true;
    }
    default: return false;
  }
}

char first_json_byte(std::string_view head) {
  size_t i = 0;
  if (head.size() >= 3 && static_cast<unsigned char>(head[0]) == 0xEF) i = 3;  // UTF-8 BOM
  for (; i < head.size(); ++i)
    if (head[i] != ' ' && head[i] != '\n' && head[i] != '\r' && head[i] != '\t') return head[i];
  return 0;
}

namespace {

// Where simdjson stopped in a unit: the value that was wrong (else the unit's start).
uint64_t error_offset(const JsonUnit& unit, simdjson::ondemand::document& doc) {
  const char* at = nullptr;
  if (doc.current_location().get(at) || at < unit.data || at > unit.data + unit.size) return unit.offset;
  return unit.offset + static_cast<uint64_t>(at - unit.data);
}

}  // namespace

void read_json_units(ByteSource& source, ReadContext& ctx, std::vector<std::vector<std::string>> wrapper_paths,
                     const std::string& record_kind, const UnitParser& parse, bool split_nested_arrays) {
  JsonUnits units(source, std::move(wrapper_paths), split_nested_arrays);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  JsonUnit unit;
  uint64_t next_progress = 4 << 20;
  for (;;) {
    try {
      if (!units.next(unit)) break;
    } catch (const Error& e) {
      // Broken structure between records: what came before was read; the rest cannot be delimited.
      ctx.diag.malformed(record_kind, e);
      break;
    }
    bool iterating = false;
    try {
      simdjson::padded_string_view view(unit.data, unit.size, unit.capacity);
      if (auto err = parser.iterate(view).get(doc)) throw RecordError(simdjson::error_message(err));
      iterating = true;
      parse(unit, doc);
    } catch (const RecordError& e) {
      ctx.diag.malformed(record_kind, Error(ErrorKind::malformed, record_kind + " record: " + e.what())
                                          .at_file(source.name())
                                          .at_line(units.line_of(iterating ? error_offset(unit, doc) : unit.offset)));
    }
    if (ctx.progress && source.content_bytes_read() >= next_progress) {
      ctx.progress(source);
      next_progress = source.content_bytes_read() + (4 << 20);
    }
  }
  if (!units.saw_input())
    ctx.diag.malformed(record_kind, Error(ErrorKind::malformed, "the file is empty: no JSON value in it")
                                        .at_file(source.name())
                                        .at_line(1));
  if (ctx.progress) ctx.progress(source);
}

}  // namespace palette::ingest::internal
