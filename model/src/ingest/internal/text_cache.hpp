#pragma once
// TextCache: a direct-mapped cache from short texts to what a reader derives from them (an interned
// name, a hashed id). CSV rows repeat the same service names, interfaces, rpcids and trace ids over and
// over; a hit here (a few loads, two multiplies, one compare) costs a fraction of hashing the text again
// and probing the name table, which was the largest share of Alibaba reading time. A miss computes the
// value and replaces the slot. Texts longer than kMaxText bypass the cache.
//
//   TextCache<NameId, 14> names;  NameId id = names.get(text, [&](auto t) { return table.intern(t); });
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace palette::ingest::internal {

template <typename V, unsigned Bits>
class TextCache {
 public:
  static constexpr size_t kMaxText = 31;

  template <typename Make>
  V get(std::string_view text, Make&& make) {
    const size_t n = text.size();
    if (n > kMaxText) return make(text);
    Entry& e = table_[slot(text)];
    if (e.len == n + 1 && std::memcmp(e.text, text.data(), n) == 0) return e.value;
    e.value = make(text);
    e.len = static_cast<uint8_t>(n + 1);
    std::memcpy(e.text, text.data(), n);
    return e.value;
  }

 private:
  struct Entry {
    V value{};
    uint8_t len = 0;  // text length + 1; 0 = empty slot
    char text[kMaxText];
  };

  // The first, middle and last eight bytes (all of a text of up to 24): enough to spread names and
  // ids that differ anywhere but in the middle of long ones, where a collision only costs a miss.
  static size_t slot(std::string_view t) {
    const char* p = t.data();
    const size_t n = t.size();
    uint64_t a = 0, b = 0, c = 0;
    if (n >= 8) {
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + n - 8, 8);
      std::memcpy(&c, p + n / 2 - 4, 8);
    } else if (n) {
      std::memcpy(&a, p, n);
    }
    uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL) ^ (c * 0x165667B19E3779F9ULL) ^ n;
    h *= 0xD6E8FEB86659FD93ULL;
    return static_cast<size_t>(h >> (64 - Bits));
  }

  std::vector<Entry> table_ = std::vector<Entry>(size_t{1} << Bits);
};

}  // namespace palette::ingest::internal
