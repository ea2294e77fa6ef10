#include "csv_rows.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "palette/error.hpp"

namespace palette::ingest::internal {
namespace {

constexpr size_t kBlock = 1 << 20;          // bytes asked of the source per read
constexpr size_t kMaxLine = 16 << 20;       // a longer line is reported and skipped
constexpr size_t kMaxQuoted = 1 << 20;      // a quoted record spanning lines may grow this far
constexpr size_t kMaxHeader = 1 << 20;      // no line break this far into a file: not CSV text
constexpr size_t kSlack = 64;               // bytes kept unused after the data: 16-byte loads may overrun
constexpr uint64_t kProgressBytes = 4 << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Header text for messages: printable, and short enough to read.
std::string printable(const std::vector<std::string>& header) {
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) {
    if (i) out += ',';
    out += header[i];
  }
  if (out.size() > 200) out = out.substr(0, 200) + "...";
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

bool parse_double(std::string_view t, double& d) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  return ec == std::errc() && p == t.data() + t.size() && std::isfinite(d);
}

}  // namespace

CsvRows::CsvRows(ByteSource& source, ReadContext& ctx, std::string record_kind)
    : source_(source), ctx_(ctx), record_kind_(std::move(record_kind)) {
  // Reads of a quarter of the file, at most 1 MiB: a small file needs no big buffer (readers are made
  // per file, fuzzing makes one per input), and records straddling reads, the delicate part, happen in
  // small inputs too, where tests and the fuzzers reach them.
  block_ = source.size_on_disk() == 0 ? kBlock : std::clamp<uint64_t>(source.size_on_disk() / 4 + 1, 16, kBlock);
  buf_.resize(block_ + kSlack);
  while (end_ < 3 && fill()) {
  }
  if (end_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  // The header must show up early: a file without a line break in its first MiB is not CSV text, and
  // saying so beats skipping it as one giant malformed record.
  while (!eof_ && !std::memchr(buf_.data() + pos_, '\n', end_ - pos_) && end_ - pos_ < kMaxHeader) fill();
  if (!eof_ && !std::memchr(buf_.data() + pos_, '\n', end_ - pos_))
    throw Error(ErrorKind::malformed, "no line break in the first MiB: not a CSV file (binary data?)")
        .at_file(file()).at_line(1);
  CsvRecord rec;
  if (!next_raw(rec))
    throw Error(ErrorKind::missing, "the CSV file is empty: no header line").at_file(file()).at_line(1);
  for (size_t i = 0; i < rec.size(); ++i) header_.emplace_back(trim(rec[i]));
  for (const auto& name : ctx.options.keep_attributes) {
    int c = column(name);
    if (c >= 0) kept_.emplace_back(ctx.catalog.names.intern(name), c);
  }
}

int CsvRows::column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (iequals(header_[i], name)) return static_cast<int>(i);
  return -1;
}

int CsvRows::column_any(std::initializer_list<std::string_view> names) const {
  for (auto n : names)
    if (int c = column(n); c >= 0) return c;
  return -1;
}

std::vector<int> CsvRows::require(std::initializer_list<std::string_view> names) const {
  std::vector<int> cols;
  std::vector<std::string> absent;
  for (auto n : names) {
    cols.push_back(column(n));
    if (cols.back() < 0) absent.emplace_back(n);
  }
  if (!absent.empty()) missing(absent);
  return cols;
}

void CsvRows::missing(const std::vector<std::string>& names) const {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw Error(ErrorKind::missing, "missing column" + std::string(names.size() > 1 ? "s " : " ") + list +
                                      "; the header found is: " + printable(header_))
      .at_file(file())
      .at_line(1);
}

void CsvRows::report(int64_t line, const std::string& message) {
  ctx_.diag.malformed(record_kind_, Error(ErrorKind::malformed, message).at_file(file()).at_line(line));
}

void CsvRows::malformed(const CsvRecord& record, const std::string& message) { report(record.line, message); }

void CsvRows::add_kept(const CsvRecord& record, Span& span) {
  for (const auto& [key, col] : kept_) {
    std::string_view v = record[static_cast<size_t>(col)];
    if (!v.empty()) span.attributes.emplace_back(key, ctx_.catalog.names.intern(v));
  }
}

bool CsvRows::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() - end_ < block_ + kSlack) buf_.resize(std::max(buf_.size() * 2, end_ + block_ + kSlack));
  size_t got = source_.read(buf_.data() + end_, buf_.size() - end_ - kSlack);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  if (ctx_.progress && source_.content_bytes_read() >= next_progress_) {
    next_progress_ = source_.content_bytes_read() + kProgressBytes;
    ctx_.progress(source_);
  }
  return true;
}

