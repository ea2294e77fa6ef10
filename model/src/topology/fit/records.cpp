#include "records.hpp"

#include <algorithm>
#include <map>

namespace palette::model::fit {

uint32_t StepAlphabet::id(const Step& s) {
  auto it = std::lower_bound(index_.begin(), index_.end(), s, [](const auto& e, const Step& v) { return e.first < v; });
  if (it != index_.end() && it->first == s) return it->second;
  auto id = static_cast<uint32_t>(steps.size());
  steps.push_back(s);
  index_.insert(it, {s, id});
  return id;
}

namespace {

struct Child {
  uint32_t node;
  double start, end;  // caller side
};

}  // namespace

Records build_records(const ingest::TraceSet& traces, int64_t tolerance_us) {
  Records r;
  const Catalog& cat = traces.catalog;
  // Catalog API ids -> dense topology indices, services likewise (only what the trees use).
  std::vector<ApiIndex> api_of(cat.api_count(), kNoApiIndex);
  std::map<NameId, uint32_t> service_of;
  std::vector<uint8_t> seen_as_server;
  auto api_index = [&](ApiId a) {
    if (api_of[a] == kNoApiIndex) {
      NameId svc = cat.api(a).service;
      auto [it, inserted] = service_of.emplace(svc, static_cast<uint32_t>(r.service_names.size()));
      if (inserted) r.service_names.push_back(cat.names.text(svc));
      api_of[a] = static_cast<ApiIndex>(r.api_service.size());
      r.api_service.push_back(it->second);
      r.api_operation.push_back(cat.operation_name(a));
      r.alphabets.emplace_back();
      seen_as_server.push_back(0);
    }
    return api_of[a];
  };

  std::vector<Child> kids;
  std::vector<uint32_t> todo;
  std::vector<uint32_t> inv_of_node;
  bool first = true;
  double sampling_sum = 0;
  uint64_t sampling_n = 0;
  for (const CallTree& tree : traces.traces) {
    if (tree.nodes.empty()) continue;
    if (tree.sampling_probability > 0) {
      sampling_sum += tree.sampling_probability;
      ++sampling_n;
    }
    RequestRecord req;
    req.first_invocation = static_cast<uint32_t>(r.invocations.size());
    req.start_us = static_cast<double>(tree.root().start_us);
    if (tree.root().has_timing()) {
      if (first || req.start_us < r.first_start_us) r.first_start_us = req.start_us;
      if (first || req.start_us > r.last_start_us) r.last_start_us = req.start_us;
      first = false;
    }
    const auto request = static_cast<uint32_t>(r.requests.size());
    inv_of_node.assign(tree.nodes.size(), UINT32_MAX);
    // Invocations in breadth-first order of the non-local nodes (the root first).
    std::vector<uint32_t> order{0};
    for (size_t head = 0; head < order.size(); ++head) {
      const uint32_t n = order[head];
      const CallNode& node = tree.nodes[n];
      InvocationRecord inv;
      inv.api = api_index(node.api);
      if (node.kind != NodeKind::client_only) seen_as_server[inv.api] = 1;
      inv.request = request;
      inv.duration_us = node.has_timing() ? static_cast<double>(node.duration_us) : 0;
      inv.timed = node.has_timing();
      inv_of_node[n] = static_cast<uint32_t>(r.invocations.size());
      // Effective children: local nodes are this invocation's own time; their calls are its calls.
      kids.clear();
      todo.assign(1, n);
      while (!todo.empty()) {
        uint32_t x = todo.back();
        todo.pop_back();
        for (uint32_t c = tree.nodes[x].first_child; c < tree.nodes[x].end_child(); ++c) {
          const CallNode& cn = tree.nodes[c];
          if (cn.kind == NodeKind::local) {
            ++r.local_folded;
            todo.push_back(c);
            continue;
          }
          bool caller_timed = cn.caller_start_us != kNoTime && cn.caller_duration_us != kNoTime;
          double s = static_cast<double>(caller_timed ? cn.caller_start_us : cn.start_us);
          double d = static_cast<double>(caller_timed ? cn.caller_duration_us : cn.duration_us);
          if (!cn.has_timing()) inv.timed = false;
          kids.push_back(Child{c, s, s + d});
        }
      }
      std::stable_sort(kids.begin(), kids.end(), [](const Child& a, const Child& b) { return a.start < b.start; });
      // Steps: a call joins the current step if it starts before the step's calls have all ended.
      inv.first_call = static_cast<uint32_t>(r.calls.size());
      inv.first_step = static_cast<uint32_t>(r.step_ids.size());
      inv.first_gap = static_cast<uint32_t>(r.gaps.size());
      const double t0 = static_cast<double>(node.start_us), t1 = t0 + inv.duration_us;
      double cursor = t0;  // end of the previous step
      size_t k = 0;
      while (k < kids.size()) {
        size_t e = k + 1;
        double step_end = kids[k].end;
        while (e < kids.size() && kids[e].start < step_end - static_cast<double>(tolerance_us)) {
          step_end = std::max(step_end, kids[e].end);
          ++e;
        }
        Step step;
        for (size_t j = k; j < e; ++j) {
          const CallNode& cn = tree.nodes[kids[j].node];
          CallRecord call;
          call.callee = api_index(cn.api);
          call.latency_us = kids[j].end - kids[j].start;
          call.server_us = cn.has_timing() ? static_cast<double>(cn.duration_us) : call.latency_us;
          call.overhead_us = std::max(0.0, call.latency_us - call.server_us);
          call.request_bytes = cn.request_bytes;
          call.response_bytes = cn.response_bytes;
          call.async = inv.timed && kids[j].end > t1 + static_cast<double>(tolerance_us);
          if (call.async) ++r.async_calls;
          step.calls.push_back(call.callee);
          r.calls.push_back(call);
          order.push_back(kids[j].node);
        }
        std::sort(step.calls.begin(), step.calls.end());
        // The gap before this step; steps of async calls may overrun the invocation's end.
        r.gaps.push_back(std::max(0.0, std::min(kids[k].start, t1) - std::min(cursor, t1)));
        cursor = std::max(cursor, std::min(step_end, t1));
        r.step_ids.push_back(r.alphabets[inv.api].id(step));
        r.step_call_counts.push_back(static_cast<uint32_t>(e - k));
        k = e;
      }
      r.gaps.push_back(std::max(0.0, t1 - cursor));
      inv.call_count = static_cast<uint32_t>(r.calls.size()) - inv.first_call;
      inv.step_count = static_cast<uint32_t>(r.step_ids.size()) - inv.first_step;
      double local = 0;
      for (uint32_t g = inv.first_gap; g < r.gaps.size(); ++g) local += r.gaps[g];
      inv.local_us = local;
      r.invocations.push_back(inv);
    }
    // Link calls to the invocations they caused, and invocations to their callers: the breadth-first
    // walk above appended each invocation's callees in call order, so they follow in that order.
    uint32_t next = req.first_invocation + 1;
    for (uint32_t i = req.first_invocation; i < r.invocations.size(); ++i) {
      InvocationRecord& inv = r.invocations[i];
      for (uint32_t c = 0; c < inv.call_count; ++c) {
        r.calls[inv.first_call + c].callee_invocation = next;
        r.invocations[next].caller = inv.api;
        ++next;
      }
    }
    req.invocation_count = static_cast<uint32_t>(r.invocations.size()) - req.first_invocation;
    r.requests.push_back(req);
  }
  r.sampling_probability = sampling_n ? sampling_sum / static_cast<double>(sampling_n) : 0;
  r.api_external.resize(seen_as_server.size());
  for (size_t a = 0; a < seen_as_server.size(); ++a) r.api_external[a] = seen_as_server[a] ? 0 : 1;
  return r;
}

}  // namespace palette::model::fit
