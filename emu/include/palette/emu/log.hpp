#pragma once
// LogFn: where the emulation library reports what goes wrong at run time (a malformed frame, a peer
// that went away). The library never prints; palette-service and the CLI pass a function that does.
#include <functional>
#include <string>

namespace palette::emu {

using LogFn = std::function<void(const std::string& message)>;

}  // namespace palette::emu
