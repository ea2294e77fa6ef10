#include "launcher/remote.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "palette/emu/process.hpp"
#include "palette/error.hpp"

namespace palette::emu {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// execv wants a path: a bare name is looked up on PATH, as a shell would.
std::string resolve_program(const std::string& name, const EmuHost& host) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw Error(ErrorKind::missing, "cannot find \"" + name + "\" on PATH").at_key("hosts." + host.name + ".launch");
}

// The host's launch command as argv, its program resolved: what gets one shell command line appended.
std::vector<std::string> launch_command(const EmuHost& host) {
  std::vector<std::string> out = words(host.launch);
  if (out.empty()) throw Error(ErrorKind::bad_value, "empty launch command").at_key("hosts." + host.name + ".launch");
  out[0] = resolve_program(out[0], host);
  return out;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> remote_argv(const EmuHost& host, const std::vector<std::string>& argv) {
  std::vector<std::string> out = launch_command(host);
  std::string line = "exec";
  for (const auto& a : argv) line += " " + shell_quote(a);
  out.push_back(line);
  return out;
}

void run_on_host(const EmuHost& host, const std::string& command_line, const std::string& log_path,
                 const std::string& stdin_path, const std::string& stdout_path, double timeout_s) {
  std::vector<std::string> args = launch_command(host);
  args.push_back(command_line);
  auto fail = [&](const std::string& what) {
    return Error(ErrorKind::io, "on host " + host.name + ", `" + command_line + "` " + what)
        .with_hint("check its launch command: " + host.launch);
  };
  const int in = ::open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw Error(ErrorKind::io, std::string("cannot read: ") + std::strerror(errno)).at_file(stdin_path);
  const int out = stdout_path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                      : ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(stdout_path);
  }
  // A child like the services: its own process group, gone with us, stderr into the log.
  ProcessGroup pg;
  size_t k = 0;
  try {
    k = pg.spawn(ChildSpec{host.name, std::move(args), log_path, {{0, in}, {1, out}}});
  } catch (...) {
    ::close(in);
    ::close(out);
    throw;
  }
  ::close(in);
  ::close(out);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  ChildExit e;
  while (!(e = pg.poll_exit(k)).exited) {
    if (std::chrono::steady_clock::now() > deadline) {
      pg.terminate(std::chrono::milliseconds(0));
      throw fail("did not finish within " + std::to_string(static_cast<int>(timeout_s)) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (e.code != 0) {
    const std::string tail = pg.log_tail(k, 5);
    throw fail(e.describe() + (tail.empty() ? "" : ": " + tail));
  }
}

}  // namespace palette::emu
