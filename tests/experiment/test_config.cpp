// Experiment configs: a full one parses; every mistake is an error naming file, line and key.
#include <gtest/gtest.h>

#include "palette/error.hpp"
#include "palette/experiment/config.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::experiment;

namespace {

std::string hotel() { return test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json"); }

std::string error_of(const std::string& text) {
  try {
    parse_experiment(text, "exp.yaml", "");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(ExperimentConfig, AFullConfigParses) {
  std::string text = "name: what-if\nseed: 7\ntraces:\n  paths: [" + hotel() +
                     "]\nmodel:\n  conditioning: caller\n  latency_classes: 4\n"
                     "interventions:\n"
                     "  - filter_traces: {drop_errors: true}\n"
                     "  - scale_local_work: {target: search, factor: 0.5}\n"
                     "  - remove: {target: profile, mode: drop}\n"
                     "  - add_api: {service: cache, operation: GET, constant_us: 100, called_by: [{caller: \"frontend:HTTP GET /hotels\", probability: 0.5}]}\n"
                     "  - set_local_work: {target: geo, quantiles: {p: [0, 0.5, 1], v: [10, 20, 40]}}\n"
                     "workload:\n  arrivals: poisson\n  rate: 2x\n  requests: 3000\n  warmup_s: 1\n"
                     "sim:\n  work: sleep\n  spans: none\n"
                     "emu:\n  enabled: true\n  rate: 20\n"
                     "sweep:\n  mode: grid\n  parameters:\n    - {path: \"interventions[1].scale_local_work.factor\", values: [0.25, 0.5]}\n"
                     "    - {path: workload.rate, range: {from: 10, to: 40, steps: 4}}\n"
                     "report:\n  apis: [\"search:/search.Search/Nearby\"]\n";
  ExperimentConfig c = parse_experiment(text, "exp.yaml", "");
  EXPECT_EQ(c.name, "what-if");
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.model.fit.latency_classes, 4u);
  EXPECT_EQ(c.model.fit.seed, 7u);
  ASSERT_EQ(c.interventions.size(), 5u);
  EXPECT_EQ(c.interventions[1].kind, "scale_local_work");
  EXPECT_EQ(c.interventions[1].params.at("factor"), "0.5");
  EXPECT_EQ(c.interventions[1].where, "exp.yaml:10");  // the line of the list item
  EXPECT_EQ(c.interventions[3].list.size(), 1u);
  EXPECT_EQ(c.interventions[4].quantile_v, (std::vector<double>{10, 20, 40}));
  EXPECT_DOUBLE_EQ(c.workload.rate_factor, 2.0);
  EXPECT_EQ(c.workload.spec.rate_per_s, 0.0);
  EXPECT_EQ(c.workload.spec.requests, 3000u);
  EXPECT_EQ(c.sim.work, "sleep");
  EXPECT_EQ(c.sim.spans, 0);
  EXPECT_TRUE(c.emu.enabled);
  ASSERT_EQ(c.sweep.parameters.size(), 2u);
  EXPECT_EQ(c.sweep.parameters[1].values, (std::vector<std::string>{"10", "20", "30", "40"}));
  EXPECT_EQ(c.report.apis.size(), 1u);
}

TEST(ExperimentConfig, ErrorsNameFileLineAndKey) {
  const std::string traces = "traces:\n  paths: [" + hotel() + "]\n";
  EXPECT_EQ(error_of(traces + "colour: blue\n"),
            "exp.yaml:3: colour: unknown key \"colour\" (hint: allowed here: name, seed, traces, model, interventions, "
            "workload, sim, emu, sweep, report, outputs)");
  EXPECT_EQ(error_of(traces + "workload:\n  requests: many\n"),
            "exp.yaml:4: workload.requests: expected a non-negative integer, got \"many\"");
  EXPECT_EQ(error_of(traces + "workload:\n  rate: fast\n"),
            "exp.yaml:4: workload.rate: expected a rate, `traced` or a multiple like `2x`, got \"fast\"");
  EXPECT_EQ(error_of("traces:\n  paths: [/no/such/file.json]\n"),
            "exp.yaml:2: traces.paths: no such file: /no/such/file.json");
  EXPECT_EQ(error_of("model:\n  topology: missing.yaml\n"), "exp.yaml:2: model.topology: no such file: missing.yaml");
  EXPECT_EQ(error_of("name: x\n"), "exp.yaml:1: an experiment needs traces (traces.paths) or a topology (model.topology)");
  EXPECT_EQ(error_of(traces + "interventions:\n  - speed_up: {target: x}\n"),
            std::string("exp.yaml:4: interventions[0].speed_up: unknown intervention (hint: one of add_api, add_edge, arrivals, "
                        "derive_root_api, downscale, filter_traces, inject_errors, link, placement, rate, remove, remove_edge, "
                        "rename_apis, replicas, scale_local_work, set_call_probability, set_local_work, set_payload, "
                        "shift_local_work, timeout, work_spec, workers)"));
  EXPECT_EQ(error_of(traces + "interventions:\n  - scale_local_work:\n      target: search\n      factor: -2\n"),
            "exp.yaml:6: interventions[0].scale_local_work.factor: must be >= 0");
  EXPECT_EQ(error_of(traces + "interventions:\n  - scale_local_work: {target: search, speed: 2}\n"),
            "exp.yaml:4: interventions[0].scale_local_work.speed: unknown parameter (hint: allowed: target, factor)");
  EXPECT_EQ(error_of(traces + "interventions:\n  - scale_local_work: {factor: 2}\n"),
            "exp.yaml:4: interventions[0].scale_local_work: needs `target`");
  EXPECT_EQ(error_of(traces + "interventions:\n  - scale_local_work: {target: a, factor: 2}\n  - filter_traces: {min_spans: 2}\n"),
            "exp.yaml:5: interventions[1]: filter_traces acts on the traces: list it before every topology intervention");
  EXPECT_EQ(error_of(traces + "sim:\n  work: gpu\n"), "exp.yaml:4: sim.work: expected cpu or sleep, got \"gpu\"");
  EXPECT_EQ(error_of(traces + "sweep:\n  parameters:\n    - {path: workload.rate}\n"),
            "exp.yaml:5: sweep.parameters[0]: give either values or range (hint: values: [1, 2, 4] or range: {from: 10, to: 100, steps: 4})");
  EXPECT_EQ(error_of(traces + "workload:\n  arrivals: closed\n"), "exp.yaml:3: workload.users: closed-loop arrivals need users");
  EXPECT_EQ(error_of("traces: [\n"), error_of("traces: [\n"));  // deterministic
  EXPECT_NE(error_of("traces: [\n").find("exp.yaml:"), std::string::npos);
}

TEST(ExperimentConfig, RelativePathsStartAtTheConfigFile) {
  test::TempDir dir;
  dir.write("t.json", test::read_file(hotel()));
  dir.write("exp.yaml", "traces:\n  paths: [t.json]\n");
  ExperimentConfig c = load_experiment_file(dir.file("exp.yaml"));
  EXPECT_EQ(c.resolve(c.traces.paths[0]), dir.file("t.json"));
  EXPECT_THROW(load_experiment_file(dir.file("nope.yaml")), Error);
}
