#include "palette/experiment/advise.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "palette/report/latency_comparison.hpp"
#include "palette/stats/compare.hpp"
#include "palette/topology/interventions.hpp"
#include "palette/topology/model_sampling.hpp"

namespace palette::experiment {
namespace {

// Marks the nodes on a tree's critical path: from the end of a node back to its start, the child
// whose caller-side end is latest before the cursor, then the one before that child began, and so on.
void mark_critical(const CallTree& t, uint32_t node, std::vector<uint8_t>& on_path) {
  std::vector<uint32_t> todo{node};
  while (!todo.empty()) {
    uint32_t n = todo.back();
    todo.pop_back();
    on_path[n] = 1;
    const CallNode& p = t.nodes[n];
    double cursor = static_cast<double>(p.end_us());
    for (;;) {
      int64_t best = -1;
      double best_end = -1;
      for (uint32_t c = p.first_child; c < p.end_child(); ++c) {
        const CallNode& k = t.nodes[c];
        double s = static_cast<double>(k.caller_start_us != kNoTime ? k.caller_start_us : k.start_us);
        double e = s + static_cast<double>(k.caller_duration_us != kNoTime ? k.caller_duration_us : k.duration_us);
        if (e <= cursor + 1 && e > best_end && !on_path[c]) {
          best = c;
          best_end = e;
        }
      }
      if (best < 0) break;
      const CallNode& k = t.nodes[static_cast<size_t>(best)];
      todo.push_back(static_cast<uint32_t>(best));
      cursor = static_cast<double>(k.caller_start_us != kNoTime ? k.caller_start_us : k.start_us);
    }
  }
}

struct Latencies {
  double p50, p99;
};

Latencies run(const model::Topology& t, sim::SimSetup setup) {
  setup.options.keep_requests = true;
  setup.options.output_dir.clear();
  setup.options.spans = 0;
  sim::SimResult r = sim::simulate(t, setup);
  std::vector<double> ok;
  for (const auto& q : r.requests)
    if (q.status == model::RequestStatus::ok) ok.push_back(q.latency_us);
  stats::Sample s(ok);
  return {s.quantile(0.5), s.quantile(0.99)};
}

}  // namespace

std::vector<double> critical_path_shares(const model::Topology& topology, uint64_t requests, uint64_t seed) {
  Catalog cat;
  model::ModelSampler ms(topology, seed, cat);
  std::map<ApiId, model::ApiIndex> index;
  for (size_t a = 0; a < topology.apis.size(); ++a)
    index[cat.find_api(cat.names.find(topology.services[topology.apis[a].service].name),
                       cat.names.find(topology.apis[a].operation))] = static_cast<model::ApiIndex>(a);
  std::vector<double> share(topology.apis.size(), 0.0);
  for (uint64_t r = 0; r < requests; ++r) {
    CallTree t = ms.sample(r, 0);
    std::vector<uint8_t> on(t.nodes.size(), 0);
    mark_critical(t, 0, on);
    std::set<model::ApiIndex> seen;
    for (size_t i = 0; i < t.nodes.size(); ++i)
      if (on[i]) seen.insert(index[t.nodes[i].api]);
    for (auto a : seen) share[a] += 1;
  }
  for (double& s : share) s /= static_cast<double>(std::max<uint64_t>(1, requests));
  return share;
}

Advice advise(const model::Topology& topology, const AdviceOptions& o, const std::function<void(const std::string&)>& progress) {
  Advice advice;
  sim::SimSetup setup = o.setup;
  if (!(setup.workload.rate_per_s > 0)) setup.workload.rate_per_s = topology.arrival_rate_per_s > 0 ? topology.arrival_rate_per_s : 10;
  if (setup.workload.requests == 0 && setup.workload.duration_s <= 0) setup.workload.requests = 3000;
  advice.rate_per_s = setup.workload.rate_per_s;
  advice.requests = setup.workload.requests;
  std::vector<double> share = critical_path_shares(topology, o.sample_requests, setup.options.seed);

  // Targets: every API, and every service with more than one API, most critical first.
  struct Target {
    std::string text;
    bool service;
    double share;
  };
  std::vector<Target> targets;
  std::map<uint32_t, std::vector<model::ApiIndex>> by_service;
  for (size_t a = 0; a < topology.apis.size(); ++a) {
    by_service[topology.apis[a].service].push_back(static_cast<model::ApiIndex>(a));
    targets.push_back({topology.api_label(static_cast<model::ApiIndex>(a)), false, share[a]});
  }
  for (const auto& [s, apis] : by_service)
    if (apis.size() > 1) {
      double m = 0;
      for (auto a : apis) m = std::max(m, share[a]);
      targets.push_back({topology.services[s].name, true, m});
    }
  std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.share > b.share; });
  if (targets.size() > o.max_targets) targets.resize(o.max_targets);

  if (progress) progress("baseline");
  Latencies base = run(topology, setup);
  advice.baseline_p50_us = base.p50;
  advice.baseline_p99_us = base.p99;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (progress) progress(std::to_string(i + 1) + "/" + std::to_string(targets.size()) + " " + targets[i].text);
    AdviceRow row;
    row.target = targets[i].text;
    row.service = targets[i].service;
    row.critical_share = targets[i].share;
    model::Topology halved = topology, removed = topology;
    model::scale_local_work(halved, model::Target::parse(halved, row.target), 0.5);
    model::scale_local_work(removed, model::Target::parse(removed, row.target), 0.0);
    Latencies h = run(halved, setup), z = run(removed, setup);
    row.p50_halved_us = h.p50 - base.p50;
    row.p99_halved_us = h.p99 - base.p99;
    row.p50_removed_us = z.p50 - base.p50;
    row.p99_removed_us = z.p99 - base.p99;
    advice.rows.push_back(row);
  }
  std::stable_sort(advice.rows.begin(), advice.rows.end(),
                   [](const AdviceRow& a, const AdviceRow& b) { return a.p99_halved_us < b.p99_halved_us; });
  return advice;
}

