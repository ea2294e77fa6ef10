#include "yaml_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace palette::model::yaml {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if the bytes there are not valid UTF-8
// (overlong forms, surrogates and truncated sequences included).
size_t utf8_at(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3Fu);
  }
  static constexpr std::array<uint32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Code points a YAML reader may take for a line break or a byte-order mark, or that YAML does not
// allow unescaped (C1 controls): written as \u escapes.
bool needs_escape(uint32_t cp) { return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Words YAML 1.1 or 1.2 readers resolve to null or a bool, and the merge / value keys.
bool reserved_word(std::string_view s) {
  for (std::string_view w : {"~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "="})
    if (iequals(s, w)) return true;
  return false;
}

// Anything a YAML reader could take for a number (or a date, or a sexagesimal): starts like one.
bool number_like(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(s[0])) return true;
  if ((s[0] == '+' || s[0] == '.') && s.size() > 1 && (digit(s[1]) || s[1] == '.')) return true;
  return iequals(s, ".inf") || iequals(s, "+.inf") || iequals(s, ".nan");
}

void append_hex(std::string& out, const char* prefix, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += prefix;
  for (int d = digits - 1; d >= 0; --d) out += kHex[(v >> (4 * d)) & 0xF];
}

std::string double_quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0;
    size_t len = c >= 0x80 ? utf8_at(s, i, cp) : 1;
    if (c >= 0x80 && len > 0 && needs_escape(cp)) {
      append_hex(out, "\\u", cp, 4);
    } else if (c >= 0x80) {
      // Valid UTF-8 stays as it is; invalid bytes too (yaml-cpp reads them back unchanged, so names
      // from traces that are not UTF-8 still round-trip).
      len = std::max<size_t>(len, 1);
      out.append(s.substr(i, len));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex(out, "\\x", c, 2);
    } else {
      out += static_cast<char>(c);
    }
    i += len;
  }
  out += '"';
  return out;
}

template <typename T>
std::string to_text(T x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// One optional sign: from_chars takes '-' (for signed types) but not '+', and "+-1" is not a number.
template <typename T>
std::optional<T> from_text(std::string_view t) {
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t[0] == '-') return std::nullopt;
  }
  T v{};
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || r.ec != std::errc{} || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

}  // namespace

bool needs_quotes(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (std::strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) != nullptr) return true;
  if (reserved_word(s) || number_like(s) || s.substr(0, 3) == "...") return true;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || std::strchr(",[]{}", c) != nullptr) return true;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return true;
    if (c == '?') return true;  // yaml-cpp 0.7 misreads a '?' anywhere in a plain scalar inside [ ] or { }
    if (c == '#' && s[i - 1] == ' ') return true;  // i > 0: s[0] == '#' was handled above
    uint32_t cp = 0;
    size_t len = c >= 0x80 ? utf8_at(s, i, cp) : 1;
    if (len == 0 || (c >= 0x80 && needs_escape(cp))) return true;
    i += len;
  }
  return false;
}

std::string scalar(std::string_view s) { return needs_quotes(s) ? double_quoted(s) : std::string(s); }

std::string number(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  return to_text(x);
}
std::string number(uint64_t x) { return to_text(x); }
std::string number(int64_t x) { return to_text(x); }

std::optional<double> parse_double(std::string_view text) {
  std::string_view t = text;
  bool negative = !t.empty() && t[0] == '-';
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
  if (iequals(t, ".inf")) return negative ? -HUGE_VAL : HUGE_VAL;
  if (iequals(text, ".nan")) return std::nan("");
  // from_chars also takes "inf", "nan" and hex floats; YAML does not.
  if (text.find_first_not_of("0123456789.eE+-") != std::string_view::npos) return std::nullopt;
  return from_text<double>(text);
}

std::optional<uint64_t> parse_uint(std::string_view text) { return from_text<uint64_t>(text); }
std::optional<int64_t> parse_int(std::string_view text) { return from_text<int64_t>(text); }

}  // namespace palette::model::yaml
