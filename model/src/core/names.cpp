#include "palette/names.hpp"

#include "palette/ids.hpp"

namespace palette {

size_t NameTable::Hash::operator()(std::string_view s) const noexcept {
  return static_cast<size_t>(hash64(s));
}

NameId NameTable::intern(std::string_view text) {
  auto it = index_.find(text);
  if (it != index_.end()) return it->second;
  auto id = static_cast<NameId>(storage_.size());
  const std::string& stored = storage_.emplace_back(text);
  index_.emplace(std::string_view(stored), id);
  return id;
}

NameId NameTable::find(std::string_view text) const {
  auto it = index_.find(text);
  return it == index_.end() ? kNoName : it->second;
}

}  // namespace palette
