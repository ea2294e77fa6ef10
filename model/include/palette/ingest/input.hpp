#pragma once
// Inputs: turning what the user typed (files, directories, globs) into an ordered list of files, and a
// ByteSource that streams a file's bytes, transparently gunzipping `.gz` (detected by magic, not name).
//
//   for (auto& path : expand_inputs({"traces/", "more/*.json.gz"})) {
//     auto src = ByteSource::open(path);  char buf[1 << 16];  while (size_t n = src->read(buf, sizeof buf)) ...
//   }
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace palette::ingest {

// Files in the order given; a directory contributes its regular files recursively in natural order
// ("f2" before "f10", so per-minute dumps stay in time order); a glob its matches. Hidden files (".x")
// inside directories are skipped. Throws Error(missing) when a path or glob matches nothing.
struct InputFile {
  std::string path;
  bool from_directory = false;  // found by listing a directory (or a glob), not named by the user
};
std::vector<InputFile> expand_inputs(const std::vector<std::string>& paths);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Opens a file; gzip is detected from its first two bytes. Throws Error(io) naming the file.
  static std::unique_ptr<ByteSource> open(const std::string& path);
  // A source over bytes in memory (tests, fuzzers). The bytes must outlive the source.
  static std::unique_ptr<ByteSource> from_memory(std::string_view bytes, std::string name = "<memory>");

  // Reads up to n bytes of (decompressed) content; 0 at the end. Throws Error(io) on read errors.
  size_t read(char* buffer, size_t n);
  // The first bytes of content without consuming them (up to n; fewer if the file is shorter).
  std::string_view peek(size_t n);

  const std::string& name() const { return name_; }
  uint64_t size_on_disk() const { return size_on_disk_; }        // for progress; 0 if unknown
  virtual uint64_t position_on_disk() const = 0;                 // compressed bytes consumed so far
  uint64_t content_bytes_read() const { return content_read_; }  // decompressed bytes returned

 protected:
  ByteSource(std::string name, uint64_t size) : name_(std::move(name)), size_on_disk_(size) {}
  virtual size_t read_raw(char* buffer, size_t n) = 0;

 private:
  std::string name_;
  uint64_t size_on_disk_;
  uint64_t content_read_ = 0;
  std::string peeked_;  // bytes returned by peek() and not yet by read()
  size_t peeked_pos_ = 0;
};

// Natural order comparison: digit runs compare as numbers.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace palette::ingest
