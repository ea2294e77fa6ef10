#pragma once
// Options shared by every command that reads traces, and the progress adapter for ingestion.
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "palette/error.hpp"
#include "palette/ingest/ingest.hpp"

namespace palette::cli {

// Options every command that reads traces shares.
struct TraceInputOptions {
  std::vector<std::string> paths;
  std::string format;
  bool strict = false;
  double idle_window_s = 0;
  std::string orphans = "attach";

  void add_to(po::options_description& desc) {
    desc.add_options()
      ("format", po::value(&format), "trace format (default: detected per file; see `palette traces formats`)")
      ("strict", po::bool_switch(&strict), "stop at the first malformed record instead of skipping and counting it")
      ("idle-window", po::value(&idle_window_s), "seconds of trace time after which a trace that got no new span is complete (default: per format)")
      ("orphans", po::value(&orphans), "spans whose parent is missing: attach (under the root) or drop");
    desc.add_options()("paths", po::value(&paths)->multitoken(), "trace files, directories or globs");
  }

  ingest::IngestOptions to_ingest() const {
    ingest::IngestOptions o;
    o.format = format;
    o.strict = strict;
    if (idle_window_s < 0) throw Error(ErrorKind::bad_value, "must be >= 0").at_key("--idle-window");
    o.idle_window_us = static_cast<int64_t>(idle_window_s * 1e6);
    if (orphans == "attach") o.normalize.orphans = ingest::OrphanPolicy::attach;
    else if (orphans == "drop") o.normalize.orphans = ingest::OrphanPolicy::drop;
    else throw Error(ErrorKind::bad_value, "expected attach or drop, got \"" + orphans + "\"").at_key("--orphans");
    return o;
  }
};

inline ingest::IngestProgressFn ingest_progress_to(Progress& bar) {
  return [&bar](const ingest::IngestProgress& p) {
    const auto* s = p.source;
    double frac = -1;
    if (s && s->size_on_disk() > 0)
      frac = (static_cast<double>(p.file_index) +
              static_cast<double>(s->position_on_disk()) / static_cast<double>(s->size_on_disk())) /
             static_cast<double>(p.file_count);
    std::ostringstream text;
    text << "file " << p.file_index + 1 << "/" << p.file_count << ", " << p.spans_read << " spans, " << p.traces_kept
         << " traces";
    bar.update(text.str(), frac);
  };
}

}  // namespace palette::cli
