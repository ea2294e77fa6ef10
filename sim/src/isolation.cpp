#include "isolation.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "palette/error.hpp"

namespace palette::sim {
namespace {

// Moves exactly n bytes through `io` (read or write), going on after short transfers and signals;
// false on end of file or error.
template <class Io, class Byte>
bool move_all(Io io, int fd, Byte* data, size_t n) {
  while (n > 0) {
    ssize_t done = io(fd, data, n);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return false;
    data += done;
    n -= static_cast<size_t>(done);
  }
  return true;
}

bool write_all(int fd, const char* data, size_t n) { return move_all(::write, fd, data, n); }
bool read_all(int fd, char* data, size_t n) { return move_all(::read, fd, data, n); }

void send_message(int fd, char type, const std::string& payload) {
  uint64_t n = payload.size();
  if (!write_all(fd, &type, 1) || !write_all(fd, reinterpret_cast<const char*>(&n), sizeof n) ||
      !write_all(fd, payload.data(), payload.size()))
    _exit(3);  // the parent is gone
}

std::string encode_error(const Error& e) {
  ByteWriter w;
  w.pod(static_cast<uint32_t>(e.kind())).str(e.message()).str(e.file()).pod(e.line()).str(e.key()).str(e.hint());
  return w.bytes();
}

Error decode_error(const std::string& payload) {
  ByteReader r(payload);
  auto kind = static_cast<ErrorKind>(r.pod<uint32_t>());
  Error e(kind, r.str());
  std::string file = r.str();
  auto line = r.pod<int64_t>();
  std::string key = r.str(), hint = r.str();
  if (!file.empty()) e.at_file(file);
  if (line > 0) e.at_line(line);
  if (!key.empty()) e.at_key(key);
  if (!hint.empty()) e.with_hint(hint);
  return e;
}

}  // namespace

ByteWriter& ByteWriter::str(const std::string& s) {
  pod(static_cast<uint64_t>(s.size()));
  out_ += s;
  return *this;
}

std::string ByteReader::str() {
  auto n = pod<uint64_t>();
  if (n > in_.size() - pos_) throw Error(ErrorKind::internal, "truncated message from the simulation process");
  std::string s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

void ByteReader::take(void* dst, size_t n) {
  if (n > in_.size() - pos_) throw Error(ErrorKind::internal, "truncated message from the simulation process");
  std::memcpy(dst, in_.data() + pos_, n);
  pos_ += n;
}

void run_isolated(const std::function<void(const SendFn&)>& work, const std::function<void(char, const std::string&)>& receive) {
  // The child must not inherit unwritten output: SimGrid flushes stdio, which would print it twice.
  std::fflush(nullptr);
  int fds[2];
  if (pipe(fds) != 0) throw Error(ErrorKind::internal, std::string("cannot create a pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Error(ErrorKind::internal, std::string("cannot start the simulation process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    const int fd = fds[1];
    int code = 0;
    try {
      work([fd](char type, const std::string& payload) { send_message(fd, type, payload); });
    } catch (const Error& e) {
      send_message(fd, 'E', encode_error(e));
      code = 1;
    } catch (const std::exception& e) {
      send_message(fd, 'E', encode_error(Error(ErrorKind::internal, e.what())));
      code = 1;
    } catch (...) {
      send_message(fd, 'E', encode_error(Error(ErrorKind::internal, "unknown exception in the simulation process")));
      code = 1;
    }
    send_message(fd, '!', "");
    close(fd);
    _exit(code);  // no atexit handlers or static destructors of the parent's copy
  }
  close(fds[1]);
  const int fd = fds[0];
  bool finished = false;
  std::exception_ptr failure;
  while (true) {
    char type = 0;
    uint64_t n = 0;
    if (!read_all(fd, &type, 1) || !read_all(fd, reinterpret_cast<char*>(&n), sizeof n)) break;
    std::string payload(n, '\0');
    if (!read_all(fd, payload.data(), n)) break;
    if (type == '!') {
      finished = true;
      break;
    }
    if (failure) continue;  // drain until the child ends
    try {
      if (type == 'E') failure = std::make_exception_ptr(decode_error(payload));
      else receive(type, payload);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (failure) std::rethrow_exception(failure);
  if (!finished || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    throw Error(ErrorKind::internal, "the simulation process " + how + " before it finished");
  }
}

}  // namespace palette::sim
