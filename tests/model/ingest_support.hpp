#pragma once
// Helpers the trace-reader tests share: load inline text as a file, summarise what came out.
#include <string>

#include "palette/ingest/ingest.hpp"
#include "palette/stats/trace_stats.hpp"
#include "support.hpp"

namespace palette::test {

inline stats::TraceSummary summarize(const ingest::TraceSet& set) {
  stats::TraceStats st;
  for (const auto& t : set.traces) st.add(t);
  return st.summary(set.catalog);
}

inline ingest::TraceSet load_text(const TempDir& dir, const std::string& name, const std::string& text,
                                  bool strict = false, const std::string& format = "") {
  ingest::IngestOptions o;
  o.strict = strict;
  o.format = format;
  return ingest::load_traces({dir.write(name, text)}, o);
}

// The error a strict load throws; fails the test when it throws nothing.
inline Error strict_error(const TempDir& dir, const std::string& name, const std::string& text,
                          const std::string& format = "") {
  try {
    load_text(dir, name, text, true, format);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "strict mode should throw on " << name;
  return Error(ErrorKind::internal, "no error");
}

}  // namespace palette::test
