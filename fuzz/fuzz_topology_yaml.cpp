// topology.yaml on arbitrary bytes. palette::Error is the expected answer to bad input. Whatever loads
// must describe, save, load back and save to the same bytes — the round-trip promise, checked on
// every input the fuzzer finds acceptable. Anything else (a crash, a sanitizer report, another
// exception, a differing resave) is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "palette/error.hpp"
#include "palette/topology/describe.hpp"
#include "palette/topology/topology_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace palette::model;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  Topology t;
  try {
    t = load_topology(in, "fuzz.yaml");
  } catch (const palette::Error&) {
    return 0;
  }
  (void)describe_topology(t);
  std::ostringstream once, twice;
  save_topology(t, once);  // a loaded topology always saves: an Error here escapes and is reported
  std::istringstream again(once.str());
  save_topology(load_topology(again, "resaved.yaml"), twice);
  if (once.str() != twice.str()) __builtin_trap();
  return 0;
}
