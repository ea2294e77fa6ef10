#pragma once
// Normalization: the spans of one trace -> one CallTree of API invocations. Readers only decode; every
// repair lives here, as small passes run in this order (the order matters: each pass relies on the
// ones before it):
//
//   1. drop exact duplicate spans (rows repeated across per-minute files, re-sent spans)
//   2. name placeholders for spans without a service or operation
//   3. spans that share an id: pieces of one span (same service, same side or no kind, no two start
//      times, at most one timed) -> one span; a client and a server half (Zipkin `shared`, Alibaba's
//      caller/callee rows) -> two spans, the server a child of the client, paired two by two in time
//      order (extras counted; a lone client's `shared` servers are all its callees), and the id's
//      children re-parented to the server half whose service they run in (or, for a server record
//      whose caller recorded nothing, the side its caller runs in); a record of unknown side
//      (Alibaba rt 0) becomes the server half an id lacks
//   4. link parents; pick the root; orphans and extra roots attached under the root or dropped (policy);
//      spans in parent cycles dropped
//   5. infer span kinds the format did not record (parent in another service -> server, ...)
//   6. merge each client span with the server span it caused into one call (a callee name the record
//      lost is taken from the caller's record); in-process spans of the parent's service become `local`
//      nodes; a client span nobody answered is a `client_only` call named after the peer it called
//   7. fill a callee's missing timing from its caller
//   8. clock skew: a server half outside its client half is shifted (with its subtree) into it
//      (only client/server pairs run on different clocks; other children are flagged, not moved)
//   9. lay the tree out breadth-first with children in start order
// Every change is counted in Diagnostics under the name given in normalize.cpp's pass.
//
//   Normalizer norm(catalog, diag, {});   CallTree tree;  if (norm.run(std::move(raw), tree)) use(tree);
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "palette/call_tree.hpp"
#include "palette/ingest/diagnostics.hpp"
#include "palette/span.hpp"

namespace palette::ingest {

enum class OrphanPolicy { attach, drop };

struct NormalizeOptions {
  // Spans whose parent is not in the trace, and roots beyond the first: attach them under the root
  // (keeps their work in the model) or drop them with their subtree.
  OrphanPolicy orphans = OrphanPolicy::attach;
  // A server half may stick out of its client half by this much before it counts as clock skew.
  int64_t skew_tolerance_us = 0;
  // Names used when a span carries none (OTLP without service.name, Zipkin without localEndpoint).
  std::string missing_service = "unknown_service";
  std::string missing_operation = "unknown_operation";
  // Traces whose root has no timing, or that end up with no span at all, are dropped when true.
  bool drop_untimed_roots = true;
};

class Normalizer {
 public:
  Normalizer(Catalog& catalog, Diagnostics& diag, NormalizeOptions options);
  ~Normalizer();
  // Returns false (and counts why) when nothing usable is left of the trace.
  bool run(RawTrace&& raw, CallTree& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette::ingest