bool CsvRows::next(CsvRecord& record) {
  while (next_raw(record)) {
    if (record.size() == header_.size()) return true;
    report(record.line, "expected " + std::to_string(header_.size()) + " fields as in the header, found " +
                            std::to_string(record.size()));
  }
  return false;
}

bool CsvRows::next_raw(CsvRecord& record) {
  for (;;) {
    const char* base = buf_.data();
    const char* p = base + pos_;
    const char* e = base + end_;
    const char* line_end = nullptr;
    bool quoted = false;
    // One pass finds the line end and the commas before it, 16 bytes at a time where SSE2 is there
    // (every x86-64); a quote sends the record to the RFC 4180 path. Loads may run up to 15 bytes past
    // the data, into the slack fill() keeps; those bytes are masked off.
    std::string_view* out = record.data_;
    size_t count = 0, capacity = record.capacity_;
    auto push = [&](const char* from, const char* to) {
      if (count == capacity) {
        record.count_ = count;
        record.grow();
        out = record.data_;
        capacity = record.capacity_;
      }
      out[count++] = std::string_view(from, static_cast<size_t>(to - from));
    };
    const char* field = p;
    const char* q = p;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    for (; q < e; q += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      unsigned valid = e - q >= 16 ? 0xFFFFu : (1u << (e - q)) - 1;
      const unsigned n = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl))) & valid;
      if (n) valid = (n & (0u - n)) - 1;  // the bytes before the line break
      if (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))) & valid) {
        quoted = true;
        break;
      }
      for (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))) & valid; m; m &= m - 1) {
        const char* c = q + __builtin_ctz(m);
        push(field, c);
        field = c + 1;
      }
      if (n) {
        line_end = q + __builtin_ctz(n);
        break;
      }
    }
#else
    for (; q < e; ++q) {
      if (*q == '\n') {
        line_end = q;
        break;
      }
      if (*q == '"') {
        quoted = true;
        break;
      }
      if (*q == ',') {
        push(field, q);
        field = q + 1;
      }
    }
#endif
    if (!quoted && !line_end) {
      if (!eof_) {
        if (end_ - pos_ > kMaxLine) {  // skip the rest of this line, whatever its length
          report(line_, "line longer than 16 MiB: skipped");
          for (;;) {
            pos_ = end_;
            if (!fill()) break;
            if (const void* b = std::memchr(buf_.data(), '\n', end_)) {
              pos_ = static_cast<size_t>(static_cast<const char*>(b) - buf_.data()) + 1;
              ++line_;
              break;
            }
          }
          continue;
        }
        fill();
        continue;
      }
      if (p == e) return false;
      line_end = e;  // the last line, without a line break
    }
    if (!quoted) {
      const char* stop = line_end > p && line_end[-1] == '\r' ? line_end - 1 : line_end;
      pos_ = static_cast<size_t>(line_end - base) + (line_end < e ? 1 : 0);
      const int64_t line = line_;
      if (line_end < e) ++line_;
      if (stop == p) continue;  // an empty line (or the end of a file that ends with a line break)
      push(field, stop);
      record.count_ = count;
      record.line = line;
      return true;
    }
    record.line = line_;
    size_t rec_end = 0;
    if (split_quoted(record, rec_end)) {
      for (size_t i = pos_; i < rec_end; ++i) line_ += base[i] == '\n';
      pos_ = rec_end;
      return true;
    }
    // The quoted field is not closed in what is buffered: read on, unless the record has grown past
    // what a trace CSV needs or the file ended. Then it is malformed, and reading resumes on the line
    // after its first, so one stray quote costs one line, not the rest of the file.
    if (!eof_ && end_ - pos_ <= kMaxQuoted) {
      fill();
      continue;
    }
    report(line_, "a quoted field is not closed");
    const void* b = std::memchr(buf_.data() + pos_, '\n', end_ - pos_);
    pos_ = b ? static_cast<size_t>(static_cast<const char*>(b) - buf_.data()) + 1 : end_;
    if (b) ++line_;
  }
}

