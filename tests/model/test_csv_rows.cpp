// The CSV layer of the span-CSV readers (ingest/internal/csv_rows.hpp): records are the same however
// the bytes arrive, RFC 4180 quoting, line numbers, and what happens to bad records.
#include <gtest/gtest.h>

#include "ingest/internal/csv_rows.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;
using namespace palette::ingest::internal;

namespace {

struct NoSink : SpanSink {
  void add(Span&&) override {}
};

// What a CsvRows needs around it.
struct Context {
  Catalog catalog;
  Diagnostics diag;
  NoSink sink;
  ReaderOptions options;
  ReadContext ctx{catalog, diag, sink, options, {}};
};

struct Parsed {
  std::vector<std::string> header;
  std::vector<std::pair<int64_t, std::vector<std::string>>> records;  // (line, fields)
  std::vector<std::string> errors;
};

Parsed parse(ByteSource& source) {
  Context c;
  CsvRows csv(source, c.ctx, "test_row");
  Parsed out;
  out.header = csv.header();
  CsvRecord rec;
  while (csv.next(rec)) {
    std::vector<std::string> fields;
    for (size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec[i]);
    out.records.emplace_back(rec.line, std::move(fields));
  }
  for (const auto& e : c.diag.examples()) out.errors.push_back(e.what());
  return out;
}

Parsed parse(const std::string& text, size_t chunk = SIZE_MAX) {
  test::TrickleSource source(text, chunk, "chunked.csv");
  return parse(source);
}

const std::string kText =
    "\xEF\xBB\xBF"
    "a , b,\"c\"\r\n"
    "1,2,3\r\n"
    "\r\n"
    "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
    "4,,\n"
    "\n"
    "5,\"\",\"6\"\"\"\n"
    "7,8,9";  // no line break at the end

}  // namespace

TEST(CsvRows, SameRecordsWhateverTheReadSizes) {
  const Parsed whole = parse(kText);
  EXPECT_EQ(whole.header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(whole.records.size(), 5u);
  EXPECT_EQ(whole.records[0], (std::pair<int64_t, std::vector<std::string>>{2, {"1", "2", "3"}}));
  EXPECT_EQ(whole.records[1], (std::pair<int64_t, std::vector<std::string>>{4, {"x,y", "say \"hi\"", "two\nlines"}}));
  EXPECT_EQ(whole.records[2], (std::pair<int64_t, std::vector<std::string>>{6, {"4", "", ""}}));
  EXPECT_EQ(whole.records[3], (std::pair<int64_t, std::vector<std::string>>{8, {"5", "", "6\""}}));
  EXPECT_EQ(whole.records[4], (std::pair<int64_t, std::vector<std::string>>{9, {"7", "8", "9"}}));
  EXPECT_TRUE(whole.errors.empty());
  for (size_t chunk = 1; chunk <= 17; ++chunk) {
    SCOPED_TRACE(chunk);
    const Parsed p = parse(kText, chunk);
    EXPECT_EQ(p.header, whole.header);
    EXPECT_EQ(p.records, whole.records);
    EXPECT_EQ(p.errors, whole.errors);
  }
}

TEST(CsvRows, LongRowsAcrossManyReads) {
  // Rows longer than the reads (and than the 16-byte scan blocks), with commas at every offset.
  std::string text = "k,v\n";
  for (int i = 0; i < 300; ++i) text += std::to_string(i) + "," + std::string(static_cast<size_t>(i % 53), 'x') + "\n";
  for (size_t chunk : {1u, 3u, 16u, 17u, 64u, 1000u}) {
    const Parsed p = parse(text, chunk);
    ASSERT_EQ(p.records.size(), 300u);
    EXPECT_EQ(p.records[299].second[1], std::string(299 % 53, 'x'));
    EXPECT_EQ(p.records[299].first, 301);
  }
}

TEST(CsvRows, BadRecordsAreReportedAndSkipped) {
  const Parsed p = parse("a,b\n1,2\n1,2,3\n\"open,4\n5,6\n");
  // The unclosed quote swallows the rest of the file: it is reported at its line, and reading resumes
  // on the next line rather than losing everything after it.
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].first, 2);
  EXPECT_EQ(p.records[1], (std::pair<int64_t, std::vector<std::string>>{5, {"5", "6"}}));
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0], "chunked.csv:3: expected 2 fields as in the header, found 3");
  EXPECT_EQ(p.errors[1], "chunked.csv:4: a quoted field is not closed");
  EXPECT_EQ(parse("a,b\n1,2\n1,2,3\n\"open,4\n5,6\n", 2).errors, p.errors);
}

TEST(CsvRows, MissingColumnsAndEmptyFiles) {
  test::TrickleSource src("TraceID,Other\n1,2\n", SIZE_MAX, "chunked.csv");
  Context c;
  CsvRows csv(src, c.ctx, "t");
  EXPECT_EQ(csv.column("traceid"), 0);  // names compare case-insensitively
  EXPECT_EQ(csv.column_any({"x", "OTHER"}), 1);
  EXPECT_EQ(test::error_of([&] { csv.require({"TraceID", "SpanID", "Duration"}); }),
            "chunked.csv:1: missing columns SpanID, Duration; the header found is: TraceID,Other");
  test::TrickleSource empty("\n\r\n\n", SIZE_MAX);
  EXPECT_THROW(CsvRows(empty, c.ctx, "t"), Error);
}

TEST(CsvRows, Numbers) {
  const std::pair<const char*, int64_t> milli[] = {{"13", 13000}, {"-2.0", -2000}, {"0.1234", 123}, {"0.1235", 124},
                                                   {"1e-3", 1},   {" 7 ", 7000},   {".5", 500}};
  for (const auto& [text, want] : milli) {
    int64_t v = 0;
    EXPECT_TRUE(parse_milli(text, v)) << text;
    EXPECT_EQ(v, want) << text;
  }
  const std::pair<const char*, int64_t> ints[] = {{"1661257091093660806", 1661257091093660806}, {"12.0", 12}, {"1.5e3", 1500}};
  for (const auto& [text, want] : ints) {
    int64_t v = 0;
    EXPECT_TRUE(parse_int(text, v)) << text;
    EXPECT_EQ(v, want) << text;
  }
  int64_t v = 0;
  for (const char* bad : {"", "-", ".", "None", "nan", "inf", "1.2.3", "99999999999999999999", "MS_12", "1,5"})
    EXPECT_FALSE(parse_milli(bad, v)) << bad;
  for (const char* bad : {"", "x", "1.5", "1e30", "12a"}) EXPECT_FALSE(parse_int(bad, v)) << bad;
}

TEST(CsvRows, SniffedHeader) {
  EXPECT_EQ(csv_sniff_header("\xEF\xBB\xBF\"TraceID\", SpanID\r\n1,2\n"), (std::vector<std::string>{"traceid", "spanid"}));
  EXPECT_TRUE(csv_sniff_header("no line break yet").empty());
  EXPECT_TRUE(csv_sniff_header(std::string("a\0b,c\n", 6)).empty());
}
