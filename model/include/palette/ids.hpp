#pragma once
// Id128: a trace or span id as 128 bits. Hex ids (any case, with or without leading zeros, up to 32
// digits) are parsed as numbers, so "00AB" and "ab" are the same id and 128-bit ids whose high half is
// zero are never confused with truncated ones. Any other text (Alibaba rpcids, UUIDs with dashes,
// decimal strings too long for hex) is hashed into the space marked by the top bit, which hex parsing of
// a 32-digit id could also set: collisions need a 2^-63 accident. An all-zero id means "no id".
//
//   Id128 a = Id128::from_text("5B8EFFF798038103D269B633813FC60C");
//   a.hex() == "5b8efff798038103d269b633813fc60c"
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace palette {

struct Id128 {
  uint64_t hi = 0, lo = 0;

  bool empty() const { return hi == 0 && lo == 0; }
  friend bool operator==(const Id128&, const Id128&) = default;
  friend auto operator<=>(const Id128&, const Id128&) = default;

  // Parses hex (case-insensitive, optional surrounding whitespace); otherwise hashes the text.
  static Id128 from_text(std::string_view text);
  // Always hashes, for ids whose text has structure of its own (e.g. "0.1.2" rpcids).
  static Id128 hash_of(std::string_view text);
  // Combines an id with a tag, e.g. a synthetic id for the server half of a shared Zipkin span.
  static Id128 derived(const Id128& base, uint64_t tag);
  // Lower-case hex: 16 digits when the high half is zero, else 32.
  std::string hex() const;
};

struct Id128Hash {
  size_t operator()(const Id128& id) const noexcept {
    // ids are random or hashed already: folding the halves with a multiply is enough
    return static_cast<size_t>((id.hi * 0x9E3779B97F4A7C15ULL) ^ id.lo);
  }
};

// A fast 64-bit string hash, stable across runs and platforms (little-endian).
uint64_t hash64(std::string_view text, uint64_t seed = 0);

}  // namespace palette
