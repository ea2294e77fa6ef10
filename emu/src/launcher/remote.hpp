#pragma once
// Running things on a testbed host through its launch command (EmuHost::launch, e.g. "ssh node1"):
// the command's words, then one shell command line as the last argument — what ssh runs with the
// remote shell, and what "sh -c" runs here (the tests use it to stand in for a remote host).
#include <string>
#include <vector>

#include "palette/emu/launcher.hpp"

namespace palette::emu {

// 'text' quoted for a POSIX shell.
std::string shell_quote(const std::string& text);

// argv that runs `argv` on `host` (its launch words, resolved on PATH, then the quoted command line
// prefixed with exec, so the launch command's child is the program itself).
std::vector<std::string> remote_argv(const EmuHost& host, const std::vector<std::string>& argv);

// Runs `command_line` (a shell command) on `host` and waits, with stdin from `stdin_path` ("" = none),
// stdout into `stdout_path` ("" = discarded) and stderr appended to `log_path`. Throws Error(io)
// naming the host and the command, with the end of its stderr, when it cannot be run, exits with a
// failure or outlasts `timeout_s`.
void run_on_host(const EmuHost& host, const std::string& command_line, const std::string& log_path,
                 const std::string& stdin_path = "", const std::string& stdout_path = "", double timeout_s = 60);

}  // namespace palette::emu
