#pragma once
// TraceWriter: writes call trees back out as spans in a standard format, so that anything palette
// produces (synthetic traces, simulated and emulated runs) can be read again by palette and by other
// tracing tools. A call becomes a client span in the caller's service and a server span in the callee's
// (the caller-side timing on the client span); local nodes become internal spans. Span ids are derived
// from the trace id and the node, so the same trees give byte-identical files.
//
//   std::ofstream out("traces.json");
//   auto w = TraceWriter::create("jaeger", out, catalog);   // or "otlp"
//   for (auto& t : trees) w->add(t);
//   w->finish();
#include <memory>
#include <ostream>
#include <string>

#include "palette/call_tree.hpp"

namespace palette::ingest {

class TraceWriter {
 public:
  virtual ~TraceWriter() = default;
  // format: "jaeger" ({"data":[...]}) or "otlp" (one ExportTraceServiceRequest, a resourceSpans entry
  // per service of each trace). Throws Error(bad_value) for another format.
  static std::unique_ptr<TraceWriter> create(const std::string& format, std::ostream& out, const Catalog& catalog);
  virtual void add(const CallTree& tree) = 0;
  virtual void finish() = 0;  // closes the document; nothing may be added after
};

}  // namespace palette::ingest
