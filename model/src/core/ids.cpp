#include "palette/ids.hpp"

namespace palette {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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
  uint64_t h = 0xcbf29ce484222325ULL ^ mix(seed + 0x9E3779B97F4A7C15ULL);
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

Id128 Id128::from_text(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 32) return text.empty() ? Id128{} : hash_of(text);
  Id128 id;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0) return hash_of(text);
    id.hi = (id.hi << 4) | (id.lo >> 60);
    id.lo = (id.lo << 4) | static_cast<uint64_t>(d);
  }
  return id;
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
