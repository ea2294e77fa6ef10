#include "palette/emu/work.hpp"

#include <sys/prctl.h>
#include <time.h>

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "palette/error.hpp"

namespace palette::emu {
namespace {

using Clock = std::chrono::steady_clock;
using Mat = Eigen::Matrix<double, 8, 8>;

constexpr uint64_t kMemoryUnitBytes = 4096;  // one page streamed per unit

// The streaming buffer: one per process, shared by its threads (each streams from its own cursor),
// allocated and faulted in on first use so that page faults never count as work.
struct MemoryBuffer {
  std::vector<uint64_t> words;
  static std::shared_ptr<MemoryBuffer> get(uint64_t bytes) {
    static std::mutex m;
    static std::shared_ptr<MemoryBuffer> shared;  // kept for the process: faulting it in again costs
    std::lock_guard lock(m);
    if (!shared || shared->words.size() * 8 < bytes) {
      shared = std::make_shared<MemoryBuffer>();
      shared->words.assign(bytes / 8, 1);
    }
    return shared;
  }
};

uint64_t default_buffer_bytes() {
  // Twice the last-level cache, so a pass never finds its data still cached.
  return std::clamp<uint64_t>(2 * last_level_cache_bytes(), 16u << 20, 512u << 20);
}

std::atomic<double> sink{0};  // results escape here so the compiler keeps the work

double since_us(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

}  // namespace

struct WorkUnits::State {
  Mat m, n;
  std::shared_ptr<MemoryBuffer> buffer;
  size_t cursor = 0;  // in words
};

const char* to_string(WorkKind k) {
  switch (k) {
    case WorkKind::sleep: return "sleep";
    case WorkKind::cpu: return "cpu";
    case WorkKind::memory: return "memory";
  }
  return "sleep";
}

WorkKind parse_work_kind(const std::string& text) {
  if (text == "sleep") return WorkKind::sleep;
  if (text == "cpu") return WorkKind::cpu;
  if (text == "memory") return WorkKind::memory;
  throw Error(ErrorKind::bad_value, "unknown work spec \"" + text + "\"").with_hint("sleep, cpu or memory");
}

std::string Calibration::to_text() const {
  std::ostringstream s;
  s.precision(17);
  s << "cpu=" << cpu_ns_per_unit << ",memory=" << memory_ns_per_unit << ",buffer=" << memory_buffer_bytes;
  return s.str();
}

Calibration Calibration::parse(const std::string& text) {
  Calibration c;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto eq = item.find('=');
    std::string key = item.substr(0, eq);
    double value = 0;
    try {
      if (eq == std::string::npos) throw std::invalid_argument(item);
      size_t used = 0;
      value = std::stod(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1 || !(value >= 0)) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorKind::bad_value, "expected key=number >= 0, got \"" + item + "\"").at_key("calibration");
    }
    if (key == "cpu") c.cpu_ns_per_unit = value;
    else if (key == "memory") c.memory_ns_per_unit = value;
    else if (key == "buffer") c.memory_buffer_bytes = static_cast<uint64_t>(value);
    else throw Error(ErrorKind::unknown_key, "unknown calibration key \"" + key + "\"").at_key("calibration");
  }
  return c;
}

void lower_timer_slack() { ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); }

void spin_until(SteadyTime deadline) {
  while (Clock::now() < deadline) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

double WakeMargin::margin_us() const { return std::clamp(estimate_us_ + 5.0, 10.0, 500.0); }

void WakeMargin::observe(double lateness_us) {
  // A streaming 90th-percentile estimate: up 0.9 µs when above, down 0.1 µs when below.
  if (!(lateness_us >= 0)) lateness_us = 0;
  estimate_us_ += lateness_us > estimate_us_ ? 0.9 : -0.1;
  estimate_us_ = std::clamp(estimate_us_, 0.0, 1000.0);
}

WorkUnits::WorkUnits(const Calibration& calibration) : calibration_(calibration), state_(std::make_unique<State>()) {
  // A product with a row-stochastic matrix keeps the values bounded however many units run.
  state_->m.setConstant(1.0);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) state_->n(i, j) = (i == j ? 0.5 : 0.5 / 7.0);
  if (calibration.memory_ns_per_unit > 0) run_memory(0);  // allocate the buffer now, not inside timed work
}

WorkUnits::~WorkUnits() = default;

uint64_t WorkUnits::units_for(WorkKind kind, double us) const {
  double per = kind == WorkKind::cpu ? calibration_.cpu_ns_per_unit : calibration_.memory_ns_per_unit;
  if (kind == WorkKind::sleep) return 0;
  if (!(per > 0)) throw Error(ErrorKind::bad_value, std::string(to_string(kind)) + " work is not calibrated").at_key("calibration");
  return static_cast<uint64_t>(std::llround(std::max(0.0, us) * 1000.0 / per));
}

