#include "yaml_fields.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "yaml_text.hpp"

namespace palette::model::yaml {

std::string child_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

namespace {
bool is(const Node* n, Node::Kind kind) { return n->kind == kind; }
}  // namespace

Value::Value(Source& source, const Node& node, std::string path, int64_t line, bool own_line)
    : source_(&source), node_(&node), path_(std::move(path)), line_(line) {
  // An empty value (`key:`) is marked by yaml-cpp on the next line; it keeps the key's line.
  if (own_line && !is(node_, Node::Kind::null) && node_->line > 0) line_ = node_->line;
}

Error Value::error(ErrorKind kind, const std::string& message) const {
  Error e(kind, message);
  e.at_file(source_->file).at_line(line_);
  if (!path_.empty()) e.at_key(path_);
  return e;
}

std::string Value::describe() const {
  switch (node_->kind) {
    case Node::Kind::scalar: {
      const std::string& s = node_->text;
      return "\"" + (s.size() > 60 ? s.substr(0, 57) + "..." : s) + "\"";
    }
    case Node::Kind::sequence: return "a sequence";
    case Node::Kind::map: return "a mapping";
    case Node::Kind::null: break;
  }
  return "nothing";
}

void Value::type_error(const char* expected) const {
  throw error(ErrorKind::bad_type, std::string("expected ") + expected + ", got " + describe());
}

std::string Value::text() const {
  if (!is(node_, Node::Kind::scalar)) type_error("a string");
  return node_->text;
}

bool Value::is_word(std::string_view word) const { return is(node_, Node::Kind::scalar) && node_->text == word; }

template <typename T>
T Value::parsed(std::optional<T> (*parse)(std::string_view), const char* expected) const {
  std::optional<T> x = is(node_, Node::Kind::scalar) ? parse(node_->text) : std::nullopt;
  if (!x) type_error(expected);
  return *x;
}

double Value::number() const {
  double x = parsed(parse_double, "a number");
  if (!std::isfinite(x)) throw error(ErrorKind::bad_value, "expected a finite number, got " + yaml::number(x));
  return x;
}

double Value::non_negative() const {
  double x = number();
  if (x < 0) throw error(ErrorKind::bad_value, "must be >= 0, got " + yaml::number(x));
  return x;
}

double Value::probability() const {
  double x = number();
  if (x < 0 || x > 1) throw error(ErrorKind::bad_value, "must be between 0 and 1, got " + yaml::number(x));
  return x;
}

uint64_t Value::count() const { return parsed(parse_uint, "a non-negative integer"); }

uint32_t Value::u32() const {
  uint64_t x = count();
  if (x > std::numeric_limits<uint32_t>::max())
    throw error(ErrorKind::bad_value, "must be at most " + yaml::number(uint64_t{std::numeric_limits<uint32_t>::max()}) +
                                          ", got " + yaml::number(x));
  return static_cast<uint32_t>(x);
}

int64_t Value::i64() const { return parsed(parse_int, "an integer"); }

bool Value::boolean() const {
  if (is_word("true")) return true;
  if (!is_word("false")) type_error("true or false");
  return false;
}

std::vector<Value> Value::items() const {
  if (!is(node_, Node::Kind::sequence)) type_error("a sequence");
  source_->lines.emplace(path_, line_);
  std::vector<Value> out;
  out.reserve(node_->items.size());
  for (size_t i = 0; i < node_->items.size(); ++i) out.emplace_back(*source_, node_->items[i], index_path(path_, i), line_);
  return out;
}

std::vector<double> Value::numbers() const {
  std::vector<double> out;
  for (const Value& v : items()) out.push_back(v.number());
  return out;
}

std::vector<std::pair<Value, Value>> Value::entries() const {
  if (!is(node_, Node::Kind::map)) type_error("a mapping");
  std::vector<std::pair<Value, Value>> out;
  std::set<std::string> seen;
  for (size_t i = 0; i + 1 < node_->items.size(); i += 2) {
    const Node& k = node_->items[i];
    const Node& v = node_->items[i + 1];
    Value key(*source_, k, path_, line_);
    if (!is(&k, Node::Kind::scalar)) throw key.error(ErrorKind::bad_type, "a key must be text, got " + key.describe());
    key = key.at_path(child_path(path_, k.text));
    // YAML parsers keep both entries of a repeated key; a person editing by hand meant only one.
    if (!seen.insert(k.text).second) throw key.error(ErrorKind::bad_value, "duplicate key \"" + k.text + "\"");
    // A block list or mapping under a key starts on the next line; a complaint about all of it
    // points at the key (`local_work:`), one about a scalar at the scalar.
    Value value(*source_, v, key.path(), key.line(), is(&v, Node::Kind::scalar));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Map::Map(const Value& value, std::initializer_list<std::string_view> allowed) : value_(value), entries_(value.entries()) {
  value_.source().lines.emplace(value_.path(), value_.line());
  for (const auto& [key, v] : entries_) {
    std::string name = key.text();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw key.error(ErrorKind::unknown_key, "unknown key \"" + name + "\"").with_hint("allowed here: " + list);
  }
}

bool Map::has(std::string_view key) const { return optional(key).has_value(); }

std::optional<Value> Map::optional(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k.text() == key) return v;
  return std::nullopt;
}

Value Map::required(std::string_view key) const {
  if (auto v = optional(key)) return *v;
  throw value_.error(ErrorKind::missing, "missing required key \"" + std::string(key) + "\"");
}

}  // namespace palette::model::yaml
