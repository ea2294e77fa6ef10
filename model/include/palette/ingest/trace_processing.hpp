#pragma once
// Trace processing before fitting: filters (time window, traces with errors, root API, size), API
// renames by regular expression, and deriving the request type of traces that all enter by one
// gateway operation (TrainTicket's root is always `/*`: the API is the route of the first call behind
// the gateway). Each returns how many traces or nodes it changed.
//
//   filter_traces(set, {.drop_errors = true});   rename_apis(set, {{"^ts-(.*)-service$", ".*", "$1", ""}});
#include <cstdint>
#include <string>
#include <vector>

#include "palette/ingest/ingest.hpp"

namespace palette::ingest {

struct TraceFilter {
  double from_s = -1, to_s = -1;     // root start, seconds after the first trace's; -1 = open
  bool drop_errors = false;          // traces with any failed call
  std::vector<std::string> root_apis;  // keep only these roots ("service:operation"); empty = all
  uint32_t min_spans = 0, max_spans = 0;  // 0 = no bound
};
// Returns the number of traces removed.
uint64_t filter_traces(TraceSet& set, const TraceFilter& filter);

// Renames APIs whose service and operation match both patterns (ECMAScript regular expressions,
// whole-string match); replacements may use $1..$9 of their own pattern; "" keeps the name.
struct RenameRule {
  std::string service_pattern = ".*", operation_pattern = ".*";
  std::string to_service, to_operation;
};
// Returns the number of call-tree nodes renamed. Throws Error(bad_value) for a bad pattern.
uint64_t rename_apis(TraceSet& set, const std::vector<RenameRule>& rules);

// Roots matching the patterns take the operation of their first call to another service
// ("gateway:/*" calling "orders:/api/v1/orders" becomes "gateway:/api/v1/orders").
struct DeriveRootRule {
  std::string service_pattern = ".*", operation_pattern = ".*";
};
uint64_t derive_root_apis(TraceSet& set, const DeriveRootRule& rule);

}  // namespace palette::ingest
