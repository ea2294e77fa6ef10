#include "nnls.hpp"

#include <limits>
#include <vector>

namespace palette::model::fit {

Eigen::VectorXd nnls_normal(const Eigen::MatrixXd& gram, const Eigen::VectorXd& atb, int max_iterations) {
  const Eigen::Index n = atb.size();
  if (max_iterations <= 0) max_iterations = static_cast<int>(3 * n + 10);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<size_t>(n), false);
  const double tol = 1e-10 * (1.0 + atb.cwiseAbs().maxCoeff());
  auto solve_passive = [&](Eigen::VectorXd& z) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index i = 0; i < n; ++i)
      if (passive[static_cast<size_t>(i)]) idx.push_back(i);
    z = Eigen::VectorXd::Zero(n);
    if (idx.empty()) return;
    const auto m = static_cast<Eigen::Index>(idx.size());
    Eigen::MatrixXd g(m, m);
    Eigen::VectorXd r(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      r(a) = atb(idx[static_cast<size_t>(a)]);
      for (Eigen::Index b = 0; b < m; ++b) g(a, b) = gram(idx[static_cast<size_t>(a)], idx[static_cast<size_t>(b)]);
    }
    // A tiny ridge keeps collinear columns (a callee always called with another) solvable.
    g.diagonal().array() += 1e-9 * (1.0 + g.diagonal().cwiseAbs().maxCoeff());
    Eigen::VectorXd s = g.ldlt().solve(r);
    for (Eigen::Index a = 0; a < m; ++a) z(idx[static_cast<size_t>(a)]) = s(a);
  };
  for (int it = 0; it < max_iterations; ++it) {
    Eigen::VectorXd w = atb - gram * x;  // the negative gradient
    Eigen::Index best = -1;
    double best_w = tol;
    for (Eigen::Index i = 0; i < n; ++i)
      if (!passive[static_cast<size_t>(i)] && w(i) > best_w) {
        best_w = w(i);
        best = i;
      }
    if (best < 0) break;
    passive[static_cast<size_t>(best)] = true;
    for (int inner = 0; inner < max_iterations; ++inner) {
      Eigen::VectorXd z;
      solve_passive(z);
      bool feasible = true;
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[static_cast<size_t>(i)] && z(i) <= 0) feasible = false;
      if (feasible) {
        x = z;
        break;
      }
      // Step toward z as far as feasibility allows, then drop the variables that hit zero.
      double alpha = std::numeric_limits<double>::infinity();
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[static_cast<size_t>(i)] && z(i) <= 0) alpha = std::min(alpha, x(i) / (x(i) - z(i)));
      x += alpha * (z - x);
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[static_cast<size_t>(i)] && x(i) <= 1e-12) {
          passive[static_cast<size_t>(i)] = false;
          x(i) = 0;
        }
    }
  }
  return x;
}

}  // namespace palette::model::fit
