#include "palette/topology/fit.hpp"

#include "palette/error.hpp"
#include "stages.hpp"

namespace palette::model {

Topology fit_topology(const ingest::TraceSet& traces, const FitOptions& options, FitReport* report_out,
                      const FitProgressFn& progress) {
  auto stage = [&](const char* name, double f) {
    if (progress) progress(name, f);
  };
  if (traces.traces.empty()) throw Error(ErrorKind::bad_value, "no traces to fit").with_hint("check the inputs with `palette traces stats`");
  FitReport report;
  stage("records", 0.0);
  fit::Records records = fit::build_records(traces, options.concurrency_tolerance_us);
  report.traces = records.requests.size();
  report.invocations = records.invocations.size();
  report.calls = records.calls.size();
  report.local_spans_folded = records.local_folded;
  report.async_calls = records.async_calls;
  for (const auto& req : records.requests)
    if (records.invocations[req.first_invocation].timed) ++report.traces_timed;
  if (report.traces_timed == 0)
    throw Error(ErrorKind::bad_value, "no trace has timing for its root: nothing to learn latency from");

  Topology t;
  t.fit.conditioning = options.conditioning;
  t.fit.seed = options.seed;
  t.fit.alergia_alpha = options.alergia_alpha;
  t.fit.latency_classes = options.conditioning == Conditioning::caller ? options.latency_classes : 1;
  t.fit.structure_classes = options.conditioning == Conditioning::caller ? options.structure_classes : 1;
  t.fit.min_context_count = options.min_context_count;
  t.fit.concurrency_tolerance_us = options.concurrency_tolerance_us;
  for (const auto& f : traces.report.files) t.source.files.push_back(f.path);

  stage("graph", 0.2);
  fit::fit_graph(records, t);
  for (const auto& tree : traces.traces) t.source.spans += tree.span_count;
  stage("structure", 0.4);
  fit::fit_structure(records, t, options, report);
  stage("latency", 0.7);
  fit::fit_latency(records, t, options, report);
  stage("validate", 1.0);
  t.validate();
  if (report_out) *report_out = report;
  return t;
}

}  // namespace palette::model
