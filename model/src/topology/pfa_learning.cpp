// ALERGIA state merging in the red-blue framework; the rules are documented in pfa_learning.hpp.
#include "palette/topology/pfa_learning.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "palette/error.hpp"

namespace palette::model {
namespace {

constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr double kFreeComparisons = 10;  // comparisons a compatibility test makes at the full alpha

struct Edge {
  uint32_t step = 0;
  uint32_t to = 0;
  uint64_t count = 0;
};

struct Node {
  std::vector<Edge> out;  // sorted by step, at most one edge per step: the automaton stays deterministic
  uint64_t count = 0;     // sequences that reached the node; always finish + the out counts
  uint64_t finish = 0;    // of which ended here
};

std::vector<Edge>::iterator find_edge(Node& node, uint32_t step) {
  return std::lower_bound(node.out.begin(), node.out.end(), step,
                          [](const Edge& e, uint32_t s) { return e.step < s; });
}

// The prefix tree of the sequences, nodes in the order of first appearance.
std::vector<Node> insert_all(size_t alphabet_size, const std::vector<ObservedSequence>& sequences) {
  std::vector<Node> nodes(1);
  for (size_t k = 0; k < sequences.size(); ++k) {
    const ObservedSequence& seq = sequences[k];
    if (seq.count == 0) continue;
    uint32_t q = 0;
    nodes[0].count += seq.count;
    for (uint32_t s : seq.steps) {
      if (s >= alphabet_size)
        throw Error(ErrorKind::bad_value, "sequence " + std::to_string(k) + " uses step " + std::to_string(s) +
                                              " outside the alphabet of " + std::to_string(alphabet_size) + " steps");
      auto it = find_edge(nodes[q], s);
      if (it == nodes[q].out.end() || it->step != s) it = nodes[q].out.insert(it, Edge{s, static_cast<uint32_t>(nodes.size()), 0});
      it->count += seq.count;
      q = it->to;
      if (q == nodes.size()) nodes.emplace_back();  // after the last use of `it`: this may reallocate
      nodes[q].count += seq.count;
    }
    nodes[q].finish += seq.count;
  }
  return nodes;
}

// Breadth-first over steps in id order, so node ids are the shortlex order of their prefixes: the same
// multiset of sequences gives the same tree whatever order they came in.
std::vector<Node> renumber_shortlex(std::vector<Node> nodes) {
  std::vector<uint32_t> order{0}, id(nodes.size(), kNone);
  id[0] = 0;
  for (size_t i = 0; i < order.size(); ++i)
    for (const Edge& e : nodes[order[i]].out) {
      id[e.to] = static_cast<uint32_t>(order.size());
      order.push_back(e.to);
    }
  std::vector<Node> out(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) {
    out[i] = std::move(nodes[order[i]]);
    for (Edge& e : out[i].out) e.to = id[e.to];
  }
  return out;
}

// Walks the steps of two nodes in id order: f(count in a, count in b, successor in a, successor in b),
// with 0 and kNone for a step one of them lacks.
template <class F>
bool all_steps(const Node& a, const Node& b, F&& f) {
  size_t i = 0, j = 0;
  while (i < a.out.size() || j < b.out.size()) {
    const bool take_a = j == b.out.size() || (i < a.out.size() && a.out[i].step <= b.out[j].step);
    const bool take_b = i == a.out.size() || (j < b.out.size() && b.out[j].step <= a.out[i].step);
    const bool ok = f(take_a ? a.out[i].count : 0, take_b ? b.out[j].count : 0, take_a ? a.out[i].to : kNone,
                      take_b ? b.out[j].to : kNone);
    if (!ok) return false;
    i += take_a;
    j += take_b;
  }
  return true;
}

double fraction(uint64_t f, uint64_t n) { return static_cast<double>(f) / static_cast<double>(n); }

class Merger {
 public:
  Merger(std::vector<Node> nodes, const PfaLearningOptions& options)
      : nodes_(std::move(nodes)),
        is_red_(nodes_.size(), 0),
        alpha_(options.alpha),
        min_count_(options.min_count),
        max_states_(options.max_states) {}

  void run(PfaLearningStats& stats) {
    reds_ = {0};
    is_red_[0] = 1;
    while (const auto blue = pick_blue()) {
      const uint32_t b = blue->node;
      if (nodes_[b].count < min_count_) {
        merge(*blue, nearest_red(b, false));
        ++stats.rare_folds;
      } else if (const uint32_t r = nearest_red(b, true); r != kNone) {
        merge(*blue, r);
        ++stats.merges;
      } else if (reds_.size() < max_states_) {
        reds_.push_back(b);
        is_red_[b] = 1;
      } else {
        merge(*blue, nearest_red(b, false));
        ++stats.capped_folds;
      }
    }
  }

