// Ids, names, the quantile sketch, inputs (globs, natural order, gzip) and the trace assembler.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <random>

#include "palette/error.hpp"
#include "palette/ids.hpp"
#include "palette/ingest/assembler.hpp"
#include "palette/ingest/input.hpp"
#include "palette/names.hpp"
#include "palette/stats/quantile_sketch.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;

TEST(Ids, HexIsCaseAndZeroPaddingInsensitiveAnd128Bit) {
  EXPECT_EQ(Id128::from_text("00AB"), Id128::from_text("ab"));
  auto full = Id128::from_text("5B8EFFF798038103D269B633813FC60C");
  EXPECT_EQ(full.hex(), "5b8efff798038103d269b633813fc60c");
  // High half zero: a 128-bit id is not confused with its low 64 bits' text... it is the same number.
  EXPECT_EQ(Id128::from_text("0000000000000000d269b633813fc60c"), Id128::from_text("d269b633813fc60c"));
  EXPECT_NE(Id128::from_text("1000000000000000d269b633813fc60c"), Id128::from_text("d269b633813fc60c"));
  EXPECT_TRUE(Id128::from_text("").empty());
  EXPECT_TRUE(Id128::from_text("0000").empty());
  // Non-hex text is hashed, deterministically and distinctly.
  EXPECT_EQ(Id128::from_text("0.1.2"), Id128::hash_of("0.1.2"));
  EXPECT_NE(Id128::hash_of("0.1.2"), Id128::hash_of("0.1.3"));
  EXPECT_NE(Id128::derived(full, 1), Id128::derived(full, 2));
}

TEST(Names, InternIsStableAndDense) {
  NameTable t;
  EXPECT_EQ(t.intern("a"), 0u);
  EXPECT_EQ(t.intern("b"), 1u);
  EXPECT_EQ(t.intern("a"), 0u);
  EXPECT_EQ(t.find("b"), 1u);
  EXPECT_EQ(t.find("c"), kNoName);
  for (int i = 0; i < 10000; ++i) t.intern("name" + std::to_string(i));
  EXPECT_EQ(t.text(1), "b");  // references survive growth
  NameTable moved = std::move(t);
  EXPECT_EQ(moved.find("name9999"), 10001u);
}

TEST(QuantileSketch, RelativeErrorBoundHolds) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  std::vector<double> xs(200000);
  stats::QuantileSketch q(0.005);
  for (auto& x : xs) {
    x = dist(rng);
    q.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double p : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    double exact = xs[static_cast<size_t>(p * static_cast<double>(xs.size() - 1))];
    EXPECT_NEAR(q.quantile(p) / exact, 1.0, 0.0051) << "p=" << p;
  }
  stats::QuantileSketch a(0.005), b(0.005);
  for (size_t i = 0; i < xs.size(); ++i) (i % 2 ? a : b).add(xs[i]);
  a.merge(b);
  EXPECT_EQ(a.count(), xs.size());
  EXPECT_DOUBLE_EQ(a.quantile(0.5), q.quantile(0.5));
}

TEST(Inputs, DirectoriesInNaturalOrderGlobsAndMissingPaths) {
  test::TempDir dir;
  for (auto name : {"m10.json", "m2.json", "m1.json", ".hidden"}) dir.write(name, "{}");
  auto files = expand_inputs({dir.path()});
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, dir.file("m1.json"));
  EXPECT_EQ(files[1].path, dir.file("m2.json"));
  EXPECT_EQ(files[2].path, dir.file("m10.json"));
  EXPECT_TRUE(files[0].from_directory);
  EXPECT_EQ(expand_inputs({dir.path() + "/m1*.json"}).size(), 2u);
  try {
    expand_inputs({dir.file("nope.json")});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::missing);
    EXPECT_EQ(e.file(), dir.file("nope.json"));
  }
  EXPECT_THROW(expand_inputs({dir.path() + "/*.csv"}), Error);
}

TEST(Inputs, GzipIsDetectedByMagicAndStreamed) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "line " + std::to_string(i) + "\n";
  std::string path = dir.file("plain-name.txt");  // no .gz suffix on purpose
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  auto src = ByteSource::open(path);
  EXPECT_EQ(src->peek(5), "line ");
  std::string back;
  char buf[4096];
  while (size_t n = src->read(buf, sizeof buf)) back.append(buf, n);
  EXPECT_EQ(back, text);
  EXPECT_EQ(src->position_on_disk(), src->size_on_disk());

  // A truncated gzip file is an error naming the file.
  std::string whole = test::read_file(path);
  std::string cut = dir.write("cut.gz", whole.substr(0, whole.size() / 2));
  auto bad = ByteSource::open(cut);
  EXPECT_THROW(
      {
        while (bad->read(buf, sizeof buf)) {
        }
      },
      Error);
}

