#include <algorithm>

#include "palette/error.hpp"
#include "palette/ingest/reader.hpp"

namespace palette::ingest {

void ReaderRegistry::add(ReaderFactory factory) {
  if (find(factory.name))
    throw Error(ErrorKind::internal, "trace format registered twice: " + factory.name);
  factories_.push_back(std::move(factory));
}

const ReaderFactory* ReaderRegistry::find(std::string_view name) const {
  for (const auto& f : factories_)
    if (f.name == name) return &f;
  return nullptr;
}

std::string ReaderRegistry::names() const {
  std::string out;
  for (const auto& f : factories_) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

const ReaderFactory& ReaderRegistry::detect(std::string_view head, const std::string& file) const {
  const ReaderFactory* best = nullptr;
  int best_score = 0;
  for (const auto& f : factories_) {
    int score = f.sniff(head);
    if (score > best_score) {
      best = &f;
      best_score = score;
    }
  }
  if (best) return *best;
  std::string what = head.empty() ? "the file is empty" : "its first bytes match no known trace format";
  throw Error(ErrorKind::unknown_format, what)
      .at_file(file)
      .with_hint("known formats: " + names() + "; give --format to choose one");
}

const ReaderRegistry& ReaderRegistry::builtin() {
  static const ReaderRegistry registry = [] {
    ReaderRegistry r;
    r.add(jaeger_reader_factory());
    r.add(otlp_reader_factory());
    r.add(zipkin_reader_factory());
    r.add(nezha_csv_reader_factory());
    r.add(alibaba_csv_reader_factory());
    return r;
  }();
  return registry;
}

}  // namespace palette::ingest
