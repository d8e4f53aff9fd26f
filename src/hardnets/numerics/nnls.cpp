#include "hardnets/numerics/nnls.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/QR>

namespace hardnets {

Eigen::VectorXd nnls(const Eigen::MatrixXd& E, const Eigen::VectorXd& f) {
  const Eigen::Index N = E.cols();
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(N);
  // No columns or no rows: λ = 0 is the (only or a) minimiser; and
  // maxCoeff below is undefined on an empty matrix.
  if (E.size() == 0) return lambda;
  std::vector<char> passive(static_cast<std::size_t>(N), 0),
      excluded(static_cast<std::size_t>(N), 0);
  const double tol = 1e-13 * (1.0 + f.norm()) * std::max(1.0, E.cwiseAbs().maxCoeff());
  Eigen::VectorXd residual = f;
  Eigen::VectorXd w = E.transpose() * residual;
  std::vector<Eigen::Index> P;
  const int max_iter = static_cast<int>(3 * N + 50);
  for (int iter = 0; iter < max_iter; ++iter) {
    Eigen::Index t = -1;
    double best = tol;
    for (Eigen::Index j = 0; j < N; ++j) {
      if (!passive[static_cast<std::size_t>(j)] && !excluded[static_cast<std::size_t>(j)] &&
          w[j] > best) {
        best = w[j];
        t = j;
      }
    }
    if (t < 0) break;
    passive[static_cast<std::size_t>(t)] = 1;
    bool first = true;
    while (true) {
      P.clear();
      for (Eigen::Index j = 0; j < N; ++j) {
        if (passive[static_cast<std::size_t>(j)]) P.push_back(j);
      }
      // The step can zero every passive coefficient; λ = 0 is then the
      // feasible point and the outer loop picks the next column (Eigen's QR
      // of a matrix with no columns is not defined).
      if (P.empty()) break;
      Eigen::MatrixXd EP(E.rows(), static_cast<Eigen::Index>(P.size()));
      for (std::size_t q = 0; q < P.size(); ++q) EP.col(static_cast<Eigen::Index>(q)) = E.col(P[q]);
      const Eigen::VectorXd z = EP.colPivHouseholderQr().solve(f);
      if (first) {
        first = false;
        const auto pos = std::find(P.begin(), P.end(), t) - P.begin();
        if (!(z[pos] > 0)) {  // round-off: the entering column does not help
          passive[static_cast<std::size_t>(t)] = 0;
          excluded[static_cast<std::size_t>(t)] = 1;
          break;
        }
      }
      bool all_positive = true;
      for (Eigen::Index q = 0; q < z.size(); ++q) all_positive = all_positive && z[q] > 0;
      if (all_positive) {
        for (std::size_t q = 0; q < P.size(); ++q) lambda[P[q]] = z[static_cast<Eigen::Index>(q)];
        std::fill(excluded.begin(), excluded.end(), 0);
        break;
      }
      double alpha = 1.0;
      for (std::size_t q = 0; q < P.size(); ++q) {
        const double zq = z[static_cast<Eigen::Index>(q)], lq = lambda[P[q]];
        if (zq <= 0) alpha = std::min(alpha, lq / (lq - zq));
      }
      for (std::size_t q = 0; q < P.size(); ++q) {
        double& l = lambda[P[q]];
        l += alpha * (z[static_cast<Eigen::Index>(q)] - l);
        if (l <= 1e-15 * (1.0 + std::abs(z[static_cast<Eigen::Index>(q)]))) {
          l = 0.0;
          passive[static_cast<std::size_t>(P[q])] = 0;
        }
      }
    }
    residual = f - E * lambda;
    w.noalias() = E.transpose() * residual;
  }
  return lambda;
}

}  // namespace hardnets
