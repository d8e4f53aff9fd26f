#include "hardnets/learners/proper_bounded_reduce.h"

#include <cmath>

#include <Eigen/Eigenvalues>

namespace hardnets::proper_bounded {

Matrix span_basis(const Matrix& X) {
  const Eigen::Index m = X.rows(), d = X.cols();
  Eigen::Index rank = 0;
  Eigen::MatrixXd basis;
  if (d <= m) {
    const Eigen::MatrixXd S = X.transpose() * X;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(S);
    const Vector& lambda = eig.eigenvalues();  // ascending
    const double top = lambda[d - 1];
    for (Eigen::Index i = 0; i < d; ++i) {
      if (top > 0.0 && lambda[i] > 1e-12 * top) ++rank;
    }
    if (rank == d) {
      basis = Eigen::MatrixXd::Identity(d, d);
    } else {
      basis = eig.eigenvectors().rightCols(rank);
    }
  } else {
    const Eigen::MatrixXd M = X * X.transpose();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
    const Vector& lambda = eig.eigenvalues();
    const double top = lambda[m - 1];
    for (Eigen::Index i = 0; i < m; ++i) {
      if (top > 0.0 && lambda[i] > 1e-12 * top) ++rank;
    }
    // Assigned, not constructed, as it always was: the two evaluate the
    // product in different orders.
    basis = X.transpose() * eig.eigenvectors().rightCols(rank);
    for (Eigen::Index j = 0; j < rank; ++j) {
      basis.col(j) /= std::sqrt(lambda[m - rank + j]);
    }
  }
  if (rank == 0) basis = Eigen::MatrixXd::Identity(d, 1);  // all inputs are 0
  return basis;
}

Matrix jl_lift(Eigen::Index d, Eigen::Index dim, Rng rng) {
  Matrix G(dim, d);
  rng.fill_normal({G.data(), static_cast<std::size_t>(G.size())});
  G /= std::sqrt(static_cast<double>(dim));
  return G.transpose();
}

}  // namespace hardnets::proper_bounded
