#pragma once
// Non-negative least squares, min ||A x − b|| subject to x >= 0, by the Lawson–Hanson active-set
// method on the normal equations (the fitter has millions of rows and a handful of columns, so it
// accumulates AᵀA and Aᵀb once and solves in the small space).
#include <Eigen/Dense>

namespace palette::model::fit {

// gram = AᵀA (n×n, symmetric positive semi-definite), atb = Aᵀb.
Eigen::VectorXd nnls_normal(const Eigen::MatrixXd& gram, const Eigen::VectorXd& atb, int max_iterations = 0);

}  // namespace palette::model::fit
