#pragma once
// Small hand-made topologies with a fixed call structure, for tests, benchmarks and smoke runs of the
// emulator without traces: each service has one API, "<service>:op", that runs its steps in order
// (a step's callees concurrently) with `work_us` of local work spread evenly around them, and every
// call has `overhead_us` of modelled network/client time.
//
//   Topology t = chain_topology(3, 100, 0);   // s0:op -> s1:op -> s2:op
//   Topology u = fixed_topology({{"front", {{"auth"}, {"search", "profile"}}, 50}, {"auth", {}, 20}, ...}, 0);
#include <string>
#include <vector>

#include "palette/topology/topology.hpp"

namespace palette::emu {

struct FixedApi {
  std::string service;
  std::vector<std::vector<std::string>> steps;  // each step: the services it calls, together
  double work_us = 0;
};

// The first API is the only root. Throws Error(bad_value) for a call to a service not listed.
model::Topology fixed_topology(const std::vector<FixedApi>& apis, double overhead_us);

// s0 -> s1 -> ... -> s{n-1}, each with work_us of local work.
model::Topology chain_topology(size_t services, double work_us, double overhead_us);

// Ten services shaped like a small web application: front calls auth, then search || profile ||
// recommend, then reserve; search calls geo || rate, profile calls cache, reserve calls db.
model::Topology fanout10_topology(double work_us, double overhead_us);

// By name, as `palette emu --example` and palette-service take them:
//   "chain:N[:WORK_US[:OVERHEAD_US]]"  or  "fanout10[:WORK_US[:OVERHEAD_US]]"  (defaults: 100 µs, 0 µs)
// Throws Error(bad_value) for anything else.
model::Topology example_topology(const std::string& spec);

}  // namespace palette::emu