TEST(Assembler, GroupsInterleavedSpansAndBoundsOpenTraces) {
  Diagnostics diag;
  std::vector<RawTrace> out;
  TraceAssembler a(1000, diag, [&](RawTrace&& t) { out.push_back(std::move(t)); });
  // 50 000 traces of 4 spans each, interleaved two at a time, 10 µs apart.
  const int n = 50000;
  for (int t = 0; t < n; t += 2)
    for (int s = 0; s < 4; ++s)
      for (int k = 0; k < 2; ++k) {
        Span sp;
        sp.trace_id = Id128{0, static_cast<uint64_t>(t + k + 1)};
        sp.span_id = Id128{0, static_cast<uint64_t>(s + 1)};
        sp.start_us = int64_t{t} * 10 + s;
        a.add(std::move(sp));
      }
  a.flush_all();
  ASSERT_EQ(out.size(), static_cast<size_t>(n));
  for (const auto& t : out) EXPECT_EQ(t.spans.size(), 4u);
  // First-seen order, whatever the hash map did.
  EXPECT_EQ(out[0].trace_id, (Id128{0, 1}));
  EXPECT_EQ(out[1].trace_id, (Id128{0, 2}));
  EXPECT_EQ(out[n - 1].trace_id, (Id128{0, static_cast<uint64_t>(n)}));
  EXPECT_LT(a.peak_open_traces(), 2000u);  // bounded by the window, not by the input
  EXPECT_EQ(diag.count("late_spans"), 0u);
}

// The open traces sit in an open-addressing table with deletions: ids that differ only in the high
// bits of `hi` (a weak hash would send them all to one probe run), random
// lengths and interleaving, traces closing and others opening all the time. Every span must come out
// in its own trace, each trace exactly once, none late.
TEST(Assembler, RandomLifetimesWithCollidingIdsLoseNothing) {
  Diagnostics diag;
  std::map<uint64_t, std::vector<uint64_t>> seen;  // trace -> span ids as they came out
  uint64_t closed = 0;
  TraceAssembler a(5000, diag, [&](RawTrace&& t) {  // no live trace is ever idle that long
    ++closed;
    auto& v = seen[t.trace_id.hi];
    EXPECT_TRUE(v.empty()) << "trace " << t.trace_id.hi << " came out twice";
    for (const auto& s : t.spans) v.push_back(s.span_id.lo);
  });
  std::mt19937_64 rng(3);
  struct Live {
    uint64_t id;
    int left;
    uint64_t next_span;
  };
  std::vector<Live> live;
  std::map<uint64_t, uint64_t> expected;  // trace -> span count
  uint64_t next_id = 1;
  int64_t clock = 0;
  for (int step = 0; step < 400000; ++step) {
    if (live.size() < 300 && rng() % 3 == 0) {
      live.push_back(Live{next_id * 1024, 1 + static_cast<int>(rng() % 40), 0});
      ++next_id;
    }
    if (live.empty()) continue;
    Live& l = live[rng() % live.size()];
    Span sp;
    sp.trace_id = Id128{l.id, 7};
    sp.span_id = Id128{0, l.next_span++};
    sp.start_us = ++clock / 10;
    a.add(std::move(sp));
    ++expected[l.id];
    if (--l.left == 0) {
      l = live.back();
      live.pop_back();
    }
  }
  a.flush_all();
  EXPECT_EQ(diag.count("late_spans"), 0u);
  EXPECT_EQ(closed, expected.size());
  ASSERT_EQ(seen.size(), expected.size());
  for (const auto& [id, count] : expected) {
    const auto& v = seen[id];
    ASSERT_EQ(v.size(), count) << "trace " << id;
    for (uint64_t k = 0; k < count; ++k) EXPECT_EQ(v[k], k);
  }
  EXPECT_EQ(a.open_traces(), 0u);
  EXPECT_LT(a.peak_open_traces() * 4, expected.size());  // most closed mid-stream, not at the flush
}

TEST(Assembler, SpansOfAClosedTraceAreLateAndCounted) {
  Diagnostics diag;
  int closed = 0;
  TraceAssembler a(100, diag, [&](RawTrace&&) { ++closed; });
  auto span = [](uint64_t trace, int64_t start) {
    Span s;
    s.trace_id = Id128{0, trace};
    s.span_id = Id128{0, static_cast<uint64_t>(start) + 1};
    s.start_us = start;
    return s;
  };
  a.add(span(1, 0));
  for (int i = 0; i < 5000; ++i) a.add(span(2, 1000 + i));  // moves the watermark far past trace 1
  a.add(span(1, 5));                                         // too late
  a.flush_all();
  EXPECT_EQ(closed, 2);
  EXPECT_EQ(diag.count("late_spans"), 1u);
  EXPECT_EQ(diag.count("spans_without_trace_id"), 0u);
}
