// The streaming JSON splitter: units come out whole whatever the read sizes, wrappers are unwrapped,
// bare values pass through, and broken structure is an error with a line number.
#include <gtest/gtest.h>

#include <cstring>

#include "ingest/internal/json_units.hpp"
#include "palette/error.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::ingest;
using namespace palette::ingest::internal;

namespace {

using test::TrickleSource;

std::vector<std::string> units_of(const std::string& text, std::vector<std::vector<std::string>> paths, size_t step,
                                  std::vector<std::string>* keys = nullptr) {
  TrickleSource src(text, step);
  JsonUnits units(src, std::move(paths));
  JsonUnit u;
  std::vector<std::string> out;
  while (units.next(u)) {
    out.emplace_back(u.text());
    if (keys) keys->push_back(u.wrapper_key);
  }
  return out;
}

}  // namespace

TEST(JsonUnits, UnwrapsTheDataArrayAtEveryChunkSize) {
  const std::string text =
      "{\"total\":2, \"data\" : [ {\"a\":\"x}]\\\"\"}, {\"b\":[1,{\"c\":2}]} ], \"errors\":null}";
  for (size_t step : {1u, 2u, 3u, 7u, 64u, 100000u}) {
    std::vector<std::string> keys;
    auto u = units_of(text, {{"data"}}, step, &keys);
    ASSERT_EQ(u.size(), 2u) << "step " << step;
    EXPECT_EQ(u[0], "{\"a\":\"x}]\\\"\"}");
    EXPECT_EQ(u[1], "{\"b\":[1,{\"c\":2}]}");
    EXPECT_EQ(keys[0], "data");
  }
}

TEST(JsonUnits, EscapesAndBracketsInStringsAcrossBlockBoundaries) {
  // Long enough for the 64-byte block scanner, with escapes and brackets inside strings placed at many
  // offsets relative to the block edges.
  std::vector<std::string> elements;
  for (int k = 0; k < 70; ++k) {
    std::string pad(static_cast<size_t>(k), 'p');
    elements.push_back("{\"" + pad + "\":\"a\\\\\",\"b\":\"}]\\\"{[\\\\\\\"\",\"n\":[[{}],{\"x\":\"]\"}]}");
  }
  std::string text = "{\"data\":[";
  for (size_t k = 0; k < elements.size(); ++k) text += (k ? "," : "") + elements[k];
  text += "]}";
  for (size_t step : {1u, 5u, 63u, 64u, 65u, 1000u, 100000u}) {
    auto u = units_of(text, {{"data"}}, step);
    ASSERT_EQ(u, elements) << "step " << step;
  }
}

TEST(JsonUnits, NestedWrapperPath) {
  auto u = units_of(R"({"result":{"other":[1,2],"resourceSpans":[{"x":1},{"y":2}]}})", {{"result", "resourceSpans"}}, 5);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1], R"({"y":2})");
}

TEST(JsonUnits, BareObjectsTopLevelArraysAndJsonLines) {
  EXPECT_EQ(units_of(R"({"traceID":"1","spans":[]})", {{"data"}}, 3),
            std::vector<std::string>{R"({"traceID":"1","spans":[]})"});
  EXPECT_EQ(units_of("[{\"a\":1},\n{\"b\":2}]", {{"data"}}, 3), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(units_of("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n", {}, 4),
            (std::vector<std::string>{"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"}));
  // A UTF-8 byte-order mark is skipped.
  EXPECT_EQ(units_of("\xEF\xBB\xBF{\"a\":1}", {}, 2), std::vector<std::string>{"{\"a\":1}"});
  // A wrapper key whose value is not an array leaves the object whole.
  EXPECT_EQ(units_of(R"({"data":{"k":1}})", {{"data"}}, 100), std::vector<std::string>{R"({"data":{"k":1}})"});
}

TEST(JsonUnits, UnitsCarryLinesAndOffsets) {
  TrickleSource src("{\"data\":[\n{\"a\":1},\n\n{\"b\":2}\n]}", 3);
  JsonUnits units(src, {{"data"}});
  JsonUnit u;
  ASSERT_TRUE(units.next(u));
  EXPECT_EQ(units.line_of(u.offset), 2);
  EXPECT_EQ(u.offset, 10u);
  ASSERT_TRUE(units.next(u));
  EXPECT_EQ(units.line_of(u.offset), 4);
  EXPECT_GE(u.capacity, u.size + 64);  // simdjson padding is readable
  EXPECT_FALSE(units.next(u));
}

TEST(JsonUnits, TruncationAndBadStructureAreErrorsWithLines) {
  auto expect_error = [](const std::string& text, int64_t line, const std::string& words) {
    TrickleSource src(text, 2);
    JsonUnits units(src, {{"data"}});
    JsonUnit u;
    try {
      while (units.next(u)) {
      }
      ADD_FAILURE() << "no error for: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::malformed);
      EXPECT_EQ(e.file(), "trickle.json");
      EXPECT_EQ(e.line(), line) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_error("{\"data\":[\n{\"a\":1},\n{\"b\":[2", 3, "not closed");
  expect_error("{\"data\":[\n{\"a\":\"unterminated", 2, "inside a string");
  expect_error("{\"data\":[{\"a\":1} {\"b\":2}]}", 1, "expected ','");
  expect_error("{\"data\" 5}", 1, "expected ':'");
  expect_error("{\"data\":[1,2]", 1, "not closed");
}

TEST(JsonUnits, LargeUnitsGrowTheBuffer) {
  std::string big = "{\"s\":\"" + std::string(3 << 20, 'x') + "\"}";
  auto u = units_of("[" + big + "," + big + "]", {}, 1 << 20);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].size(), big.size());
}
