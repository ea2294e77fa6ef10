// Writing call trees as Jaeger JSON and reading them back gives the same trees; synthetic generation
// is deterministic per seed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "palette/ingest/ingest.hpp"
#include "palette/ingest/synthetic.hpp"
#include "palette/ingest/trace_writer.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;

namespace {

// A comparable rendering of a tree: API labels, kinds, parents and timings of every node.
std::string render(const CallTree& t, const Catalog& c) {
  std::ostringstream o;
  for (const auto& n : t.nodes)
    o << c.api_label(n.api) << '|' << to_string(n.kind) << '|' << n.parent << '|' << n.start_us << '|' << n.duration_us
      << '|' << n.caller_start_us << '|' << n.caller_duration_us << '|' << n.error << '\n';
  return o.str();
}

std::string write_all(const std::string& format, const TraceSet& set) {
  std::ostringstream out;
  auto w = TraceWriter::create(format, out, set.catalog);
  for (const auto& t : set.traces) w->add(t);
  w->finish();
  return out.str();
}

}  // namespace

TEST(TraceWriter, HotelRoundTripsThroughJaegerJson) {
  auto original = load_traces({test::shared_trace("dsb-hotel-jaeger/hotel_load25.jaeger.json")}, {});
  test::TempDir dir;
  std::string path = dir.write("again.json", write_all("jaeger", original));
  auto again = load_traces({path}, {});
  ASSERT_EQ(again.traces.size(), original.traces.size());
  // Skew was repaired on the first read, so the second read has nothing left to repair.
  EXPECT_EQ(again.diag.count("clock_skew_adjusted"), 0u);
  for (size_t i = 0; i < original.traces.size(); ++i) {
    ASSERT_EQ(render(again.traces[i], again.catalog), render(original.traces[i], original.catalog)) << "trace " << i;
    EXPECT_EQ(again.traces[i].trace_id, original.traces[i].trace_id);
  }
}

TEST(TraceWriter, SyntheticTracesAreDeterministicAndReadBack) {
  SyntheticSpec spec;
  spec.traces = 200;
  spec.services = 12;
  spec.seed = 3;
  auto generate = [&](const std::string& format) {
    Catalog c;
    std::ostringstream out;
    auto w = TraceWriter::create(format, out, c);
    generate_synthetic(spec, c, [&](CallTree&& t) { w->add(t); });
    w->finish();
    return out.str();
  };
  std::string a = generate("jaeger"), b = generate("jaeger");
  EXPECT_EQ(a, b);
  test::TempDir dir;
  auto set = load_traces({dir.write("s.json", a)}, {});
  EXPECT_EQ(set.traces.size(), 200u);
  EXPECT_TRUE(set.diag.nonzero().empty()) << "a clean synthetic file needs no repair";
  for (const auto& t : set.traces) EXPECT_GE(t.nodes.size(), 1u);
  spec.seed = 4;
  EXPECT_NE(generate("jaeger"), a);
}

TEST(TraceWriter, UnknownFormatIsAnError) {
  Catalog c;
  std::ostringstream out;
  EXPECT_THROW(TraceWriter::create("csv", out, c), Error);
}