  Pfa to_pfa(const std::vector<Step>& alphabet) const {
    Pfa pfa;
    pfa.steps = alphabet;
    std::vector<uint32_t> order{0}, id(nodes_.size(), kNone);
    id[0] = 0;
    for (size_t i = 0; i < order.size(); ++i)
      for (const Edge& e : nodes_[order[i]].out)
        if (id[e.to] == kNone) {
          if (!is_red_[e.to]) throw Error(ErrorKind::internal, "PFA learning left a state unmerged");
          id[e.to] = static_cast<uint32_t>(order.size());
          order.push_back(e.to);
        }
    pfa.states.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const Node& n = nodes_[order[i]];
      PfaState& s = pfa.states[i];
      s.count = n.count;
      s.finish_probability = fraction(n.finish, n.count);
      for (const Edge& e : n.out) s.out.push_back(PfaTransition{e.step, id[e.to], fraction(e.count, n.count), e.count});
    }
    return pfa;
  }

 private:
  struct Blue {
    uint32_t node, parent, step;
  };

  // The blue state with the largest count; ties by the smaller (shortlex) id. Every non-red node has
  // exactly one parent, so each blue state is found once.
  std::optional<Blue> pick_blue() const {
    std::optional<Blue> best;
    for (uint32_t r : reds_)
      for (const Edge& e : nodes_[r].out) {
        if (is_red_[e.to]) continue;
        const uint64_t c = nodes_[e.to].count, bc = best ? nodes_[best->node].count : 0;
        if (!best || c > bc || (c == bc && e.to < best->node)) best = Blue{e.to, r, e.step};
      }
    return best;
  }

  static bool differ(uint64_t f1, uint64_t n1, uint64_t f2, uint64_t n2, double factor) {
    const double bound = factor * (1 / std::sqrt(static_cast<double>(n1)) + 1 / std::sqrt(static_cast<double>(n2)));
    return std::fabs(fraction(f1, n1) - fraction(f2, n2)) > bound;
  }

  // Visits the pairs (x, y) that the same step sequences reach from (x0, y0), x in the automaton and y
  // in y0's tree (so the walk ends even where x's side loops), until visit returns false. Pairs where
  // either side was seen fewer than min_count times are skipped with all that lies below them.
  template <class F>
  bool walk_pairs(uint32_t x0, uint32_t y0, F&& visit) const {
    const uint64_t floor = std::max<uint64_t>(min_count_, 1);
    std::vector<std::pair<uint32_t, uint32_t>> work{{x0, y0}};
    while (!work.empty()) {
      const auto [x, y] = work.back();
      work.pop_back();
      const Node &nx = nodes_[x], &ny = nodes_[y];
      if (nx.count < floor || ny.count < floor) continue;
      if (!visit(nx, ny)) return false;
      all_steps(nx, ny, [&](uint64_t, uint64_t, uint32_t tx, uint32_t ty) {
        if (tx != kNone && ty != kNone) work.emplace_back(tx, ty);
        return true;
      });
    }
    return true;
  }

  // The Hoeffding factor sqrt(ln(2/a) / 2) for testing b's tree. Its test checks FINISH and every step
  // at each pair it reaches, at most one pair per node of the tree seen min_count times or more; with
  // thousands of comparisons at a fixed per-comparison alpha some fail by chance, equivalent states
  // stay apart and loops unroll into copies (9-state automata came back with 23 states from 1 M
  // invocations). So beyond kFreeComparisons, alpha is divided by comparisons / kFreeComparisons
  // (Bonferroni); small tests keep the classic bound. Counted on b's tree alone, once per blue state.
  double hoeffding_factor(uint32_t b) const {
    const uint64_t floor = std::max<uint64_t>(min_count_, 1);
    double comparisons = 0;
    std::vector<uint32_t> work{b};  // a tree: non-red nodes only ever point to non-red nodes
    while (!work.empty()) {
      const Node& n = nodes_[work.back()];
      work.pop_back();
      if (n.count < floor) continue;
      comparisons += 1 + static_cast<double>(n.out.size());
      for (const Edge& e : n.out) work.push_back(e.to);
    }
    return std::sqrt(0.5 * std::log(2.0 * std::max(1.0, comparisons / kFreeComparisons) / alpha_));
  }

