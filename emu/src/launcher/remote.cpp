#include "launcher/remote.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

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

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> remote_argv(const EmuHost& host, const std::vector<std::string>& argv) {
  std::vector<std::string> out = words(host.launch);
  if (out.empty()) throw Error(ErrorKind::bad_value, "empty launch command").at_key("hosts." + host.name + ".launch");
  out[0] = resolve_program(out[0], host);
  std::string line = "exec";
  for (const auto& a : argv) line += " " + shell_quote(a);
  out.push_back(line);
  return out;
}

void run_on_host(const EmuHost& host, const std::string& command_line, const std::string& stdin_path,
                 const std::string& stdout_path, double timeout_s) {
  std::vector<std::string> args = words(host.launch);
  if (args.empty()) throw Error(ErrorKind::bad_value, "empty launch command").at_key("hosts." + host.name + ".launch");
  args[0] = resolve_program(args[0], host);
  args.push_back(command_line);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto fail = [&](const std::string& what) {
    return Error(ErrorKind::io, "on host " + host.name + ", `" + command_line + "` " + what)
        .with_hint("check its launch command: " + host.launch);
  };
  const int in = stdin_path.empty() ? ::open("/dev/null", O_RDONLY | O_CLOEXEC) : ::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw Error(ErrorKind::io, std::string("cannot read: ") + std::strerror(errno)).at_file(stdin_path);
  const int out = stdout_path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                      : ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(stdout_path);
  }
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in);
    ::close(out);
    throw Error(ErrorKind::io, std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  ::close(err[1]);
  if (pid < 0) {
    ::close(err[0]);
    throw fail(std::string("could not be started: ") + std::strerror(errno));
  }
  // Collect stderr (for the message) while waiting, up to the timeout.
  std::string errors;
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  for (;;) {
    char buf[512];
    ssize_t got;
    while ((got = ::read(err[0], buf, sizeof buf)) > 0)
      if (errors.size() < 4000) errors.append(buf, static_cast<size_t>(got));
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(err[0]);
      throw fail("did not finish within " + std::to_string(static_cast<int>(timeout_s)) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  char buf[512];
  ssize_t got;
  while ((got = ::read(err[0], buf, sizeof buf)) > 0)
    if (errors.size() < 4000) errors.append(buf, static_cast<size_t>(got));
  ::close(err[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
    throw fail((WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status)) : std::string("was killed")) +
               (errors.empty() ? "" : ": " + errors));
  }
}

}  // namespace palette::emu
