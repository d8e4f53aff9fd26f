#include "hardnets/learners/tensor_subspace.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Eigenvalues>

#include "hardnets/learners/tensor_moments.h"

namespace hardnets::tensor {
namespace {

// ȳ and T1 (the cheap first pass), and the residual y - ȳ - ⟨T1, x⟩.
struct Linear {
  Vector yx;
  double y = 0.0;
};

Linear linear_sums(const Matrix& X, const Vector& y, int threads) {
  return blocked_sum<Linear>(
      X.rows(), threads,
      [&] {
        return Linear{Vector::Zero(X.cols()), 0.0};
      },
      [&](Linear& acc, Eigen::Index r0, Eigen::Index count) {
        acc.yx.noalias() += X.middleRows(r0, count).transpose() * y.segment(r0, count);
        acc.y += y.segment(r0, count).sum();
      },
      [](Linear& t, const Linear& q) {
        t.yx += q.yx;
        t.y += q.y;
      });
}

}  // namespace

Subspace m2_subspace(const Matrix& X, const Vector& y, Eigen::Index m, int threads) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const Linear lin = linear_sums(X, y, threads);
  const double inv_n = 1.0 / static_cast<double>(n);
  Vector r0_res(n);
  {
    const Vector T1 = lin.yx * inv_n;
    const double ybar = lin.y * inv_n;
    for_each_block(n, threads, [&](Eigen::Index r0, Eigen::Index count) {
      r0_res.segment(r0, count) =
          (y.segment(r0, count).array() - ybar).matrix() - X.middleRows(r0, count) * T1;
    });
  }
  Subspace s;
  s.M2 = hermite_contractions(X, r0_res, {}, Vector(), threads).M2;
  s.mean_y = lin.y * inv_n;
  s.T1 = lin.yx * inv_n;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Eigen::MatrixXd(s.M2));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(d));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const Vector ev = eig.eigenvalues();
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index p, Eigen::Index q) {
    return std::abs(ev[p]) > std::abs(ev[q]);
  });
  s.U.resize(d, m);
  for (Eigen::Index k = 0; k < m; ++k) {
    s.U.col(k) = eig.eigenvectors().col(order[static_cast<std::size_t>(k)]);
  }
  const double l1 = std::abs(ev[order[0]]);
  const double lm = std::abs(ev[order[static_cast<std::size_t>(m - 1)]]);
  const double lnext = m < d ? std::abs(ev[order[static_cast<std::size_t>(m)]]) : 0.0;
  s.gap = l1 > 0.0 ? (lm - lnext) / l1 : 0.0;
  s.condition = lm > 0.0 ? l1 / lm : std::numeric_limits<double>::infinity();
  return s;
}

}  // namespace hardnets::tensor
