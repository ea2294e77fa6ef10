#include "palette/topology/gcm.hpp"

#include <algorithm>

#include "palette/error.hpp"

namespace palette::model {

const WorkContext& Gcm::work_context(ApiIndex caller, int32_t pattern) const {
  const WorkContext *exact = nullptr, *by_caller = nullptr, *by_pattern = nullptr, *any = nullptr;
  for (const auto& w : work) {
    if (w.caller == caller && w.pattern == pattern && caller != kNoApiIndex && pattern >= 0) exact = &w;
    else if (w.caller == caller && w.pattern < 0 && caller != kNoApiIndex) by_caller = &w;
    else if (w.caller == kNoApiIndex && w.pattern == pattern && pattern >= 0) by_pattern = &w;
    else if (w.caller == kNoApiIndex && w.pattern < 0) any = &w;
  }
  if (exact) return *exact;
  if (by_caller) return *by_caller;
  if (by_pattern) return *by_pattern;
  if (any) return *any;
  throw Error(ErrorKind::bad_value, "API has no local-work context for any caller and pattern");
}

const Dependency* Gcm::dependency(ApiIndex callee) const {
  auto it = std::lower_bound(dependencies.begin(), dependencies.end(), callee,
                             [](const Dependency& d, ApiIndex c) { return d.callee < c; });
  return it != dependencies.end() && it->callee == callee ? &*it : nullptr;
}

int32_t Gcm::find_pattern(const std::vector<uint32_t>& steps) const {
  for (size_t i = 0; i < patterns.size(); ++i)
    if (patterns[i].steps == steps) return static_cast<int32_t>(i);
  return -1;
}

}  // namespace palette::model
