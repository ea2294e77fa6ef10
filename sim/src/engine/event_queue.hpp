#pragma once
// The simulator's own event queue: what happens next, in time order, ties broken by insertion order
// (so a run is deterministic). Most of a simulated request's hops are plain delays and uncontended
// resource uses whose end is known in closed form; they live here and never reach SimGrid, whose
// engine only runs while some resource is actually shared (see resources.hpp).
#include <cstdint>
#include <vector>

namespace palette::sim::engine {

// What to do when something ends: an event kind, the object it concerns and a small argument.
struct Continuation {
  uint32_t kind = 0;
  uint32_t arg = 0;
  void* obj = nullptr;
};

struct Event {
  double t = 0;       // seconds of simulated time
  uint64_t seq = 0;   // insertion order, for ties
  Continuation what;
};

class EventQueue {
 public:
  void push(double t, Continuation c) {
    heap_.push_back(Event{t, seq_++, c});
    sift_up(heap_.size() - 1);
  }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  double top_time() const { return heap_.front().t; }
  Event pop() {
    Event top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return top;
  }

 private:
  static bool before(const Event& a, const Event& b) { return a.t < b.t || (a.t == b.t && a.seq < b.seq); }
  // A 4-ary heap: shallower than a binary one, and its children share cache lines.
  void sift_up(size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 4;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(size_t i) {
    Event e = heap_[i];
    const size_t n = heap_.size();
    while (true) {
      size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      for (size_t c = first + 1; c < first + 4 && c < n; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }
  std::vector<Event> heap_;
  uint64_t seq_ = 0;
};

}  // namespace palette::sim::engine
