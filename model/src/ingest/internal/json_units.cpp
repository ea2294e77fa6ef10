#include "json_units.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Finds where a JSON container ends: tracks strings (with escapes) and bracket depth across calls, so
// a value can be scanned in pieces as the buffer fills. With SSE2, 64 bytes at a time: bitmasks of
// quotes, backslashes and brackets, escapes resolved arithmetically and string interiors by a prefix
// XOR of the quote mask (the technique of simdjson's stage 1); only bracket bits are walked one by one.
class BracketScanner {
 public:
  static constexpr size_t kNotFound = static_cast<size_t>(-1);
  bool in_string() const { return in_string_ != 0; }

  // Scans [p, e); returns the length up to and including the closing bracket, or kNotFound. Bytes
  // after e up to 64 must be readable (the buffer's padding).
  size_t run(const char* p, const char* e) {
    const char* begin = p;
#if defined(__SSE2__)
    while (e - p >= 64) {
      uint64_t quote = 0, backslash = 0, open = 0, close = 0;
      for (int k = 0; k < 4; ++k) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
        __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  // '[' -> '{', ']' -> '}'
        auto bits = [&](__m128i x, char c) {
          return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(c)))));
        };
        quote |= bits(v, '"') << (16 * k);
        backslash |= bits(v, '\\') << (16 * k);
        open |= bits(folded, '{') << (16 * k);
        close |= bits(folded, '}') << (16 * k);
      }
      uint64_t escaped = escaped_bits(backslash);
      quote &= ~escaped;
      uint64_t inside = prefix_xor(quote) ^ in_string_;
      in_string_ = static_cast<uint64_t>(static_cast<int64_t>(inside) >> 63);  // all ones if the block ends inside
      uint64_t brackets = (open | close) & ~inside;
      while (brackets) {
        int bit = __builtin_ctzll(brackets);
        depth_ += ((open >> bit) & 1) ? 1 : -1;
        if (depth_ == 0) return static_cast<size_t>(p - begin) + static_cast<size_t>(bit) + 1;
        brackets &= brackets - 1;
      }
      p += 64;
    }
#endif
    for (; p < e; ++p) {
      char c = *p;
      if (escape_next_) {
        escape_next_ = false;
        continue;
      }
      if (in_string_) {
        if (c == '\\') escape_next_ = true;
        else if (c == '"') in_string_ = 0;
        continue;
      }
      if (c == '"') in_string_ = ~uint64_t{0};
      else if (c == '{' || c == '[') ++depth_;
      else if ((c == '}' || c == ']') && --depth_ == 0) return static_cast<size_t>(p - begin) + 1;
    }
    return kNotFound;
  }

 private:
  static uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
  }

  // Bits of characters escaped by a backslash: those after an odd-length run of backslashes.
  uint64_t escaped_bits(uint64_t backslash) {
    uint64_t carry = escape_next_ ? 1 : 0;
    if (!backslash) {
      escape_next_ = false;
      return carry;
    }
    backslash &= ~carry;  // an escaped backslash starts no escape
    const uint64_t even = 0x5555555555555555ULL;
    uint64_t follows_escape = (backslash << 1) | carry;
    uint64_t odd_starts = backslash & ~even & ~follows_escape;
    uint64_t even_runs;
    escape_next_ = __builtin_add_overflow(odd_starts, backslash, &even_runs);
    uint64_t invert = even_runs << 1;
    return (even ^ invert) & follows_escape;
  }

  int64_t depth_ = 0;
  uint64_t in_string_ = 0;  // all ones inside a string
  bool escape_next_ = false;
};

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
    BracketScanner scan;
    for (;;) {
      if (!ensure(pos))
        throw error(scan.in_string() ? "unexpected end of input inside a string (truncated file?)"
                                     : "unexpected end of input: a JSON value is not closed (truncated file?)",
                    start);
      const char* b = buf.get();
      size_t at_end = scan.run(b + (pos - base), b + len);
      if (at_end != BracketScanner::kNotFound) {
        pos += at_end;
        return;
      }
      pos = end();
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
    u.data = buf.get() + (start - base);
    u.size = stop - start;
    u.capacity = cap - (start - base);
    u.offset = start;
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
int64_t JsonUnits::line_of(uint64_t offset) {
  if (offset < impl_->line_pos || offset > impl_->end()) return 0;
  impl_->advance_lines(offset);
  return impl_->line_no;
}
bool JsonUnits::saw_input() const { return impl_->saw_input; }

}  // namespace palette::ingest::internal
