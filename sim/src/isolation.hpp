#pragma once
// Running a piece of work in a child process: SimGrid keeps one engine per process (and global
// state no second engine can reset), so each simulation runs in a fork of the caller, which streams
// messages back through a pipe. An Error thrown in the child is thrown again in the parent, with
// its kind, file, line, key and hint; a child that dies is reported as Error(internal).
#include <functional>
#include <string>

namespace palette::sim {

using SendFn = std::function<void(char type, const std::string& payload)>;

// `work` runs in the child and may call send() any number of times; `receive` runs in the parent for
// each message, in order. Types 'E' and '!' are reserved. Returns when the child has exited.
void run_isolated(const std::function<void(const SendFn& send)>& work,
                  const std::function<void(char type, const std::string& payload)>& receive);

// Little binary (de)serialisation for those messages.
class ByteWriter {
 public:
  template <class T>
  ByteWriter& pod(const T& v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  ByteWriter& str(const std::string& s);
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& in) : in_(in) {}
  template <class T>
  T pod() {
    T v{};
    take(&v, sizeof v);
    return v;
  }
  std::string str();

 private:
  void take(void* dst, size_t n);
  const std::string& in_;
  size_t pos_ = 0;
};

}  // namespace palette::sim
