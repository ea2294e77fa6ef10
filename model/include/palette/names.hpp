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
#include <vector>

namespace palette {

using NameId = uint32_t;
inline constexpr NameId kNoName = 0xFFFFFFFFu;

class NameTable {
 public:
  NameTable() = default;
  NameTable(const NameTable&) = delete;  // ids are handed out by one table: copies would diverge
  NameTable& operator=(const NameTable&) = delete;
  NameTable(NameTable&&) = default;
  NameTable& operator=(NameTable&&) = default;

  NameId intern(std::string_view text);
  NameId find(std::string_view text) const;  // kNoName if absent
  const std::string& text(NameId id) const { return storage_[id]; }
  size_t size() const { return storage_.size(); }

 private:
  // Open addressing with linear probing, at most half full, each slot keeping the text's hash so that
  // a probe compares texts only on a hash match: every name of every span read is looked up here
  // (readers cache in front of it), and std::unordered_map's scattered nodes cost a cache miss each.
  struct Slot {
    uint64_t hash = 0;
    NameId id = kNoName;  // kNoName: empty
  };
  size_t slot_of(std::string_view text, uint64_t hash) const;
  void grow();
  std::deque<std::string> storage_;  // deque: references handed out by text() stay valid as it grows
  std::vector<Slot> index_;
};

}  // namespace palette
