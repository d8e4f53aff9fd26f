#include "hardnets/learners/tensor_refine.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "hardnets/learners/tensor_moments.h"

namespace hardnets::tensor {

Matrix dual_power_step(const Matrix& X, const Vector& r, const Matrix& What, int threads) {
  const Eigen::Index n = X.rows(), d = X.cols(), m = What.rows();
  const Matrix V = dual_vectors(What);
  const Vector s = V.colwise().squaredNorm().transpose();
  struct Sums {
    Matrix t3, t4;    // Σ r (p² - s) x, Σ r (p³ - 3sp) x: d x m
    Vector rp, rp2s;  // Σ r p, Σ r (p² - s)
    Vector v3, v4;  // Σ (r (p² - s))² ‖x‖², Σ (r (p³ - 3sp))² ‖x‖²: noise of t3, t4
  };
  const Sums sums = blocked_sum<Sums>(
      n, threads,
      [&] {
        return Sums{Matrix::Zero(d, m), Matrix::Zero(d, m), Vector::Zero(m),
                    Vector::Zero(m),    Vector::Zero(m),    Vector::Zero(m)};
      },
      [&](Sums& acc, Eigen::Index r0, Eigen::Index count) {
        const auto Xb = X.middleRows(r0, count);
        const Matrix P = Xb * V;
        const auto rb = r.segment(r0, count).array();
        const Vector norms = Xb.rowwise().squaredNorm();
        Matrix w3(count, m), w4(count, m);
        for (Eigen::Index i = 0; i < m; ++i) {
          const auto p = P.col(i).array();
          const auto q = (p.square() - s[i]).eval();
          w3.col(i) = (rb * q).matrix();
          w4.col(i) = (rb * p * (p.square() - 3.0 * s[i])).matrix();
          acc.rp[i] += (rb * p).sum();
          acc.rp2s[i] += (rb * q).sum();
          acc.v3[i] += (w3.col(i).array().square() * norms.array()).sum();
          acc.v4[i] += (w4.col(i).array().square() * norms.array()).sum();
        }
        acc.t3.noalias() += Xb.transpose() * w3;
        acc.t4.noalias() += Xb.transpose() * w4;
      },
      [](Sums& t, const Sums& q) {
        t.t3 += q.t3;
        t.t4 += q.t4;
        t.rp += q.rp;
        t.rp2s += q.rp2s;
        t.v3 += q.v3;
        t.v4 += q.v4;
      });
  const double inv = 1.0 / static_cast<double>(n);
  Matrix next(m, d);
  for (Eigen::Index i = 0; i < m; ++i) {
    const Vector t3 = (sums.t3.col(i) - 2.0 * sums.rp[i] * V.col(i)) * inv;
    const Vector t4 = (sums.t4.col(i) - 3.0 * sums.rp2s[i] * V.col(i)) * inv;
    // t_ℓ ≈ α_ℓ w_i + noise of variance σ_ℓ² per coordinate (σ_ℓ² ∝ the sums
    // v_ℓ: only their ratio matters); the best linear unbiased combination
    // weighs each by α_ℓ / σ_ℓ², with α_ℓ read along the current row.
    const Vector w = What.row(i).transpose();
    const double a3 = t3.dot(w), a4 = t4.dot(w);
    Vector u = (sums.v3[i] > 0.0 ? a3 / sums.v3[i] : 0.0) * t3 +
               (sums.v4[i] > 0.0 ? a4 / sums.v4[i] : 0.0) * t4;
    if (!u.allFinite() || u.norm() == 0.0) {
      next.row(i) = What.row(i);
      continue;
    }
    u.normalize();
    if (u.dot(What.row(i).transpose()) < 0.0) u = -u;
    next.row(i) = u.transpose();
  }
  return next;
}

double max_sin_between_rows(const Matrix& A, const Matrix& B) {
  double worst = 0.0;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    const double c = std::clamp(A.row(i).dot(B.row(i)), -1.0, 1.0);
    worst = std::max(worst, std::sqrt(std::max(0.0, 1.0 - c * c)));
  }
  return worst;
}

Refinement refine_units(const Matrix& X, const Subspace& subspace, const Pencils& pencils,
                        const Matrix& Omega, std::int64_t steps, int threads) {
  const Matrix& U = subspace.U;
  auto read = [&](Matrix rows) {
    return read_off(X, pencils.r1, pencils.r2, subspace.T1, std::move(rows), threads);
  };
  Refinement out;
  out.best = read(Omega * U.transpose());
  out.residual = moment_residual(out.best.units, U, pencils);
  out.jennrich_residual = out.residual;
  Matrix rows = out.best.units.W;
  for (std::int64_t it = 1; it <= steps; ++it) {
    const Matrix next = dual_power_step(X, pencils.r2, rows, threads);
    out.last_change = max_sin_between_rows(rows, next);
    rows = next;
    Recovered candidate = read(rows);
    const double residual = moment_residual(candidate.units, U, pencils);
    if (residual < out.residual) {
      out.residual = residual;
      out.best = std::move(candidate);
      out.chosen = it;
    }
  }
  return out;
}

}  // namespace hardnets::tensor
