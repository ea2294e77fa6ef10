#include "json_units.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "palette/error.hpp"

namespace palette::ingest::internal {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;

// Byte classes for the scanner: 0 = uninteresting, 1 = quote, 2 = open bracket, 3 = close bracket,
// 4 = backslash (only looked at inside strings).
struct ByteClasses {
  unsigned char cls[256] = {};
  constexpr ByteClasses() {
    cls[static_cast<unsigned char>('"')] = 1;
    cls[static_cast<unsigned char>('{')] = 2;
    cls[static_cast<unsigned char>('[')] = 2;
    cls[static_cast<unsigned char>('}')] = 3;
    cls[static_cast<unsigned char>(']')] = 3;
    cls[static_cast<unsigned char>('\\')] = 4;
  }
};
constexpr ByteClasses kClasses;

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

struct JsonUnits::Impl {
  struct Frame {
    enum Type { top_seq, object, array };
    Type type = top_seq;
    bool unwrap = false;          // array: its elements are units
    bool top_object = false;      // object: the outermost one, yielded whole if nothing unwraps it
    bool unwrapped = false;       // object (top): a wrapper array was found inside
    bool first = true;            // no element/key read yet
    uint64_t start = 0;           // absolute offset of '{' (top object)
    std::vector<std::string> prefix;  // object: key path from the top
    std::string key;              // array: the key that held it ("" at top level)
  };

  ByteSource& src;
  std::vector<std::vector<std::string>> paths;
  std::unique_ptr<char[]> buf;
  size_t cap = 0;       // allocated bytes, including padding
  size_t len = 0;       // valid bytes in buf
  uint64_t base = 0;    // absolute offset of buf[0]
  uint64_t pos = 0;     // absolute scan position
  uint64_t keep = 0;    // absolute offset of the first byte that must stay buffered
  uint64_t line_pos = 0;
  int64_t line_no = 1;
  bool eof = false;
  bool nested = false;     // split arrays inside the top-level array too
  bool saw_input = false;  // a non-space byte was met
  std::vector<Frame> frames;

  static Frame make(Frame::Type type, bool unwrap = false) {
    Frame f;
    f.type = type;
    f.unwrap = unwrap;
    return f;
  }

  Impl(ByteSource& s, std::vector<std::vector<std::string>> p, bool n) : src(s), paths(std::move(p)), nested(n) {
    cap = kChunk + kPadding;
    buf.reset(new char[cap]);
    std::memset(buf.get(), 0, cap);
    frames.push_back(make(Frame::top_seq));
  }

  uint64_t end() const { return base + len; }
  char at(uint64_t abs) const { return buf[abs - base]; }

  void advance_lines(uint64_t target) {
    const char* p = buf.get() + (line_pos - base);
    const char* e = buf.get() + (target - base);
    line_no += std::count(p, e, '\n');
    line_pos = target;
  }

  // Makes more bytes available after end(); keeps [keep, end()). Returns false at end of input.
  bool refill() {
    if (eof) return false;
    if (keep > base) {
      advance_lines(std::max(line_pos, keep));
      size_t drop = keep - base;
      std::memmove(buf.get(), buf.get() + drop, len - drop);
      len -= drop;
      base = keep;
    }
    if (cap - kPadding - len < kChunk / 2) {
      size_t ncap = std::max(cap * 2, len + kChunk + kPadding);
      std::unique_ptr<char[]> nbuf(new char[ncap]);
      std::memcpy(nbuf.get(), buf.get(), len);
      std::memset(nbuf.get() + len, 0, ncap - len);
      buf = std::move(nbuf);
      cap = ncap;
    }
    size_t got = src.read(buf.get() + len, cap - kPadding - len);
    if (got == 0) {
      eof = true;
      return false;
    }
    len += got;
    std::memset(buf.get() + len, 0, std::min(kPadding, cap - len));
    return true;
  }

  bool ensure(uint64_t abs) {
    while (abs >= end())
      if (!refill()) return false;
    return true;
  }

