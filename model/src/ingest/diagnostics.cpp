#include "palette/ingest/diagnostics.hpp"

namespace palette::ingest {

uint64_t Diagnostics::count(const std::string& name) const {
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::map<std::string, uint64_t> Diagnostics::nonzero() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [name, value] : counters_)
    if (value != 0) out.emplace(name, value);
  return out;
}

void Diagnostics::malformed(const std::string& what, const Error& error) {
  if (strict_) throw error;
  ++counters_["malformed." + what];
  if (examples_.size() < kMaxExamples) examples_.push_back(error);
}

void Diagnostics::merge(const Diagnostics& other) {
  for (const auto& [name, value] : other.counters_) counters_[name] += value;
  for (const auto& e : other.examples_)
    if (examples_.size() < kMaxExamples) examples_.push_back(e);
}

}  // namespace palette::ingest
