// numerics/nnls: argmin_{λ ≥ 0} ‖Eλ − f‖ against brute force over active
// sets, and the KKT conditions of the solution.
#include "hardnets/numerics/nnls.h"

#include <gtest/gtest.h>

#include <random>

#include <Eigen/QR>

namespace hardnets {
namespace {

Eigen::MatrixXd gaussian(std::mt19937& g, int rows, int cols) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd M(rows, cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) M(i, j) = normal(g);
  }
  return M;
}

// The optimum is the least squares solution on its support (positive there):
// the smallest residual over the supports whose least squares solution is
// non-negative.
double brute_force(const Eigen::MatrixXd& E, const Eigen::VectorXd& f) {
  const int N = static_cast<int>(E.cols());
  double best = f.norm();  // the empty support, λ = 0
  for (int mask = 1; mask < (1 << N); ++mask) {
    std::vector<int> P;
    for (int j = 0; j < N; ++j) {
      if ((mask >> j) & 1) P.push_back(j);
    }
    Eigen::MatrixXd EP(E.rows(), static_cast<Eigen::Index>(P.size()));
    for (std::size_t q = 0; q < P.size(); ++q) EP.col(static_cast<Eigen::Index>(q)) = E.col(P[q]);
    const Eigen::VectorXd z = EP.completeOrthogonalDecomposition().solve(f);
    if (z.minCoeff() < 0) continue;
    best = std::min(best, (EP * z - f).norm());
  }
  return best;
}

TEST(Nnls, AgreesWithBruteForceOverActiveSets) {
  std::mt19937 g(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int rows = 2 + trial % 7, cols = 1 + (trial / 7) % 6;
    const Eigen::MatrixXd E = gaussian(g, rows, cols);
    const Eigen::VectorXd f = gaussian(g, rows, 1);
    const Eigen::VectorXd lambda = nnls(E, f);
    ASSERT_EQ(lambda.size(), cols);
    EXPECT_GE(lambda.minCoeff(), 0.0) << "trial " << trial;
    EXPECT_NEAR((E * lambda - f).norm(), brute_force(E, f), 1e-9 * (1.0 + f.norm()))
        << "trial " << trial << " (" << rows << " x " << cols << ")";
  }
}

TEST(Nnls, KktConditionsHold) {
  // λ ≥ 0, w = Eᵀ(f − Eλ) ≤ 0 (no column can lower the residual) and w_j = 0
  // where λ_j > 0 (stationary on the support).
  std::mt19937 g(11);
  for (int trial = 0; trial < 100; ++trial) {
    const int rows = 3 + trial % 10, cols = 1 + trial % 12;
    const Eigen::MatrixXd E = gaussian(g, rows, cols);
    const Eigen::VectorXd f = gaussian(g, rows, 1);
    const Eigen::VectorXd lambda = nnls(E, f);
    const Eigen::VectorXd w = E.transpose() * (f - E * lambda);
    const double tol = 1e-9 * (1.0 + f.norm()) * (1.0 + E.norm());
    for (int j = 0; j < cols; ++j) {
      EXPECT_GE(lambda[j], 0.0);
      EXPECT_LE(w[j], tol) << "trial " << trial << " column " << j;
      if (lambda[j] > 0) {
        EXPECT_NEAR(w[j], 0.0, tol) << "trial " << trial << " column " << j;
      }
    }
  }
}

TEST(Nnls, HandWorkedCases) {
  // E = I: λ = max(f, 0).
  const Eigen::VectorXd f = (Eigen::VectorXd(3) << 1.5, -2.0, 0.25).finished();
  const Eigen::VectorXd lambda = nnls(Eigen::MatrixXd::Identity(3, 3), f);
  EXPECT_NEAR(lambda[0], 1.5, 1e-15);
  EXPECT_EQ(lambda[1], 0.0);
  EXPECT_NEAR(lambda[2], 0.25, 1e-15);
  // f in the negative cone of E: λ = 0.
  EXPECT_EQ(nnls(Eigen::MatrixXd::Identity(2, 2), -Eigen::VectorXd::Ones(2)).norm(), 0.0);
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// Degenerate shapes return λ = 0 rather than reaching Eigen's QR of an empty
// matrix (which crashed `run relu_reduction exact_relu -l k=0`).
TEST(Nnls, EmptyShapesGiveZero) {
  EXPECT_EQ(nnls(Eigen::MatrixXd(3, 0), Eigen::VectorXd::Ones(3)).size(), 0);
  const Eigen::VectorXd no_rows = nnls(Eigen::MatrixXd(0, 2), Eigen::VectorXd(0));
  ASSERT_EQ(no_rows.size(), 2);
  EXPECT_EQ(no_rows, Eigen::VectorXd::Zero(2));
}

}  // namespace
}  // namespace hardnets
