#pragma once
// Pool<T>: recycles the objects of things in flight (visits, messages, CPU bursts), so a run's memory
// follows how much is in flight at once, never how many requests it has simulated, and the hot path
// does not call the allocator. Objects keep their vectors' capacity between uses.
#include <memory>
#include <vector>

namespace palette::sim::engine {

template <class T>
class Pool {
 public:
  T* get() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<T>());
      return all_.back().get();
    }
    T* t = free_.back();
    free_.pop_back();
    return t;
  }
  void put(T* t) { free_.push_back(t); }
  size_t allocated() const { return all_.size(); }
  size_t in_use() const { return all_.size() - free_.size(); }

 private:
  std::vector<std::unique_ptr<T>> all_;
  std::vector<T*> free_;
};

}  // namespace palette::sim::engine
