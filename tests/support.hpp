#pragma once
// Helpers shared by the test modules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "palette/error.hpp"
#include "palette/ingest/input.hpp"

namespace palette::test {

// A file of the shared real-trace corpus (../shared/data/traces beside the checkout). Fails the test,
// rather than skipping it, when the corpus is missing: CI always has it.
inline std::string shared_trace(const std::string& relative) {
  std::string path = std::string(PALETTE_SHARED_TRACES) + "/" + relative;
  if (!std::filesystem::exists(path)) ADD_FAILURE() << "shared trace corpus file missing: " << path;
  return path;
}

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "palette-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message of the palette::Error that f throws, or "(no error)": assert the exact text a user sees.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const palette::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A ByteSource that hands out at most `step` bytes per read, as a pipe or a gzip stream may: puts read
// boundaries everywhere in the parsers that stream it.
class TrickleSource final : public ingest::ByteSource {
 public:
  TrickleSource(std::string text, size_t step, std::string name = "trickle.json")
      : ByteSource(std::move(name), text.size()), text_(std::move(text)), step_(step) {}
  uint64_t position_on_disk() const override { return pos_; }

 protected:
  size_t read_raw(char* buffer, size_t n) override {
    size_t got = std::min({n, step_, text_.size() - pos_});
    std::memcpy(buffer, text_.data() + pos_, got);
    pos_ += got;
    return got;
  }

 private:
  std::string text_;
  size_t step_;
  size_t pos_ = 0;
};

// Runs a shell command, returns its exit status and captures stdout (and stderr if asked).
struct CommandResult {
  int status = -1;
  std::string out;
};
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace palette::test
