#include "palette/names.hpp"

#include "palette/ids.hpp"

namespace palette {

// The slot holding `text`, or the empty slot where it would go. index_ is a power of two, never full.
size_t NameTable::slot_of(std::string_view text, uint64_t hash) const {
  const size_t mask = index_.size() - 1;
  for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.id == kNoName || (s.hash == hash && storage_[s.id] == text)) return i;
  }
}

void NameTable::grow() {
  std::vector<Slot> old = std::move(index_);
  index_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const size_t mask = index_.size() - 1;
  for (const Slot& s : old) {
    if (s.id == kNoName) continue;
    size_t i = static_cast<size_t>(s.hash) & mask;
    while (index_[i].id != kNoName) i = (i + 1) & mask;
    index_[i] = s;
  }
}

NameId NameTable::intern(std::string_view text) {
  if (2 * (storage_.size() + 1) > index_.size()) grow();
  const uint64_t hash = hash64(text);
  Slot& s = index_[slot_of(text, hash)];
  if (s.id == kNoName) {
    s = Slot{hash, static_cast<NameId>(storage_.size())};
    storage_.emplace_back(text);
  }
  return s.id;
}

NameId NameTable::find(std::string_view text) const {
  if (index_.empty()) return kNoName;
  return index_[slot_of(text, hash64(text))].id;
}

}  // namespace palette