  Error error(const std::string& message, uint64_t abs) {
    uint64_t at = std::max(abs, line_pos);
    if (at <= end()) advance_lines(at);
    return Error(ErrorKind::malformed, message).at_file(src.name()).at_line(line_no);
  }

  // Skips whitespace (and a UTF-8 byte-order mark at the very start). False at end of input.
  bool skip_ws() {
    for (;;) {
      if (!ensure(pos)) return false;
      char c = at(pos);
      if (is_ws(c)) { ++pos; continue; }
      if (pos == 0 && static_cast<unsigned char>(c) == 0xEF) {
        if (ensure(2) && static_cast<unsigned char>(at(1)) == 0xBB && static_cast<unsigned char>(at(2)) == 0xBF) {
          pos = 3;
          continue;
        }
      }
      return true;
    }
  }

  // pos at the opening quote; leaves pos after the closing quote.
  void skip_string(uint64_t value_start) {
    ++pos;
    for (;;) {
      if (!ensure(pos)) throw error("unexpected end of input inside a string", value_start);
      const unsigned char* p = reinterpret_cast<const unsigned char*>(buf.get() + (pos - base));
      const unsigned char* e = reinterpret_cast<const unsigned char*>(buf.get() + len);
      while (p < e && (kClasses.cls[*p] != 1 && kClasses.cls[*p] != 4)) ++p;
      pos = base + static_cast<uint64_t>(p - reinterpret_cast<const unsigned char*>(buf.get()));
      if (p == e) continue;
      if (*p == '\\') {
        pos += 2;
        continue;
      }
      ++pos;
      return;
    }
  }

  // Reads a string at pos into `out` (escapes kept as written: keys we match have none).
  std::string read_key() {
    uint64_t start = pos;
    uint64_t old_keep = keep;
    keep = std::min(keep, start);
    skip_string(start);
    keep = old_keep;
    return std::string(buf.get() + (start + 1 - base), pos - start - 2);
  }

  // pos at the first byte of a value; leaves pos just after it.
  void skip_value() {
    uint64_t start = pos;
    char c = at(pos);
    if (c == '"') {
      skip_string(start);
      return;
    }
    if (c != '{' && c != '[') {  // a scalar (or garbage): up to the next delimiter
      while (ensure(pos)) {
        char d = at(pos);
        if (is_ws(d) || kClasses.cls[static_cast<unsigned char>(d)] != 0 || d == ',') return;
        ++pos;
      }
      return;
    }
    int64_t depth = 0;
    for (;;) {
      if (!ensure(pos))
        throw error("unexpected end of input: a JSON value is not closed (truncated file?)", start);
      const unsigned char* b = reinterpret_cast<const unsigned char*>(buf.get());
      const unsigned char* p = b + (pos - base);
      const unsigned char* e = b + len;
      while (p < e) {
        unsigned char k = kClasses.cls[*p];
        if (k == 0 || k == 4) { ++p; continue; }
        if (k == 1) break;
        if (k == 2) { ++depth; ++p; continue; }
        --depth;
        ++p;
        if (depth == 0) {
          pos = base + static_cast<uint64_t>(p - b);
          return;
        }
      }
      pos = base + static_cast<uint64_t>(p - b);
      if (p < e) skip_string(start);  // stopped at a quote
    }
  }

  bool path_matches(const std::vector<std::string>& prefix, const std::string& key, bool* exact) const {
    bool any = false;
    *exact = false;
    for (const auto& path : paths) {
      if (path.size() < prefix.size() + 1) continue;
      if (!std::equal(prefix.begin(), prefix.end(), path.begin())) continue;
      if (path[prefix.size()] != key) continue;
      any = true;
      if (path.size() == prefix.size() + 1) *exact = true;
    }
    return any;
  }

  void fill(JsonUnit& u, uint64_t start, uint64_t stop, bool from_wrapper, const std::string& key) {
    advance_lines(start);
    u.data = buf.get() + (start - base);
    u.size = stop - start;
    u.capacity = cap - (start - base);
    u.offset = start;
    u.line = line_no;
    u.from_wrapper = from_wrapper;
    u.wrapper_key = key;
  }