// RFC 4180 from pos_: fields may be quoted, "" is a quote inside a quoted field, and quoted fields may
// hold commas and line breaks. Text outside quotes is taken literally (a quote inside an unquoted field
// is kept). Returns false when the buffered bytes end inside the record.
bool CsvRows::split_quoted(CsvRecord& record, size_t& rec_end) {
  const char* base = buf_.data();
  record.clear();
  unquoted_.clear();
  unquoted_.reserve(end_ - pos_);  // no reallocation below: the fields point into this string
  size_t i = pos_;
  for (;;) {
    if (i < end_ && base[i] == '"') {
      const size_t from = unquoted_.size();
      ++i;
      for (;;) {
        const void* q = std::memchr(base + i, '"', end_ - i);
        if (!q) return false;
        size_t k = static_cast<size_t>(static_cast<const char*>(q) - base);
        unquoted_.append(base + i, k - i);
        if (k + 1 == end_ && !eof_) return false;  // "" split across reads: cannot tell yet
        if (k + 1 < end_ && base[k + 1] == '"') {
          unquoted_.push_back('"');
          i = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      // Text between the closing quote and the separator (`"a"b,`) is kept, as most readers do.
      size_t j = i;
      while (j < end_ && base[j] != ',' && base[j] != '\n') ++j;
      if (j == end_ && !eof_) return false;
      size_t stop = j;
      if (stop > i && base[stop - 1] == '\r' && (j == end_ || base[j] == '\n')) --stop;
      unquoted_.append(base + i, stop - i);
      record.push(unquoted_.data() + from, unquoted_.data() + unquoted_.size());
      i = j;
    } else {
      size_t j = i;
      while (j < end_ && base[j] != ',' && base[j] != '\n') ++j;
      if (j == end_ && !eof_) return false;
      size_t stop = j;
      if (stop > i && base[stop - 1] == '\r' && (j == end_ || base[j] == '\n')) --stop;
      record.push(base + i, base + stop);
      i = j;
    }
    if (i < end_ && base[i] == ',') {
      ++i;
      continue;
    }
    rec_end = i < end_ ? i + 1 : i;  // past the line break, or the end of the file
    return true;
  }
}

std::vector<std::string> csv_sniff_header(std::string_view head) {
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  while (!head.empty() && (head.front() == '\n' || head.front() == '\r')) head.remove_prefix(1);
  size_t nl = head.find('\n');
  if (nl == std::string_view::npos) return {};
  std::string_view line = head.substr(0, nl);
  std::vector<std::string> out;
  size_t i = 0;
  for (;;) {
    size_t c = line.find(',', i);
    std::string_view f = trim(line.substr(i, c == std::string_view::npos ? line.size() - i : c - i));
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    std::string name(f);
    for (char& ch : name) {
      if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') return {};  // control bytes: not text
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    out.push_back(std::move(name));
    if (c == std::string_view::npos) break;
    i = c + 1;
  }
  return out;
}

size_t csv_count_columns(const std::vector<std::string>& header, std::initializer_list<std::string_view> names) {
  size_t n = 0;
  for (auto name : names)
    n += std::find(header.begin(), header.end(), name) != header.end() ? 1 : 0;
  return n;
}

bool parse_int(std::string_view text, int64_t& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc() && p == text.data() + text.size()) return true;
  if (ec == std::errc() && *p == '.') {  // "12.0", "12." as pandas writes integral floats
    const char* q = p + 1;
    while (q < text.data() + text.size() && *q == '0') ++q;
    if (q == text.data() + text.size()) return true;
  }
  double d;
  if (!parse_double(text, d) || d != std::floor(d) || std::fabs(d) >= 9.2e18) return false;
  out = static_cast<int64_t>(d);
  return true;
}

bool parse_milli_general(std::string_view text, int64_t& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const char* p = text.data();
  const char* e = p + text.size();
  bool neg = p < e && *p == '-';
  if (neg) ++p;
  // Plain decimals ("13", "-2.0", "0.125") exactly, which is every value these files hold.
  int64_t whole = 0;
  int digits = 0;
  while (p < e && *p >= '0' && *p <= '9' && digits < 15) {
    whole = whole * 10 + (*p++ - '0');
    ++digits;
  }
  int64_t frac = 0;
  int frac_digits = 0;
  bool round_up = false, any_frac = false;
  if (p < e && *p == '.') {
    ++p;
    while (p < e && *p >= '0' && *p <= '9') {
      any_frac = true;
      if (frac_digits < 3) {
        frac = frac * 10 + (*p - '0');
        ++frac_digits;
      } else if (frac_digits == 3) {  // the fourth digit rounds; later ones cannot change it
        round_up = *p >= '5';
        ++frac_digits;
      }
      ++p;
    }
  }
  if (p == e && (digits > 0 || any_frac)) {
    for (; frac_digits < 3; ++frac_digits) frac *= 10;
    int64_t v = whole * 1000 + frac + (round_up ? 1 : 0);
    out = neg ? -v : v;
    return true;
  }
  double d;  // exponents and very long numbers
  if (!parse_double(text, d) || std::fabs(d) >= 1e15) return false;  // as the plain path: 15 digits
  out = std::llround(d * 1000.0);
  return true;
}

}  // namespace palette::ingest::internal
