#include "runtime/timing.hpp"

#include <cmath>

namespace palette::emu {

WallClock::WallClock()
    : steady0_(Clock::now()),
      wall0_us_(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) {}

int64_t WallClock::wall_us(Clock::time_point t) const { return wall0_us_ + std::llround(us_between(steady0_, t)); }

}  // namespace palette::emu