  Frame* top_object() {
    for (auto& f : frames)
      if (f.type == Frame::object && f.top_object) return &f;
    return nullptr;
  }

  void update_keep() {
    Frame* top = top_object();
    keep = (top && !top->unwrapped) ? top->start : pos;
  }

  bool next(JsonUnit& u) {
    for (;;) {
      update_keep();
      Frame& f = frames.back();
      if (f.type == Frame::top_seq) {
        if (!skip_ws()) return false;
        saw_input = true;
        char c = at(pos);
        if (c == '[') {
          ++pos;
          frames.push_back(make(Frame::array, true));
          continue;
        }
        if (c == '{') {
          Frame o = make(Frame::object);
          o.top_object = true;
          o.start = pos;
          ++pos;
          frames.push_back(std::move(o));
          continue;
        }
        uint64_t start = pos;
        keep = start;
        skip_value();
        if (pos == start) throw error("expected a JSON value", start);
        fill(u, start, pos, false, "");
        return true;
      }
      if (!skip_ws()) throw error("unexpected end of input: a JSON container is not closed (truncated file?)", pos);
      char c = at(pos);
      if (f.type == Frame::array) {
        if (c == ']') {
          ++pos;
          frames.pop_back();
          continue;
        }
        if (!f.first) {
          if (c != ',') throw error(std::string("expected ',' or ']' between array elements, found '") + c + "'", pos);
          ++pos;
          if (!skip_ws()) throw error("unexpected end of input after ','", pos);
        }
        f.first = false;
        uint64_t start = pos;
        if (nested && frames.size() == 2 && f.key.empty() && at(pos) == '[') {  // `f` dies with the push
          ++pos;
          frames.push_back(make(Frame::array, true));
          continue;
        }
        keep = std::min(keep, start);
        skip_value();
        if (pos == start) throw error(std::string("expected an array element, found '") + at(pos) + "'", start);
        fill(u, start, pos, true, f.key);
        return true;
      }
      // object
      if (c == '}') {
        ++pos;
        Frame done = std::move(frames.back());
        frames.pop_back();
        if (done.top_object && !done.unwrapped) {
          fill(u, done.start, pos, false, "");
          return true;
        }
        continue;
      }
      if (!f.first) {
        if (c != ',') throw error(std::string("expected ',' or '}' between object members, found '") + c + "'", pos);
        ++pos;
        if (!skip_ws()) throw error("unexpected end of input after ','", pos);
      }
      f.first = false;
      if (at(pos) != '"') throw error("expected a quoted object key", pos);
      std::string key = read_key();
      if (!skip_ws() || at(pos) != ':') throw error("expected ':' after object key \"" + key + "\"", pos);
      ++pos;
      if (!skip_ws()) throw error("unexpected end of input after ':'", pos);
      bool exact = false;
      char v = at(pos);
      if (path_matches(f.prefix, key, &exact)) {
        if (exact && v == '[') {
          if (Frame* top = top_object()) top->unwrapped = true;
          ++pos;
          Frame a = make(Frame::array, true);
          a.key = key;
          frames.push_back(std::move(a));
          continue;
        }
        if (!exact && v == '{') {
          Frame o = make(Frame::object);
          o.prefix = f.prefix;
          o.prefix.push_back(key);
          ++pos;
          frames.push_back(std::move(o));
          continue;
        }
      }
      skip_value();
    }
  }
};

JsonUnits::JsonUnits(ByteSource& source, std::vector<std::vector<std::string>> wrapper_paths, bool split_nested_arrays)
    : impl_(std::make_unique<Impl>(source, std::move(wrapper_paths), split_nested_arrays)) {}
JsonUnits::~JsonUnits() = default;
bool JsonUnits::next(JsonUnit& unit) { return impl_->next(unit); }
uint64_t JsonUnits::offset() const { return impl_->pos; }
int64_t JsonUnits::line() const { return impl_->line_no; }
bool JsonUnits::saw_input() const { return impl_->saw_input; }

}  // namespace palette::ingest::internal
