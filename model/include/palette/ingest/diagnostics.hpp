#pragma once
// Diagnostics: how ingestion reports what it met. Every anomaly (a malformed record skipped, a duplicate
// span removed, an orphan attached, a clock-skew fix) increments a named counter, so nothing is dropped
// silently; the first few malformed records are kept with their location as examples. In strict mode the
// first malformed record throws instead of being skipped.
//
//   uint64_t& dups = diag.counter("duplicate_spans");  ++dups;          // hot path: keep the reference
//   diag.malformed("json", Error(ErrorKind::malformed, "expected object").at_file(f).at_offset(123));
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "palette/error.hpp"

namespace palette::ingest {

class Diagnostics {
 public:
  explicit Diagnostics(bool strict = false) : strict_(strict) {}

  bool strict() const { return strict_; }
  void set_strict(bool strict) { strict_ = strict; }

  // A counter by name, created at zero; the reference stays valid for the object's lifetime.
  uint64_t& counter(const std::string& name) { return counters_[name]; }
  uint64_t count(const std::string& name) const;
  // Counters that are non-zero, sorted by name.
  std::map<std::string, uint64_t> nonzero() const;

  // A record that could not be read: counted as "malformed.<what>", kept as an example, or thrown when
  // strict. Returns normally when the caller should skip the record and go on.
  void malformed(const std::string& what, const Error& error);
  const std::vector<Error>& examples() const { return examples_; }

  // Adds another run's counters and examples (e.g. from a worker).
  void merge(const Diagnostics& other);

  static constexpr size_t kMaxExamples = 20;

 private:
  bool strict_;
  std::map<std::string, uint64_t> counters_;
  std::vector<Error> examples_;
};

}  // namespace palette::ingest
