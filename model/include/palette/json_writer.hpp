#pragma once
// JsonWriter: writes JSON text for palette's own outputs (summaries, reports, traces), with correct
// string escaping and numbers that round-trip. Keys come out in the order they are written.
//
//   JsonWriter w(out);  w.begin_object();  w.key("traces").value(1000);  w.end_object();
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace palette {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out, bool pretty = false) : out_(out), pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& value(double v);  // NaN and infinities become null
  JsonWriter& value(bool v);
  JsonWriter& null();

  static void escape(std::string& out, std::string_view text);

 private:
  void before_value();
  void newline();
  std::ostream& out_;
  bool pretty_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace palette
