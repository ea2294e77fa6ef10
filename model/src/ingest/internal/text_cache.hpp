#pragma once
// TextCache: a direct-mapped cache from short texts to what a reader derives from them (an interned
// name, a hashed id). CSV rows repeat the same service names, interfaces, rpcids and trace ids over and
// over; a hit here (a few loads, multiplies and compares) costs a fraction of hashing the text again and
// probing the name table, which was the largest share of Alibaba reading time. A miss computes the value
// and replaces the slot. Texts longer than kMaxText (64: v2021's SHA-256 names fit) bypass the cache.
//
// The table is sized to the input (a small file gets a small table: readers are made per file, and
// fuzzing makes one per input), at most 2^MaxBits slots.
//
//   TextCache<NameId, 14> names;  names.size_for(source.size_on_disk());
//   NameId id = names.get(text, [&](auto t) { return table.intern(t); });
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace palette::ingest::internal {

template <typename V, unsigned MaxBits>
class TextCache {
 public:
  static constexpr size_t kMaxText = 64;

  // One slot per 64 bytes of input, between 2^8 and 2^MaxBits; 0 bytes (unknown) gets the most.
  void size_for(uint64_t input_bytes) {
    unsigned bits = 8;
    while (bits < MaxBits && (input_bytes == 0 || (uint64_t{1} << (bits + 6)) < input_bytes)) ++bits;
    shift_ = 64 - bits;
    table_.assign(size_t{1} << bits, Entry{});
  }

  template <typename Make>
  V get(std::string_view text, Make&& make) {
    const size_t n = text.size();
    if (n > kMaxText) return make(text);
    if (table_.empty()) size_for(0);
    Entry& e = table_[slot(text.data(), n)];
    if (e.len == n && same(e.text, text.data(), n)) return e.value;
    e.value = make(text);
    e.len = static_cast<uint32_t>(n);
    std::memcpy(e.text, text.data(), n);
    return e.value;
  }

 private:
  struct Entry {
    uint32_t len = UINT32_MAX;  // UINT32_MAX: an empty slot
    V value{};
    char text[kMaxText];
  };

  static uint64_t word(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  static uint32_t half(const char* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  }
  // Word compares (the last word overlapping) instead of a memcmp call per lookup.
  static bool same(const char* a, const char* b, size_t n) {
    if (n >= 8) {
      for (size_t i = 0; i + 8 < n; i += 8)
        if (word(a + i) != word(b + i)) return false;
      return word(a + n - 8) == word(b + n - 8);
    }
    if (n >= 4) return half(a) == half(b) && half(a + n - 4) == half(b + n - 4);
    for (size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  // The first, middle and last eight bytes (all of a text of up to 24): names and ids that differ
  // only deep inside long texts collide, which costs a miss, never a wrong value.
  size_t slot(const char* p, size_t n) const {
    uint64_t a = 0, b = 0, c = 0;
    if (n >= 8) {
      a = word(p);
      b = word(p + n - 8);
      c = word(p + n / 2 - 4);
    } else if (n >= 4) {  // two overlapping loads rather than a memcpy call
      a = half(p) | (uint64_t{half(p + n - 4)} << 32);
    } else {
      for (size_t i = 0; i < n; ++i) a = a << 8 | static_cast<unsigned char>(p[i]);
    }
    uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL) ^ (c * 0x165667B19E3779F9ULL) ^ n;
    h *= 0xD6E8FEB86659FD93ULL;
    return static_cast<size_t>(h >> shift_);
  }

  unsigned shift_ = 64 - MaxBits;
  std::vector<Entry> table_;
};

}  // namespace palette::ingest::internal
