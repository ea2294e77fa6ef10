#include "palette/error.hpp"

namespace palette {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::io: return "io";
    case ErrorKind::unknown_format: return "unknown_format";
    case ErrorKind::malformed: return "malformed";
    case ErrorKind::bad_type: return "bad_type";
    case ErrorKind::bad_value: return "bad_value";
    case ErrorKind::missing: return "missing";
    case ErrorKind::unknown_key: return "unknown_key";
    case ErrorKind::unsupported: return "unsupported";
    case ErrorKind::internal: return "internal";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message)
    : std::runtime_error(message), kind_(kind), message_(std::move(message)) {
  reformat();
}

Error& Error::at_file(std::string file) { file_ = std::move(file); reformat(); return *this; }
Error& Error::at_line(int64_t line) { line_ = line; reformat(); return *this; }
Error& Error::at_offset(int64_t offset) { offset_ = offset; reformat(); return *this; }
Error& Error::at_key(std::string key) { key_ = std::move(key); reformat(); return *this; }
Error& Error::with_hint(std::string hint) { hint_ = std::move(hint); reformat(); return *this; }

void Error::reformat() {
  std::string out;
  if (!file_.empty()) {
    out += file_;
    if (line_ > 0) out += ":" + std::to_string(line_);
    else if (offset_ >= 0) out += ": byte " + std::to_string(offset_);
    out += ": ";
  } else if (line_ > 0) {
    out += "line " + std::to_string(line_) + ": ";
  }
  if (!key_.empty()) out += key_ + ": ";
  out += message_;
  if (!hint_.empty()) out += " (hint: " + hint_ + ")";
  formatted_ = std::move(out);
}

}  // namespace palette