void WorkUnits::run_cpu(uint64_t units) {
  Mat m = state_->m;
  const Mat n = state_->n;
  for (uint64_t k = 0; k < units; ++k) m = m * n;  // a dependency chain: nothing to hoist or skip
  state_->m = m;
  sink.store(m(0, 0), std::memory_order_relaxed);
}

void WorkUnits::run_memory(uint64_t units) {
  if (!state_->buffer) {
    uint64_t bytes = calibration_.memory_buffer_bytes ? calibration_.memory_buffer_bytes : default_buffer_bytes();
    state_->buffer = MemoryBuffer::get(bytes);
    // Threads start at different places so they do not stream in lock step.
    static std::atomic<size_t> next_start{0};
    state_->cursor = (next_start.fetch_add(1) * 7919 * (kMemoryUnitBytes / 8)) % state_->buffer->words.size();
    state_->cursor -= state_->cursor % (kMemoryUnitBytes / 8);
  }
  auto& w = state_->buffer->words;
  const size_t per_unit = kMemoryUnitBytes / 8, size = w.size() - w.size() % per_unit;
  uint64_t acc = 0;
  for (uint64_t k = 0; k < units; ++k) {
    if (state_->cursor + per_unit > size) state_->cursor = 0;
    uint64_t* p = w.data() + state_->cursor;
    // One word per cache line: every line of the page comes from memory, with little arithmetic in
    // the way. Read-only: dirtied lines would be written back later, outside the burst that dirtied
    // them, so a burst's cost would depend on what ran before it (measured: +20% back to back).
    for (size_t i = 0; i < per_unit; i += 8) acc += p[i];
    state_->cursor += per_unit;
  }
  sink.store(static_cast<double>(acc), std::memory_order_relaxed);
}

uint64_t last_level_cache_bytes() {
  uint64_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::string text;
    if (!(f >> text) || text.empty()) continue;
    uint64_t mult = 1;
    char unit = text.back();
    if (unit == 'K') mult = 1024;
    else if (unit == 'M') mult = 1024 * 1024;
    else if (unit == 'G') mult = 1024ull * 1024 * 1024;
    try {
      best = std::max<uint64_t>(best, static_cast<uint64_t>(std::stoull(text)) * mult);
    } catch (const std::exception&) {
    }
  }
  return best ? best : 32u << 20;
}

Calibration calibrate(const std::vector<WorkKind>& kinds) {
  Calibration c;
  auto has = [&](WorkKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };
  // CPU work: the fastest of several trials is the uncontended cost (a trial that lost the core to
  // another process only ever runs slower). Memory work: the median trial. Its cost moves from trial
  // to trial with what the shared last-level cache still holds, and the fastest trial is a lucky one:
  // calibrated on it, memory bursts ran 50-110% long on an idle machine; on the median, -20..+7%.
  // Trials are short (~1 ms) and many, so that some fall between two preemptions on a busy machine.
  auto measure = [](auto&& run, uint64_t units, double quantile) {
    run(units * 20);  // warm up (caches, frequency)
    std::vector<double> per_unit;
    for (int trial = 0; trial < 60; ++trial) {
      auto t = Clock::now();
      run(units);
      per_unit.push_back(since_us(t) * 1000.0 / static_cast<double>(units));
    }
    std::sort(per_unit.begin(), per_unit.end());
    return per_unit[static_cast<size_t>(quantile * static_cast<double>(per_unit.size() - 1))];
  };
  if (has(WorkKind::cpu)) {
    WorkUnits w(c);
    c.cpu_ns_per_unit = measure([&](uint64_t n) { w.run_cpu(n); }, 5000, 0.0);
  }
  if (has(WorkKind::memory)) {
    c.memory_buffer_bytes = default_buffer_bytes();
    WorkUnits w(c);
    c.memory_ns_per_unit = measure([&](uint64_t n) { w.run_memory(n); }, 2000, 0.5);
  }
  return c;
}

double BlockingWork::run(WorkKind kind, double us) {
  auto start = Clock::now();
  if (!(us > 0)) return 0;
  switch (kind) {
    case WorkKind::sleep: {
      auto deadline = start + std::chrono::nanoseconds(std::llround(us * 1000));
      auto wake = deadline - std::chrono::nanoseconds(std::llround(margin_.margin_us() * 1000));
      if (wake > start) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch()).count();
        timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
        }
        margin_.observe(std::chrono::duration<double, std::micro>(Clock::now() - wake).count());
      }
      spin_until(deadline);
      break;
    }
    case WorkKind::cpu: units_.run_cpu(units_.units_for(kind, us)); break;
    case WorkKind::memory: units_.run_memory(units_.units_for(kind, us)); break;
  }
  return since_us(start);
}

}  // namespace palette::emu
