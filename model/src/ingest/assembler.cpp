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

namespace {
// The table masks the low bits, so every bit of the id must reach them (Id128Hash alone leaves ids
// that differ only in the high bits of `hi` in one probe run).
size_t home_of(const Id128& id, size_t mask) {
  uint64_t h = Id128Hash{}(id);
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  return static_cast<size_t>(h ^ (h >> 29)) & mask;
}
}  // namespace

size_t TraceAssembler::slot_of(const Id128& id) const {
  const size_t mask = index_.size() - 1;
  size_t i = home_of(id, mask);
  while (index_[i].open != kEmpty && !(index_[i].id == id)) i = (i + 1) & mask;
  return i;
}

// Backward-shift deletion: later entries of the probe run move up, so lookups need no tombstones.
void TraceAssembler::erase_slot(size_t slot) {
  const size_t mask = index_.size() - 1;
  size_t hole = slot;
  for (size_t i = (slot + 1) & mask; index_[i].open != kEmpty; i = (i + 1) & mask) {
    const size_t home = home_of(index_[i].id, mask);
    // The entry at i may fill the hole unless its home lies cyclically in (hole, i].
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      index_[hole] = index_[i];
      hole = i;
    }
  }
  index_[hole] = Slot{};
}

void TraceAssembler::grow_index() {
  std::vector<Slot> old = std::move(index_);
  index_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  for (const Slot& s : old)
    if (s.open != kEmpty) index_[slot_of(s.id)] = s;
}

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
  if (2 * (open_count_ + 1) > index_.size()) grow_index();
  Slot& slot = index_[slot_of(span.trace_id)];
  if (slot.open == kEmpty) {
    if (!recently_closed_.empty() && recently_closed_.count(span.trace_id)) {
      ++late_spans_;
      return;
    }
    uint32_t at;
    if (!free_.empty()) {
      at = free_.back();
      free_.pop_back();
    } else {
      at = static_cast<uint32_t>(opens_.size());
      opens_.emplace_back();
    }
    Open& o = opens_[at];
    o.trace.trace_id = span.trace_id;
    o.trace.spans.clear();
    o.trace.last_seen_us = watermark_;
    o.seq = seq_++;
    o.live = true;
    slot = Slot{span.trace_id, at};
    peak_open_ = std::max(peak_open_, ++open_count_);
  }
  RawTrace& t = opens_[slot.open].trace;
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

void TraceAssembler::close(std::vector<std::pair<uint64_t, uint32_t>>& opens) {
  std::sort(opens.begin(), opens.end());
  for (const auto& [seq, at] : opens) {
    Open& o = opens_[at];
    erase_slot(slot_of(o.trace.trace_id));
    recently_closed_[o.trace.trace_id] = watermark_;
    closed_order_.emplace_back(watermark_, o.trace.trace_id);
    o.live = false;
    --open_count_;
    free_.push_back(at);
    RawTrace trace = std::move(o.trace);  // the slot keeps no buffer: memory stays that of open traces
    sink_(std::move(trace));
  }
}

void TraceAssembler::close_idle() {
  const int64_t cutoff = watermark_ - idle_window_us_;
  while (!closed_order_.empty() && closed_order_.front().first < cutoff) {
    auto it = recently_closed_.find(closed_order_.front().second);
    if (it != recently_closed_.end() && it->second < cutoff) recently_closed_.erase(it);  // not closed again since
    closed_order_.pop_front();
  }
  std::vector<std::pair<uint64_t, uint32_t>> idle;
  for (uint32_t at = 0; at < opens_.size(); ++at) {
    Open& o = opens_[at];
    if (!o.live) continue;
    int64_t last = o.trace.last_seen_us;
    if (last == kNoTime) last = o.trace.last_seen_us = watermark_;  // untimed: age from now on
    if (last < cutoff) idle.emplace_back(o.seq, at);
  }
  close(idle);
}

void TraceAssembler::flush_all() {
  std::vector<std::pair<uint64_t, uint32_t>> all;
  all.reserve(open_count_);
  for (uint32_t at = 0; at < opens_.size(); ++at)
    if (opens_[at].live) all.emplace_back(opens_[at].seq, at);
  close(all);
}

}  // namespace palette::ingest
