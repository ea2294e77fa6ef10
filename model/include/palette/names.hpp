#pragma once
// NameTable: interns strings (service names, operation names) so that spans carry 32-bit ids and
// millions of spans do not each own copies of the same names. Ids are dense, in first-seen order, and
// stable for the table's lifetime; lookups by string_view do not allocate.
//
//   NameTable names;  NameId s = names.intern("frontend");  names.text(s) == "frontend"
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace palette {

using NameId = uint32_t;
inline constexpr NameId kNoName = 0xFFFFFFFFu;

class NameTable {
 public:
  NameTable() = default;
  NameTable(const NameTable&) = delete;  // views in the index point into storage_
  NameTable& operator=(const NameTable&) = delete;
  NameTable(NameTable&&) = default;
  NameTable& operator=(NameTable&&) = default;

  NameId intern(std::string_view text);
  NameId find(std::string_view text) const;  // kNoName if absent
  const std::string& text(NameId id) const { return storage_[id]; }
  size_t size() const { return storage_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept;
  };
  std::deque<std::string> storage_;  // deque: references stay valid as it grows
  std::unordered_map<std::string_view, NameId, Hash, std::equal_to<>> index_;
};

}  // namespace palette