  // ALERGIA's recursive test: FINISH and every step, at every pair the walk reaches.
  bool compatible(uint32_t x0, uint32_t y0, double factor) const {
    return walk_pairs(x0, y0, [&](const Node& nx, const Node& ny) {
      if (differ(nx.finish, nx.count, ny.finish, ny.count, factor)) return false;
      return all_steps(nx, ny, [&](uint64_t fx, uint64_t fy, uint32_t, uint32_t) {
        return !differ(fx, nx.count, fy, ny.count, factor);
      });
    });
  }

  // L1 distance of the next-step distributions (FINISH included) of two states.
  double distance(uint32_t x, uint32_t y) const {
    const Node &nx = nodes_[x], &ny = nodes_[y];
    double d = std::fabs(fraction(nx.finish, nx.count) - fraction(ny.finish, ny.count));
    all_steps(nx, ny, [&](uint64_t fx, uint64_t fy, uint32_t, uint32_t) {
      d += std::fabs(fraction(fx, nx.count) - fraction(fy, ny.count));
      return true;
    });
    return d;
  }

  // The red state nearest to b (ties: the earlier red), among the compatible ones if asked; kNone if
  // none is compatible.
  uint32_t nearest_red(uint32_t b, bool compatible_only) const {
    const double factor = compatible_only ? hoeffding_factor(b) : 0;
    uint32_t best = kNone;
    double best_d = 0;
    for (uint32_t r : reds_) {
      const double d = distance(r, b);
      if (best != kNone && d >= best_d) continue;
      if (compatible_only && !compatible(r, b, factor)) continue;
      best = r;
      best_d = d;
    }
    return best;
  }

  // Points b's parent at r and folds b's tree into r. Pairs (x, y) have y in b's tree and x outside it,
  // so counts never flow into the tree being consumed.
  void merge(const Blue& blue, uint32_t r) {
    find_edge(nodes_[blue.parent], blue.step)->to = r;
    std::vector<std::pair<uint32_t, uint32_t>> work{{r, blue.node}};
    while (!work.empty()) {
      const auto [x, y] = work.back();
      work.pop_back();
      Node& ny = nodes_[y];
      nodes_[x].count += ny.count;
      nodes_[x].finish += ny.finish;
      for (const Edge& e : ny.out) {
        auto it = find_edge(nodes_[x], e.step);
        if (it != nodes_[x].out.end() && it->step == e.step) {
          it->count += e.count;
          work.emplace_back(it->to, e.to);
        } else {
          nodes_[x].out.insert(it, e);  // the subtree moves over; y is unreachable from now on
        }
      }
      ny = Node{};
    }
  }

  std::vector<Node> nodes_;
  std::vector<char> is_red_;
  std::vector<uint32_t> reds_;  // in promotion order; START first
  double alpha_;
  uint64_t min_count_;
  uint32_t max_states_;
};

void check(const std::vector<Step>& alphabet, const PfaLearningOptions& options) {
  if (!(options.alpha > 0 && options.alpha <= 2))
    throw Error(ErrorKind::bad_value, "alpha must be in (0, 2], got " + std::to_string(options.alpha)).at_key("alpha");
  if (options.max_states < 1) throw Error(ErrorKind::bad_value, "max_states must be >= 1").at_key("max_states");
  std::vector<Step> sorted = alphabet;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw Error(ErrorKind::bad_value, "the step alphabet lists a step twice: the PFA would not be deterministic");
}

}  // namespace

Pfa learn_pfa(const std::vector<Step>& alphabet, const std::vector<ObservedSequence>& sequences,
              const PfaLearningOptions& options, PfaLearningStats* stats) {
  check(alphabet, options);
  std::vector<Node> pta = renumber_shortlex(insert_all(alphabet.size(), sequences));
  PfaLearningStats local;
  local.pta_states = static_cast<uint32_t>(pta.size());
  if (pta[0].count == 0) {  // nothing observed: an API that finishes without calls
    Pfa pfa;
    pfa.steps = alphabet;
    pfa.states.resize(1);
    pfa.states[0].finish_probability = 1;
    if (stats) *stats = local;
    return pfa;
  }
  Merger merger(std::move(pta), options);
  merger.run(local);
  if (stats) *stats = local;
  return merger.to_pfa(alphabet);
}

}  // namespace palette::model
