#include "api_labels.hpp"

namespace palette::model::yaml {

uint32_t service_of_label(const std::vector<ServiceModel>& services, std::string_view label) {
  uint32_t best = UINT32_MAX;
  for (size_t i = 0; i < services.size(); ++i) {
    const std::string& name = services[i].name;
    if (label.size() > name.size() && label[name.size()] == ':' && label.substr(0, name.size()) == name &&
        (best == UINT32_MAX || name.size() > services[best].name.size()))
      best = static_cast<uint32_t>(i);
  }
  return best;
}

}  // namespace palette::model::yaml
