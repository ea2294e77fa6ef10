#pragma once
// Typed, located access to a parsed YAML document (yaml_tree.hpp): every value knows its key path
// ("apis[frontend:GET /].pfa.states[2].finish") and line, so each complaint names both. Mappings are
// read against the keys a schema allows — unknown and duplicate keys are errors — and a missing
// required key names the mapping it is missing from.
//
//   Node doc = parse_document(text, file);   Value root(src, doc, "", 1);
//   Map top(root, {"services", "apis"});
//   for (const Value& s : top.required("services").items()) { Map m(s, {"name", "workers"}); ... }
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "palette/error.hpp"
#include "topology/internal/yaml_tree.hpp"

namespace palette::model::yaml {

// The document being read: its name for errors, and the line of every mapping read so far, so a
// problem found after parsing (Topology::validate) can still be pointed at.
struct Source {
  std::string file;
  std::map<std::string, int64_t> lines;  // key path -> line
};

class Map;

class Value {
 public:
  // `line` is where the value is reported; with `own_line`, the node's own line when it has one.
  // The node must outlive the value.
  Value(Source& source, const Node& node, std::string path, int64_t line, bool own_line = true);

  const std::string& path() const { return path_; }
  Value at_path(std::string path) const { return Value(*source_, *node_, std::move(path), line_, false); }
  int64_t line() const { return line_; }
  bool is_null() const { return node_->kind == Node::Kind::null; }
  Source& source() const { return *source_; }
  // An error at this value: file, line and key path filled in.
  Error error(ErrorKind kind, const std::string& message) const;

  std::string text() const;        // any scalar
  bool is_word(std::string_view word) const;  // a scalar spelled exactly `word` (e.g. "any")
  double number() const;           // finite
  double non_negative() const;     // finite, >= 0
  double probability() const;      // in [0, 1]
  uint64_t count() const;          // integer >= 0
  uint32_t u32() const;
  int64_t i64() const;
  bool boolean() const;            // true or false
  std::vector<Value> items() const;          // a sequence's elements
  std::vector<double> numbers() const;       // a sequence of finite numbers
  // A mapping's entries in document order; keys are scalars and unique. Child paths are made by
  // `child_path(path, key)`.
  std::vector<std::pair<Value, Value>> entries() const;

 private:
  std::string describe() const;  // what the value is, for "expected X, got Y"
  template <typename T>
  T parsed(std::optional<T> (*parse)(std::string_view), const char* expected) const;
  [[noreturn]] void type_error(const char* expected) const;
  Source* source_;
  const Node* node_;
  std::string path_;
  int64_t line_;
};

// A mapping read against its schema's keys.
class Map {
 public:
  Map(const Value& value, std::initializer_list<std::string_view> allowed);

  const Value& value() const { return value_; }
  bool has(std::string_view key) const;
  Value required(std::string_view key) const;
  std::optional<Value> optional(std::string_view key) const;

 private:
  Value value_;
  std::vector<std::pair<Value, Value>> entries_;
};

std::string child_path(const std::string& path, std::string_view key);
std::string index_path(const std::string& path, size_t index);

}  // namespace palette::model::yaml
