#include "hardnets/learners/tensor_readoff.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/LU>

namespace hardnets::tensor {

Matrix dual_vectors(const Matrix& What) {
  const Eigen::MatrixXd gram = What * What.transpose();
  const Eigen::MatrixXd inverse = gram.fullPivLu().inverse();
  return What.transpose() * inverse;
}

namespace {

// κ_2, κ_3, κ_4 of every unit, unnormalised (sums over the samples).
struct Kappa {
  Vector k2, k3, k4;
};

Kappa kappa_sums(const Matrix& X, const Vector& r1, const Vector& r2, const Matrix& V,
                 int threads) {
  const Eigen::Index m = V.cols();
  const Vector nu2 = V.colwise().squaredNorm().transpose();
  return blocked_sum<Kappa>(
      X.rows(), threads,
      [&] {
        return Kappa{Vector::Zero(m), Vector::Zero(m), Vector::Zero(m)};
      },
      [&](Kappa& acc, Eigen::Index r0, Eigen::Index count) {
        const Matrix P = X.middleRows(r0, count) * V;
        const auto y1 = r1.segment(r0, count).array();
        const auto y2 = r2.segment(r0, count).array();
        for (Eigen::Index i = 0; i < m; ++i) {
          const double s = nu2[i];
          const auto p = P.col(i).array();
          const auto p2 = p.square();
          acc.k2[i] += (y1 * (p2 - s)).sum();
          acc.k3[i] += (y2 * (p2 * p - 3.0 * s * p)).sum();
          acc.k4[i] += (y2 * (p2.square() - 6.0 * s * p2 + 3.0 * s * s)).sum();
        }
      },
      [](Kappa& t, const Kappa& p) {
        t.k2 += p.k2;
        t.k3 += p.k3;
        t.k4 += p.k4;
      });
}

}  // namespace

Recovered read_off(const Matrix& X, const Vector& r1, const Vector& r2, const Vector& T1,
                   Matrix What, int threads) {
  const Eigen::Index m = What.rows();
  const double inv_n = 1.0 / static_cast<double>(X.rows());
  const Matrix V = dual_vectors(What);
  const Kappa kappa = kappa_sums(X, r1, r2, V, threads);
  Recovered r{units::Units{std::move(What), Vector(m), Vector(m)}};
  for (Eigen::Index i = 0; i < m; ++i) {
    const double k2 = kappa.k2[i] * inv_n, k3 = kappa.k3[i] * inv_n, k4 = kappa.k4[i] * inv_n;
    double b = k2 != 0.0 ? std::clamp(-k3 / k2, -kMaxBias, kMaxBias) : 0.0;
    if (!std::isfinite(b)) b = 0.0;
    const double a = k2 / phi(b);
    r.consistency = std::max(r.consistency, std::abs(k4 / k2 - (b * b - 1.0)));
    // Sign: ⟨v_i, T1⟩ = a Φ(b) for the right orientation.
    const double tau = V.col(i).dot(T1);
    if (std::abs(-tau - a * big_phi(-b)) < std::abs(tau - a * big_phi(b))) {
      r.units.W.row(i) *= -1.0;
      b = -b;
      ++r.flips;
    }
    r.units.b[i] = b;
    r.units.a[i] = a;
  }
  return r;
}

double moment_residual(const units::Units& u, const Matrix& U, const Pencils& pencils) {
  const Eigen::Index m = u.W.rows();
  const Vector& eta = pencils.directions.eta;
  const std::vector<Vector>& gammas = pencils.directions.gammas;
  const Contractions& c34 = pencils.slices;
  const Matrix P = u.W * U;  // rows Uᵀŵ_i
  Vector c2w(m), c34w(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    c2w[i] = u.a[i] * hermite_coefficient(2, u.b[i]);
    c34w[i] = u.a[i] *
              (hermite_coefficient(3, u.b[i]) + hermite_coefficient(4, u.b[i]) * P.row(i).dot(eta));
  }
  // Both sides as row-major Matrix, as the estimates are stored.
  auto relative = [](const Matrix& est, const Matrix& model) {
    const double norm = est.squaredNorm();
    return norm > 0.0 ? (est - model).squaredNorm() / norm : 0.0;
  };
  double total = relative(pencils.M2U, P.transpose() * c2w.asDiagonal() * P);
  for (std::size_t k = 0; k < gammas.size(); ++k) {
    const Vector weights = c34w.cwiseProduct(P * gammas[k]);
    total += relative(c34.M3[k] + c34.M4[k], P.transpose() * weights.asDiagonal() * P);
  }
  return std::isfinite(total) ? total : std::numeric_limits<double>::infinity();
}

}  // namespace hardnets::tensor
