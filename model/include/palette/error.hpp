#pragma once
// palette::Error: the one exception type the library throws. It says where (file, line or byte offset,
// key) and what is wrong, and optionally how to fix it; the CLI prints `what()` and exits non-zero.
//
//   throw Error(ErrorKind::bad_value, "rate must be > 0").at_file("exp.yaml").at_line(12).at_key("workload.rate");
//   // what(): "exp.yaml:12: workload.rate: rate must be > 0"
#include <cstdint>
#include <stdexcept>
#include <string>

namespace palette {

enum class ErrorKind {
  io,             // cannot open / read / write a file
  unknown_format, // input matches no known trace format
  malformed,      // syntax error inside a file (JSON, CSV, YAML)
  bad_type,       // a value of the wrong type
  bad_value,      // a value out of range or inconsistent
  missing,        // a required key, column or file is absent
  unknown_key,    // a key the schema does not know
  unsupported,    // a valid input that palette cannot handle (yet)
  internal,       // a broken invariant: a bug in palette
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message);

  Error& at_file(std::string file);
  Error& at_line(int64_t line);      // 1-based; 0 = unknown
  Error& at_offset(int64_t offset);  // byte offset; -1 = unknown
  Error& at_key(std::string key);
  Error& with_hint(std::string hint);

  ErrorKind kind() const { return kind_; }
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }
  int64_t offset() const { return offset_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // "file:line: key: message (hint: ...)"; parts that are unknown are left out.
  const char* what() const noexcept override { return formatted_.c_str(); }

 private:
  void reformat();
  ErrorKind kind_;
  std::string message_, file_, key_, hint_, formatted_;
  int64_t line_ = 0, offset_ = -1;
};

}  // namespace palette
