#include "palette/ingest/input.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "palette/error.hpp"

namespace palette::ingest {
namespace fs = std::filesystem;

bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = a[i] >= '0' && a[i] <= '9', db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
      while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<InputFile> expand_inputs(const std::vector<std::string>& paths) {
  std::vector<InputFile> out;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file()) found.push_back(it->path().string());
      }
      if (ec) throw Error(ErrorKind::io, "cannot list directory: " + ec.message()).at_file(path);
      if (found.empty()) throw Error(ErrorKind::missing, "directory holds no files").at_file(path);
      std::sort(found.begin(), found.end(), natural_less);
      for (auto& f : found) out.push_back(InputFile{std::move(f), true});
    } else if (fs::exists(path, ec)) {
      out.push_back(InputFile{path, false});
    } else if (path.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      int rc = ::glob(path.c_str(), 0, nullptr, &g);
      std::vector<std::string> found;
      if (rc == 0)
        for (size_t k = 0; k < g.gl_pathc; ++k)
          if (fs::is_regular_file(g.gl_pathv[k], ec)) found.emplace_back(g.gl_pathv[k]);
      globfree(&g);
      if (found.empty()) throw Error(ErrorKind::missing, "no file matches this pattern").at_file(path);
      std::sort(found.begin(), found.end(), natural_less);
      for (auto& f : found) out.push_back(InputFile{std::move(f), false});
    } else {
      throw Error(ErrorKind::missing, "no such file or directory").at_file(path);
    }
  }
  return out;
}

size_t ByteSource::read(char* buffer, size_t n) {
  size_t got = 0;
  if (peeked_pos_ < peeked_.size()) {
    got = std::min(n, peeked_.size() - peeked_pos_);
    std::memcpy(buffer, peeked_.data() + peeked_pos_, got);
    peeked_pos_ += got;
    if (peeked_pos_ == peeked_.size()) {
      peeked_.clear();
      peeked_pos_ = 0;
    }
  }
  if (got < n) got += read_raw(buffer + got, n - got);
  content_read_ += got;
  return got;
}

std::string_view ByteSource::peek(size_t n) {
  // Keep reading until n bytes are buffered or the content ends.
  while (peeked_.size() - peeked_pos_ < n) {
    size_t have = peeked_.size();
    size_t want = n - (have - peeked_pos_);
    peeked_.resize(have + want);
    size_t got = read_raw(peeked_.data() + have, want);
    peeked_.resize(have + got);
    if (got == 0) break;
  }
  return std::string_view(peeked_).substr(peeked_pos_, n);
}

namespace {

class PlainFile final : public ByteSource {
 public:
  PlainFile(std::string path, int fd, uint64_t size) : ByteSource(std::move(path), size), fd_(fd) {}
  ~PlainFile() override { ::close(fd_); }
  uint64_t position_on_disk() const override { return pos_; }

 protected:
  size_t read_raw(char* buffer, size_t n) override {
    size_t total = 0;
    while (total < n) {
      ssize_t got = ::read(fd_, buffer + total, n - total);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw Error(ErrorKind::io, std::string("read failed: ") + std::strerror(errno)).at_file(name());
      }
      if (got == 0) break;
      total += static_cast<size_t>(got);
    }
    pos_ += total;
    return total;
  }

 private:
  int fd_;
  uint64_t pos_ = 0;
};

class GzipFile final : public ByteSource {
 public:
  GzipFile(std::string path, int fd, uint64_t size) : ByteSource(std::move(path), size), fd_(fd) {
    if (inflateInit2(&z_, 15 + 32) != Z_OK)  // 15+32: gzip or zlib header, auto-detected
      throw Error(ErrorKind::internal, "zlib initialisation failed").at_file(name());
    in_.resize(1 << 16);
  }
  ~GzipFile() override {
    inflateEnd(&z_);
    ::close(fd_);
  }
  uint64_t position_on_disk() const override { return pos_; }

 protected:
  size_t read_raw(char* buffer, size_t n) override {
    z_.next_out = reinterpret_cast<Bytef*>(buffer);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (z_.avail_out > 0 && !done_) {
      if (z_.avail_in == 0) {
        ssize_t got;
        do got = ::read(fd_, in_.data(), in_.size());
        while (got < 0 && errno == EINTR);
        if (got < 0) throw Error(ErrorKind::io, std::string("read failed: ") + std::strerror(errno)).at_file(name());
        if (got == 0) {
          if (!stream_finished_)
            throw Error(ErrorKind::malformed, "gzip data ends early (truncated file?)")
                .at_file(name()).at_offset(static_cast<int64_t>(pos_));
          done_ = true;
          break;
        }
        pos_ += static_cast<uint64_t>(got);
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      if (stream_finished_) {  // concatenated gzip members (as `cat a.gz b.gz` makes)
        inflateReset(&z_);
        stream_finished_ = false;
      }
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        stream_finished_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw Error(ErrorKind::malformed, std::string("corrupt gzip data: ") + (z_.msg ? z_.msg : "inflate failed"))
            .at_file(name()).at_offset(static_cast<int64_t>(pos_));
      }
    }
    return n - z_.avail_out;
  }

 private:
  int fd_;
  z_stream z_{};
  std::string in_;
  uint64_t pos_ = 0;
  bool done_ = false, stream_finished_ = false;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string_view bytes, std::string name) : ByteSource(std::move(name), bytes.size()), bytes_(bytes) {}
  uint64_t position_on_disk() const override { return pos_; }

 protected:
  size_t read_raw(char* buffer, size_t n) override {
    size_t got = std::min(n, bytes_.size() - pos_);
    std::memcpy(buffer, bytes_.data() + pos_, got);
    pos_ += got;
    return got;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::io, std::string("cannot open: ") + std::strerror(errno)).at_file(path);
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::io, "not a regular file").at_file(path);
  }
  unsigned char magic[2] = {0, 0};
  ssize_t got = ::pread(fd, magic, 2, 0);
  auto size = static_cast<uint64_t>(st.st_size);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) return std::make_unique<GzipFile>(path, fd, size);
  return std::make_unique<PlainFile>(path, fd, size);
}

std::unique_ptr<ByteSource> ByteSource::from_memory(std::string_view bytes, std::string name) {
  return std::make_unique<MemorySource>(bytes, std::move(name));
}

}  // namespace palette::ingest
