#include "palette/ingest/assembler.hpp"

#include <algorithm>
#include <vector>

namespace palette::ingest {

TraceAssembler::TraceAssembler(int64_t idle_window_us, Diagnostics& diag, Sink sink)
    : idle_window_us_(idle_window_us),
      sink_(std::move(sink)),
      late_spans_(diag.counter("late_spans")),
      spans_without_trace_id_(diag.counter("spans_without_trace_id")),
      impossible_timing_(diag.counter("spans_with_impossible_timing")) {}

void TraceAssembler::add(Span&& span) {
  if (span.trace_id.empty()) {
    ++spans_without_trace_id_;
    return;
  }
  // Every span passes here before any arithmetic on its times (watermark, skew, end = start + duration).
  auto impossible = [](int64_t t) { return t != kNoTime && (t > kMaxTimeUs || t < -kMaxTimeUs); };
  if (impossible(span.start_us) || impossible(span.duration_us)) {
    if (impossible(span.start_us)) span.start_us = kNoTime;
    if (impossible(span.duration_us)) span.duration_us = kNoTime;
    ++impossible_timing_;
  }
  if (span.start_us != kNoTime && (watermark_ == kNoTime || span.start_us > watermark_)) watermark_ = span.start_us;
  auto it = open_.find(span.trace_id);
  if (it == open_.end()) {
    if (!recently_closed_.empty() && recently_closed_.count(span.trace_id)) {
      ++late_spans_;
      return;
    }
    it = open_.emplace(span.trace_id, Open{RawTrace{span.trace_id, {}, watermark_}, seq_++}).first;
    peak_open_ = std::max(peak_open_, open_.size());
  }
  RawTrace& t = it->second.trace;
  if (span.start_us != kNoTime && (t.last_seen_us == kNoTime || span.start_us > t.last_seen_us))
    t.last_seen_us = span.start_us;
  t.spans.push_back(std::move(span));
  // Sweep when the watermark has moved by a quarter window and enough spans came in to amortise it.
  if (++adds_since_sweep_ >= 4096 && watermark_ != kNoTime &&
      (last_sweep_ == kNoTime || watermark_ - last_sweep_ >= idle_window_us_ / 4)) {
    adds_since_sweep_ = 0;
    last_sweep_ = watermark_;
    close_idle();
  }
}

void TraceAssembler::close(std::vector<std::pair<uint64_t, Id128>>& ids) {
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [seq, id] : ids) {
    auto it = open_.find(id);
    RawTrace trace = std::move(it->second.trace);
    open_.erase(it);
    sink_(std::move(trace));
  }
}

void TraceAssembler::close_idle() {
  const int64_t cutoff = watermark_ - idle_window_us_;
  for (auto it = recently_closed_.begin(); it != recently_closed_.end();)
    it = it->second < cutoff ? recently_closed_.erase(it) : std::next(it);
  std::vector<std::pair<uint64_t, Id128>> idle;
  for (auto& [id, open] : open_) {
    int64_t last = open.trace.last_seen_us;
    if (last == kNoTime) last = open.trace.last_seen_us = watermark_;  // untimed: age from now on
    if (last < cutoff) idle.emplace_back(open.seq, id);
  }
  for (const auto& [seq, id] : idle) recently_closed_.emplace(id, watermark_);
  close(idle);
}

void TraceAssembler::flush_all() {
  std::vector<std::pair<uint64_t, Id128>> all;
  all.reserve(open_.size());
  for (auto& [id, open] : open_) all.emplace_back(open.seq, id);
  for (const auto& [seq, id] : all) recently_closed_.emplace(id, watermark_);
  close(all);
}

}  // namespace palette::ingest
