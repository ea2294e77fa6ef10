#pragma once
// CsvRows: the CSV layer of the span-CSV readers (Nezha, Alibaba). It streams a ByteSource in large
// blocks, finds record ends with memchr, splits fields (RFC 4180: quoted fields, "" escapes, commas and
// line breaks inside quotes), drops a UTF-8 BOM and the CR of CRLF, skips empty lines, and maps column
// names to positions so that readers look columns up by name, never by position.
//
// A record whose field count differs from the header's is reported to ctx.diag as malformed (file and
// line; thrown in strict mode) and skipped; readers report records they cannot use the same way.
//
//   CsvRows csv(source, ctx, "nezha_csv_row");
//   auto cols = csv.require({"TraceID", "SpanID"});      // throws Error(missing) naming what is absent
//   CsvRecord rec;  while (csv.next(rec)) use(rec.fields[cols[0]]);
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "palette/ingest/reader.hpp"

namespace palette::ingest::internal {

// The fields of one record, valid until the next call to CsvRows::next(). The storage only grows, so
// splitting a row costs no allocation.
class CsvRecord {
 public:
  size_t size() const { return count_; }
  std::string_view operator[](size_t i) const { return data_[i]; }
  void clear() { count_ = 0; }
  void push(const char* begin, const char* end) {
    if (count_ == capacity_) grow();
    data_[count_++] = std::string_view(begin, static_cast<size_t>(end - begin));
  }

  int64_t line = 0;  // 1-based line of the record's first byte

 private:
  friend class CsvRows;  // splits into data_ through locals: stores through a member pointer reload it
  void grow() {
    storage_.resize(storage_.size() * 2 + 16);
    data_ = storage_.data();
    capacity_ = storage_.size();
  }
  std::vector<std::string_view> storage_;
  std::string_view* data_ = nullptr;
  size_t count_ = 0, capacity_ = 0;
};

class CsvRows {
 public:
  // record_kind names the malformed counter ("malformed.<record_kind>") and the messages. Reads the
  // header (the first non-empty record); a file with no header is an Error(missing) naming the file.
  CsvRows(ByteSource& source, ReadContext& ctx, std::string record_kind);

  // The header as written (BOM, quotes and surrounding spaces removed).
  const std::vector<std::string>& header() const { return header_; }
  // Column of a name, compared case-insensitively; -1 when absent.
  int column(std::string_view name) const;
  // The first column that has one of these names (spellings of one column); -1 when none.
  int column_any(std::initializer_list<std::string_view> names) const;
  // Columns of these names, in this order. Throws Error(missing) naming the file, every missing column
  // and the header that was found.
  std::vector<int> require(std::initializer_list<std::string_view> names) const;
  // Throws the same Error(missing) for columns a reader found missing by its own rules.
  [[noreturn]] void missing(const std::vector<std::string>& names) const;

  // The next record with as many fields as the header; false at the end of the source.
  bool next(CsvRecord& record);
  // Reports a record the reader cannot use (skipped and counted, or thrown in strict mode).
  void malformed(const CsvRecord& record, const std::string& message);

  // Columns the user asked to keep as span attributes (ReaderOptions::keep_attributes), as
  // (interned column name, column); a reader copies them onto each span with keep_attributes().
  const std::vector<std::pair<NameId, int>>& kept_columns() const { return kept_; }
  void keep_attributes(const CsvRecord& record, Span& span) {
    if (!kept_.empty()) add_kept(record, span);
  }

  const std::string& file() const { return source_.name(); }

 private:
  bool fill();                                   // reads more bytes behind the unconsumed ones
  bool next_raw(CsvRecord& record);              // a record of any field count
  bool split_quoted(CsvRecord& record, size_t& end);  // from pos_; false: needs more bytes
  void report(int64_t line, const std::string& message);
  void add_kept(const CsvRecord& record, Span& span);

  ByteSource& source_;
  ReadContext& ctx_;
  std::string record_kind_;
  std::vector<char> buf_;
  size_t block_ = 0;          // bytes asked of the source per read
  size_t pos_ = 0, end_ = 0;  // unconsumed bytes are buf_[pos_, end_)
  bool eof_ = false;
  int64_t line_ = 1;          // line of buf_[pos_]
  uint64_t consumed_ = 0, next_progress_ = 0;
  std::string unquoted_;      // fields of a quoted record with "" escapes, rebuilt here
  std::vector<std::string> header_;
  std::vector<std::pair<NameId, int>> kept_;
};

// The header of a CSV head (the first non-empty line, BOM and quotes removed, lower-cased), for
// format sniffing. Empty when the head has no complete first line that looks like CSV text.
std::vector<std::string> csv_sniff_header(std::string_view head);
// How many of these (lower-case) names a sniffed header holds.
size_t csv_count_columns(const std::vector<std::string>& header, std::initializer_list<std::string_view> names);

// Integers and decimals as CSV writers print them ("12", "-3", "2.0", "1.5e3"); false for anything
// else, including empty text, NaN and values out of range.
bool parse_int(std::string_view text, int64_t& out);
// A decimal number multiplied by 1000 and rounded to the nearest integer (ms -> µs). Inline for the
// plain decimals rows hold ("13", "-2.0"); anything else (spaces, exponents, long numbers) goes the
// general way.
bool parse_milli_general(std::string_view text, int64_t& out);
inline bool parse_milli(std::string_view text, int64_t& out) {
  const char* p = text.data();
  const char* e = p + text.size();
  const bool neg = p < e && *p == '-';
  p += neg;
  const char* digits = p;
  uint64_t v = 0;  // unsigned: a long run of digits wraps instead of overflowing, then is refused
  while (p < e && static_cast<unsigned>(*p - '0') < 10) v = v * 10 + static_cast<unsigned>(*p++ - '0');
  const auto whole = p - digits;
  if (whole == 0 || whole > 15) return parse_milli_general(text, out);
  v *= 1000;
  if (p < e && *p == '.') {
    ++p;
    for (unsigned scale = 100; scale >= 1 && p < e && static_cast<unsigned>(*p - '0') < 10; scale /= 10)
      v += static_cast<unsigned>(*p++ - '0') * scale;
    if (p < e && static_cast<unsigned>(*p - '0') < 10) {
      v += *p >= '5' ? 1 : 0;  // the fourth decimal rounds; later ones cannot change it
      while (p < e && static_cast<unsigned>(*p - '0') < 10) ++p;
    }
  }
  if (p != e) return parse_milli_general(text, out);
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

}  // namespace palette::ingest::internal
