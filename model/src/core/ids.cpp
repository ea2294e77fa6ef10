#include "palette/ids.hpp"

#include <cstring>

namespace palette {
namespace {

struct HexTable {
  int8_t digit[256];
  constexpr HexTable() : digit() {
    for (int i = 0; i < 256; ++i) digit[i] = -1;
    for (int i = 0; i < 10; ++i) digit['0' + i] = static_cast<int8_t>(i);
    for (int i = 0; i < 6; ++i) {
      digit['a' + i] = static_cast<int8_t>(10 + i);
      digit['A' + i] = static_cast<int8_t>(10 + i);
    }
  }
};
constexpr HexTable kHex;

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

uint64_t hash64(std::string_view text, uint64_t seed) {
  // Eight bytes at a time, each word folded in with a multiply (names and ids are 5-50 bytes: a
  // byte-at-a-time hash was a visible share of ingestion time).
  uint64_t h = mix(seed + 0x9E3779B97F4A7C15ULL) ^ (text.size() * 0xff51afd7ed558ccdULL);
  const char* p = text.data();
  size_t n = text.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ mix(w)) * 0x9E3779B97F4A7C15ULL;
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ mix(w ^ (uint64_t{n} << 56))) * 0x9E3779B97F4A7C15ULL;
  }
  return mix(h);
}

Id128 Id128::from_text(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 32) return text.empty() ? Id128{} : hash_of(text);
  // Up to 16 digits fill `lo`; the digits before the last 16 fill `hi`.
  Id128 id;
  const size_t split = text.size() > 16 ? text.size() - 16 : 0;
  int bad = 0;
  for (size_t i = 0; i < split; ++i) {
    int d = kHex.digit[static_cast<unsigned char>(text[i])];
    bad |= d;
    id.hi = (id.hi << 4) | static_cast<uint64_t>(d & 15);
  }
  for (size_t i = split; i < text.size(); ++i) {
    int d = kHex.digit[static_cast<unsigned char>(text[i])];
    bad |= d;
    id.lo = (id.lo << 4) | static_cast<uint64_t>(d & 15);
  }
  return bad < 0 ? hash_of(text) : id;
}

Id128 Id128::hash_of(std::string_view text) {
  Id128 id{hash64(text, 1) | (1ULL << 63), hash64(text, 2)};
  return id;
}

Id128 Id128::derived(const Id128& base, uint64_t tag) {
  return Id128{mix(base.hi ^ mix(tag)) | (1ULL << 63), mix(base.lo + tag * 0x9E3779B97F4A7C15ULL)};
}

std::string Id128::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string out;
  auto put = [&](uint64_t v) {
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 0xF]);
  };
  if (hi != 0) put(hi);
  put(lo);
  return out;
}

}  // namespace palette
