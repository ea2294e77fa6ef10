// The round-trip promise of topology.yaml for any names and numbers: the fuzzer picks service and
// operation names (any bytes), file names, and the bits of every number; the structure around them
// is built valid. Whatever Topology::validate() accepts and save_topology does not refuse (two APIs
// with one label) must load back equal field by field and save to the same bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>

#include "../tests/topology_equal.hpp"
#include "palette/error.hpp"
#include "palette/topology/topology_yaml.hpp"

using namespace palette::model;

namespace {

// Any finite double the bits give, made non-negative where the model wants it.
double number(FuzzedDataProvider& in, bool non_negative) {
  double x = std::bit_cast<double>(in.ConsumeIntegral<uint64_t>());
  if (!std::isfinite(x)) x = static_cast<double>(in.ConsumeIntegral<uint32_t>());
  return non_negative ? std::fabs(x) : x;
}

double probability(FuzzedDataProvider& in) { return in.ConsumeProbability<double>(); }

Distribution distribution(FuzzedDataProvider& in) {
  size_t k = in.ConsumeIntegralInRange<size_t>(0, 6);
  if (k < 2) return Distribution{};
  std::vector<double> p{0.0}, v;
  for (size_t i = 0; i + 2 < k; ++i) p.push_back(probability(in));
  p.push_back(1.0);
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  for (size_t i = 0; i < p.size(); ++i) v.push_back(number(in, true));
  std::sort(v.begin(), v.end());
  return Distribution::from_quantiles(p, v, in.ConsumeIntegral<uint64_t>());
}

std::vector<LatentParams> classes(FuzzedDataProvider& in, size_t n) {
  std::vector<LatentParams> out;
  if (in.ConsumeBool())
    for (size_t i = 0; i < n; ++i) out.push_back({number(in, false), number(in, true)});
  return out;
}

// API 0 calls every other API in one concurrent step, or in a loop of single steps.
Topology build(FuzzedDataProvider& in) {
  Topology t;
  size_t services = in.ConsumeIntegralInRange<size_t>(1, 4), apis = in.ConsumeIntegralInRange<size_t>(1, 5);
  for (size_t s = 0; s < services; ++s) t.services.push_back({in.ConsumeRandomLengthString(40), in.ConsumeIntegral<uint32_t>()});
  t.latency_class_weights.assign(in.ConsumeIntegralInRange<size_t>(1, 3), 0.0);
  t.latency_class_weights[0] = 1.0;
  for (size_t a = 0; a < apis; ++a) {
    ApiModel m;
    m.service = in.ConsumeIntegralInRange<uint32_t>(0, static_cast<uint32_t>(services - 1));
    m.operation = in.ConsumeRandomLengthString(40);
    m.invocations = in.ConsumeIntegral<uint64_t>();
    m.external = in.ConsumeBool();
    m.pfa.states = {PfaState{{}, 1.0, in.ConsumeIntegral<uint64_t>(), {}}};
    m.gcm.min_context_count = in.ConsumeIntegral<uint64_t>();
    if (a > 0) {
      m.pfa.states[0].contexts = {PfaContext{0, -1, {1.0}, in.ConsumeIntegral<uint64_t>()}};
      m.gcm.work.push_back(WorkContext{0, -1, distribution(in), classes(in, t.latency_class_weights.size())});
    }
    m.gcm.work.push_back(WorkContext{kNoApiIndex, -1, distribution(in), classes(in, t.latency_class_weights.size())});
    t.apis.push_back(std::move(m));
  }
  ApiModel& root = t.apis[0];
  bool concurrent = in.ConsumeBool();
  if (apis > 1 && concurrent) root.pfa.steps.push_back(Step{});
  for (ApiIndex a = 1; a < apis; ++a) {
    if (concurrent) root.pfa.steps[0].calls.push_back(a);
    else root.pfa.steps.push_back(Step{{a}});
    root.gcm.dependencies.push_back(Dependency{a, number(in, true), in.ConsumeBool(), in.ConsumeIntegral<uint64_t>()});
    Edge e{0, a, in.ConsumeIntegral<uint64_t>(), distribution(in), classes(in, t.latency_class_weights.size()), distribution(in),
           distribution(in)};
    t.edges.push_back(std::move(e));
  }
  double p = probability(in);
  root.pfa.states = {PfaState{{}, 1.0, in.ConsumeIntegral<uint64_t>(), {}}};
  for (uint32_t k = 0; k < root.pfa.steps.size(); ++k)  // START -> step k -> state 1 (a loop on itself)
    root.pfa.states[0].out.push_back(PfaTransition{k, 1, 1.0 / static_cast<double>(root.pfa.steps.size()), in.ConsumeIntegral<uint64_t>()});
  if (!root.pfa.steps.empty()) {
    root.pfa.states[0].finish_probability = 0;
    root.pfa.states.push_back(PfaState{{PfaTransition{0, 1, p, 1}}, 1.0 - p, in.ConsumeIntegral<uint64_t>(), {}});
    root.gcm.patterns.push_back(Pattern{{0}, in.ConsumeIntegral<uint64_t>(), {probability(in), probability(in)}});
    if (in.ConsumeBool()) root.gcm.work.push_back(WorkContext{kNoApiIndex, 0, distribution(in), {}});
  }
  t.roots = {RootShare{0, 1.0, in.ConsumeIntegral<uint64_t>()}};
  t.arrival_rate_per_s = number(in, true);
  t.fit = FitInfo{in.ConsumeBool() ? Conditioning::none : Conditioning::caller, in.ConsumeIntegral<uint64_t>(), probability(in),
                  in.ConsumeIntegral<uint32_t>(), in.ConsumeIntegral<uint32_t>(), in.ConsumeIntegral<uint64_t>(),
                  in.ConsumeIntegralInRange<int64_t>(0, INT64_MAX)};
  t.source = SourceInfo{in.ConsumeIntegral<uint64_t>(), in.ConsumeIntegral<uint64_t>(), number(in, true), probability(in),
                        {in.ConsumeRandomLengthString(40), in.ConsumeRandomLengthString(40)}};
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Topology t;
  std::ostringstream once;
  try {
    t = build(in);
    t.validate();
    save_topology(t, once);
  } catch (const palette::Error&) {
    return 0;  // not a valid topology (rounding in a sum), or labels YAML cannot tell apart
  }
  std::istringstream again(once.str());
  Topology back = load_topology(again, "roundtrip.yaml");  // an Error here escapes: a bug
  if (!palette::test::topology_diff(t, back).empty()) __builtin_trap();
  std::ostringstream twice;
  save_topology(back, twice);
  if (once.str() != twice.str()) __builtin_trap();
  return 0;
}
