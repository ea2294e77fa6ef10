#include "palette/ingest/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "palette/error.hpp"

namespace palette::ingest {
namespace {

struct SynthApi {
  ApiId api;
  uint32_t layer;
  bool concurrent;
  std::vector<uint32_t> callees;  // indices into the API list
};

}  // namespace

void generate_synthetic(const SyntheticSpec& spec, Catalog& catalog, const std::function<void(CallTree&&)>& sink) {
  if (spec.services == 0 || spec.apis_per_service == 0 || spec.depth == 0)
    throw Error(ErrorKind::bad_value, "services, apis_per_service and depth must be > 0");
  if (spec.rate_per_s <= 0) throw Error(ErrorKind::bad_value, "rate_per_s must be > 0");
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> u01(0, 1);

  // Services are spread round-robin over the layers; layer 0 holds the gateway(s), so wide systems
  // have many entry points and every layer is reachable.
  const uint32_t layers = std::min(spec.depth, spec.services);
  std::vector<SynthApi> apis;
  std::vector<std::vector<uint32_t>> by_layer(layers);
  for (uint32_t s = 0; s < spec.services; ++s) {
    uint32_t layer = s % layers;
    // Entry services speak HTTP, the others RPC.
    std::string service = s == 0 ? "gateway" : (layer == 0 ? "frontend" : "svc") + std::to_string(s);
    for (uint32_t a = 0; a < spec.apis_per_service; ++a) {
      std::string op = (layer == 0 ? "GET /page" : "/" + service + ".Api/Op") + std::to_string(a);
      ApiId id = catalog.intern_api(catalog.names.intern(service), catalog.names.intern(op));
      by_layer[layer].push_back(static_cast<uint32_t>(apis.size()));
      apis.push_back(SynthApi{id, layer, u01(rng) < spec.concurrent_share, {}});
    }
  }
  for (auto& a : apis) {
    if (a.layer + 1 >= layers) continue;
    uint32_t n = 1 + static_cast<uint32_t>(rng() % spec.max_callees);
    for (uint32_t k = 0; k < n; ++k) {
      // Mostly the next layer, sometimes deeper.
      uint32_t target = a.layer + 1 + ((u01(rng) < 0.2 && a.layer + 2 < layers) ? 1 : 0);
      const auto& pool = by_layer[target];
      uint32_t c = pool[rng() % pool.size()];
      if (std::find(a.callees.begin(), a.callees.end(), c) == a.callees.end()) a.callees.push_back(c);
    }
  }

  std::lognormal_distribution<double> work(std::log(spec.local_work_median_us), spec.local_work_sigma);
  std::exponential_distribution<double> gaps(spec.rate_per_s / 1e6);
  std::exponential_distribution<double> net(1.0 / spec.network_us);
  double clock = static_cast<double>(spec.start_us);
  const auto& entries = by_layer[0];

  struct Frame {
    uint32_t api_index;
    int32_t node;
  };
  for (uint64_t t = 0; t < spec.traces; ++t) {
    clock += gaps(rng);
    CallTree tree;
    tree.trace_id = Id128{rng() | 1, rng()};
    // Build the tree top-down breadth-first, then time it bottom-up.
    std::vector<uint32_t> api_of;
    std::vector<int32_t> parent_of;
    std::vector<std::vector<uint32_t>> kids;
    api_of.push_back(entries[rng() % entries.size()]);
    parent_of.push_back(-1);
    kids.emplace_back();
    for (size_t i = 0; i < api_of.size() && api_of.size() < 100000; ++i)
      for (uint32_t c : apis[api_of[i]].callees)
        if (u01(rng) < spec.call_probability) {
          kids[i].push_back(static_cast<uint32_t>(api_of.size()));
          api_of.push_back(c);
          parent_of.push_back(static_cast<int32_t>(i));
          kids.emplace_back();
        }
    const size_t n = api_of.size();
    std::vector<double> pre(n), post(n), dur(n), net_out(n), net_back(n), start(n);
    for (size_t i = n; i-- > 0;) {
      pre[i] = work(rng) * 0.6;
      post[i] = work(rng) * 0.4;
      double calls = 0;
      for (uint32_t c : kids[i]) {
        net_out[c] = net(rng);
        net_back[c] = net(rng);
        double span = net_out[c] + dur[c] + net_back[c];
        calls = apis[api_of[i]].concurrent ? std::max(calls, span) : calls + span;
      }
      dur[i] = pre[i] + calls + post[i];
    }
    start[0] = clock;
    tree.nodes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      double cursor = start[i] + pre[i];
      for (uint32_t c : kids[i]) {
        start[c] = cursor + net_out[c];
        if (!apis[api_of[i]].concurrent) cursor += net_out[c] + dur[c] + net_back[c];
      }
      CallNode& node = tree.nodes[i];
      node.api = apis[api_of[i]].api;
      node.parent = parent_of[i];
      node.kind = i == 0 ? NodeKind::root : NodeKind::rpc;
      node.start_us = std::llround(start[i]);
      node.duration_us = std::max<int64_t>(1, std::llround(dur[i]));
      if (i > 0) {  // from the rounded callee times, so the callee always lies inside its caller
        node.caller_start_us = node.start_us - std::llround(net_out[i]);
        node.caller_duration_us = node.duration_us + std::llround(net_out[i]) + std::llround(net_back[i]);
      }
      node.first_child = kids[i].empty() ? 0 : kids[i].front();
      node.child_count = static_cast<uint32_t>(kids[i].size());
      node.depth = i == 0 ? 1 : tree.nodes[static_cast<size_t>(parent_of[i])].depth + 1;
    }
    tree.span_count = static_cast<uint32_t>(2 * n - 1);
    tree.max_span_depth = 2 * tree.max_depth() - 1;
    sink(std::move(tree));
  }
}

}  // namespace palette::ingest
