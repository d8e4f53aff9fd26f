// Non-negative least squares: argmin_{λ ≥ 0} ‖E λ − f‖₂ (Lawson & Hanson,
// "Solving Least Squares Problems", 1974, ch. 23).
//
// The active-set method keeps a passive set P (the columns allowed to be
// positive). Each outer step moves into P the column with the largest
// positive gradient w_j = [Eᵀ(f − Eλ)]_j; the inner loop solves the
// unconstrained least squares on P and, while some of its entries are ≤ 0,
// steps from λ towards that solution as far as λ ≥ 0 allows and drops the
// columns that reach 0. At the end the KKT conditions hold to the tolerance:
// λ ≥ 0, w ≤ tol, and w_j = 0 where λ_j > 0.
//
// Numerical choices: the least squares on P by column-pivoting Householder QR;
// tol = 1e-13 (1 + ‖f‖) max(1, max|E|); a column whose own least squares
// coefficient is not positive right after entering (round-off: it does not
// help) is excluded until λ next changes, so the loop cannot cycle on it; at
// most 3N + 50 outer steps.
#pragma once

#include <Eigen/Core>

namespace hardnets {

Eigen::VectorXd nnls(const Eigen::MatrixXd& E, const Eigen::VectorXd& f);

}  // namespace hardnets
