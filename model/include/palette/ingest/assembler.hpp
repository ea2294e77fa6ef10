#pragma once
// TraceAssembler: groups spans into traces as they stream in, from any number of files, with memory
// bounded by the traces still open. A trace is closed (handed to the sink) once no span of it has been
// seen for `idle_window_us` of trace time, measured against the newest span start seen so far (the
// watermark), and at flush_all(). Closed traces come out in the order they were first seen, so a run is
// deterministic. A span arriving for a trace that was closed recently is counted as "late_spans" and
// dropped: widen the window when that counter is not zero.
//
//   TraceAssembler asm_(60'000'000, diag, [&](RawTrace&& t) { ... });
//   reader->read(src, ctx /* ctx.sink = asm_ */);   asm_.flush_all();
#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <vector>

#include "palette/ingest/diagnostics.hpp"
#include "palette/ingest/reader.hpp"
#include "palette/span.hpp"

namespace palette::ingest {

class TraceAssembler final : public SpanSink {
 public:
  using Sink = std::function<void(RawTrace&&)>;
  TraceAssembler(int64_t idle_window_us, Diagnostics& diag, Sink sink);

  void add(Span&& span) override;
  void flush_all();  // closes every open trace (end of input)

  void set_idle_window(int64_t us) { idle_window_us_ = us; }
  size_t open_traces() const { return open_count_; }
  size_t peak_open_traces() const { return peak_open_; }

 private:
  // Open traces live in a vector (reused through a free list) found through an open-addressing index:
  // every span looks its trace up and every sweep walks all open traces, and with std::unordered_map
  // both were a cache miss per trace (17% of Alibaba ingestion time).
  struct Open {
    RawTrace trace;
    uint64_t seq = 0;  // first-seen order
    bool live = false;
  };
  struct Slot {
    Id128 id;
    uint32_t open = kEmpty;  // index into opens_
  };
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  size_t slot_of(const Id128& id) const;  // the slot holding id, or the empty slot where it would go
  void erase_slot(size_t slot);
  void grow_index();
  void close_idle();
  void close(std::vector<std::pair<uint64_t, uint32_t>>& opens);  // (seq, index into opens_)

  int64_t idle_window_us_;
  Sink sink_;
  std::vector<Open> opens_;
  std::vector<uint32_t> free_;
  std::vector<Slot> index_;  // power of two, at most half full
  size_t open_count_ = 0;
  // Traces closed within the last window, to tell late spans from new traces; closes happen in
  // watermark order, so they expire from the front.
  std::unordered_map<Id128, int64_t, Id128Hash> recently_closed_;  // id -> watermark when last closed
  std::deque<std::pair<int64_t, Id128>> closed_order_;  // (watermark when closed, id)
  int64_t watermark_ = kNoTime;
  int64_t last_sweep_ = kNoTime;
  uint64_t seq_ = 0;
  uint64_t adds_since_sweep_ = 0;
  size_t peak_open_ = 0;
  uint64_t& late_spans_;
  uint64_t& spans_without_trace_id_;
  uint64_t& impossible_timing_;
};

}  // namespace palette::ingest
