#include "palette/emu/span_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "palette/emu/wire.hpp"
#include "palette/error.hpp"
#include "palette/ingest/normalize.hpp"
#include "palette/ingest/trace_writer.hpp"

namespace palette::emu {
namespace {

constexpr char kMagic[8] = {'P', 'L', 'S', 'P', 'A', 'N', '0', '1'};
constexpr size_t kBatch = 4096;  // records per hand-over to the writer thread

uint64_t nonzero_id(uint64_t key, uint64_t tag) { return Id128::derived(Id128{0, key}, tag).lo | 1; }

}  // namespace

uint64_t server_span_id(uint64_t invocation_key) { return nonzero_id(invocation_key, 0x5E); }
uint64_t client_span_id(uint64_t callee_invocation_key) { return nonzero_id(callee_invocation_key, 0xC1); }

SpanLog::SpanLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(path);
  // Out at once: a process killed later still leaves a file the merge can read.
  if (std::fwrite(kMagic, 1, sizeof kMagic, file_) != sizeof kMagic || std::fflush(file_) != 0) failed_ = true;
  filling_.reserve(kBatch);
  thread_ = std::thread([this] { writer(); });
}

SpanLog::~SpanLog() {
  try {
    close();
  } catch (const Error&) {
    // close() reports write failures to callers that ask; a destructor cannot
  }
}

void SpanLog::add(const SpanRecord& record) {
  std::lock_guard lock(m_);
  filling_.push_back(record);
  ++records_;
  if (filling_.size() >= kBatch) cv_.notify_one();
}

void SpanLog::writer() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [&] { return closing_ || filling_.size() >= kBatch; });
    draining_.swap(filling_);
    bool last = closing_;
    lock.unlock();
    if (!draining_.empty() &&
        std::fwrite(draining_.data(), sizeof(SpanRecord), draining_.size(), file_) != draining_.size())
      failed_ = true;
    draining_.clear();
    lock.lock();
    if (last && filling_.empty()) return;
  }
}

void SpanLog::close() {
  {
    std::lock_guard lock(m_);
    if (!file_) return;
    closing_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) throw Error(ErrorKind::io, "writing spans failed (disk full?)").at_file(path_);
}

std::vector<SpanRecord> read_span_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, "cannot read").at_file(path);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() != sizeof magic || std::memcmp(magic, kMagic, sizeof magic) != 0)
    throw Error(ErrorKind::malformed, "not a palette span file").at_file(path);
  std::vector<SpanRecord> out;
  SpanRecord r;
  while (in.read(reinterpret_cast<char*>(&r), sizeof r)) out.push_back(r);
  // A process killed mid-write leaves a partial last record: ignore it, keep the rest.
  return out;
}

MergeReport merge_span_files(const std::vector<std::string>& files, const model::Topology& topology,
                             const std::string& out_path, const std::string& format) {
  MergeReport report;
  report.server_latencies_us.resize(topology.apis.size());
  Catalog catalog;
  std::vector<NameId> service_name, operation_name;
  for (const auto& s : topology.services) service_name.push_back(catalog.names.intern(s.name));
  for (const auto& a : topology.apis) operation_name.push_back(catalog.names.intern(a.operation));
  auto service_of = [&](uint32_t api) { return service_name[topology.apis[api].service]; };

  std::unordered_map<Id128, RawTrace, Id128Hash> traces;
  for (const auto& path : files) {
    ++report.files;
    for (const SpanRecord& r : read_span_file(path)) {
      if (r.api >= topology.apis.size() || (r.side == SpanSide::client && r.caller >= topology.apis.size())) continue;
      ++report.records;
      Span s;
      s.trace_id = Id128{r.trace_hi, r.trace_lo};
      s.span_id = Id128{0, r.span_id};
      if (r.parent_id) s.parent_id = Id128{0, r.parent_id};
      s.start_us = r.start_us;
      s.duration_us = r.duration_us;
      s.error = r.status != static_cast<uint8_t>(Status::ok);
      s.operation = operation_name[r.api];
      if (r.side == SpanSide::server) {
        s.kind = SpanKind::server;
        s.service = service_of(r.api);
        report.server_latencies_us[r.api].push_back(static_cast<double>(r.duration_us));
      } else {
        s.kind = SpanKind::client;
        s.service = service_of(r.caller);
        s.remote_service = service_of(r.api);
        s.request_bytes = r.request_bytes;
        s.response_bytes = r.response_bytes;
      }
      RawTrace& t = traces[s.trace_id];
      t.trace_id = s.trace_id;
      t.last_seen_us = std::max(t.last_seen_us, s.start_us);
      t.spans.push_back(s);
    }
  }
  // Traces in the order their requests started, as a tracer would have stored them.
  auto first_start = [](const RawTrace* t) {
    int64_t m = INT64_MAX;
    for (const auto& s : t->spans) m = std::min(m, s.start_us);
    return m;
  };
  std::vector<std::pair<int64_t, RawTrace*>> keyed;
  for (auto& [id, t] : traces) keyed.emplace_back(first_start(&t), &t);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->trace_id < b.second->trace_id;
  });

  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::io, "cannot write").at_file(out_path);
  auto writer = ingest::TraceWriter::create(format, out, catalog);
  ingest::Diagnostics diag;
  ingest::Normalizer norm(catalog, diag, {});
  for (auto& [start, t] : keyed) {
    CallTree tree;
    if (norm.run(std::move(*t), tree)) {
      writer->add(tree);
      ++report.traces;
    } else {
      ++report.traces_dropped;
    }
  }
  writer->finish();
  out.flush();
  if (!out) throw Error(ErrorKind::io, "write failed (disk full?)").at_file(out_path);
  return report;
}

}  // namespace palette::emu
