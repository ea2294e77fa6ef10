#pragma once
// How topology.yaml names APIs: by the label "service:operation". A label is read back by taking the
// longest service name it starts with (followed by ':'); the saver writes an explicit `service:`
// where that rule would pick another service (service names that themselves contain ':').
#include <cstdint>
#include <string_view>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::model::yaml {

// The index of the service a label belongs to by the longest-prefix rule, or UINT32_MAX.
uint32_t service_of_label(const std::vector<ServiceModel>& services, std::string_view label);

}  // namespace palette::model::yaml