namespace {

std::vector<std::vector<std::string>> rows_of(const Advice& a) {
  std::vector<std::vector<std::string>> out;
  auto delta = [](double us, double base) {
    return report::format_latency_us(us) + " (" + report::format_relative(base > 0 ? us / base : std::nan("")) + ")";
  };
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto& r = a.rows[i];
    char share[16];
    std::snprintf(share, sizeof share, "%.0f%%", 100 * r.critical_share);
    out.push_back({std::to_string(i + 1), r.target + (r.service ? " (service)" : ""), share, delta(r.p50_halved_us, a.baseline_p50_us),
                   delta(r.p99_halved_us, a.baseline_p99_us), delta(r.p50_removed_us, a.baseline_p50_us),
                   delta(r.p99_removed_us, a.baseline_p99_us)});
  }
  return out;
}

const std::vector<std::string> kHeader = {"rank", "what", "on critical path", "p50 if halved", "p99 if halved",
                                          "p50 if removed", "p99 if removed"};

}  // namespace

void add_advice_section(report::HtmlPage& page, const Advice& a) {
  page.section("What to speed up");
  page.paragraph("Simulated at " + std::to_string(a.rate_per_s) + " requests/s, " + std::to_string(a.requests) +
                 " requests per run: baseline p50 " + report::format_latency_us(a.baseline_p50_us) + ", p99 " +
                 report::format_latency_us(a.baseline_p99_us) + ". Each row halves (or removes) the local work of one API "
                 "or service and reruns the simulation; ranked by the p99 gain of halving.");
  report::HtmlTable t;
  t.header = kHeader;
  t.rows = rows_of(a);
  t.numeric = {true, false, true, true, true, true, true};
  page.table(t);
  page.note("On critical path: the share of model-sampled requests whose critical path runs through it. Changes are "
            "against the baseline (negative = faster); under queueing they differ from what the critical path alone suggests.");
}

std::string advice_text(const Advice& a) {
  std::ostringstream o;
  o << "baseline at " << a.rate_per_s << " requests/s (" << a.requests << " requests): p50 "
    << report::format_latency_us(a.baseline_p50_us) << ", p99 " << report::format_latency_us(a.baseline_p99_us) << "\n\n";
  auto rows = rows_of(a);
  // Display width: UTF-8 continuation bytes (the µ of µs) take no column.
  auto cols = [](const std::string& x) {
    size_t n = 0;
    for (unsigned char ch : x) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> width(kHeader.size());
  for (size_t c = 0; c < kHeader.size(); ++c) width[c] = cols(kHeader[c]);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], cols(r[c]));
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c) o << r[c] << std::string(width[c] - cols(r[c]) + 2, ' ');
    o << "\n";
  };
  line(kHeader);
  for (const auto& r : rows) line(r);
  return o.str();
}

}  // namespace palette::experiment
