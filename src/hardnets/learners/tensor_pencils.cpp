#include "hardnets/learners/tensor_pencils.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <utility>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/SVD>

namespace hardnets::tensor {

Directions draw_directions(Seed seed, Eigen::Index m, std::size_t count) {
  Rng rng = Rng(seed, stream_id("tensor")).substream("directions");
  auto unit_vector = [&]() {
    Vector v(m);
    rng.fill_sphere({v.data(), static_cast<std::size_t>(m)});
    return v;
  };
  Directions dirs;
  dirs.eta = unit_vector();
  for (std::size_t k = 0; k < count; ++k) dirs.gammas.push_back(unit_vector());
  return dirs;
}

Pencils pencil_moments(const Matrix& X, const Vector& y, const Subspace& subspace,
                       Directions directions, int threads) {
  const Eigen::Index n = X.rows(), m = subspace.U.cols();
  const Matrix& U = subspace.U;
  Matrix Z(n, m);
  for_each_block(n, threads, [&](Eigen::Index r0, Eigen::Index count) {
    Z.middleRows(r0, count).noalias() = X.middleRows(r0, count) * U;
  });
  Pencils p;
  // Constructed, not assigned: assigning a product evaluates it into a
  // row-major temporary first, in another summation order.
  p.M2U = Eigen::MatrixXd(U.transpose() * subspace.M2 * U);
  const Vector UT1 = U.transpose() * subspace.T1;
  p.r1.resize(n);
  p.r2.resize(n);
  {
    const double trace = p.M2U.trace();
    const Matrix M2Ur = p.M2U;
    for_each_block(n, threads, [&](Eigen::Index r0, Eigen::Index count) {
      const auto Zb = Z.middleRows(r0, count);
      p.r1.segment(r0, count) =
          (y.segment(r0, count).array() - subspace.mean_y).matrix() - Zb * UT1;
      const Vector quad = (Zb * M2Ur).cwiseProduct(Zb).rowwise().sum();
      p.r2.segment(r0, count) = p.r1.segment(r0, count) - 0.5 * (quad.array() - trace).matrix();
    });
  }
  p.slices = hermite_contractions(Z, p.r2, directions.gammas, directions.eta, threads);
  p.directions = std::move(directions);
  return p;
}

double atan_gap(const std::vector<double>& lambda) {
  if (lambda.size() < 2) return std::numbers::pi;
  std::vector<double> angle;
  for (double l : lambda) angle.push_back(std::atan(l));
  std::sort(angle.begin(), angle.end());
  double gap = std::numbers::pi - (angle.back() - angle.front());
  for (std::size_t i = 1; i < angle.size(); ++i) gap = std::min(gap, angle[i] - angle[i - 1]);
  return gap;
}

double relative_gap(const std::vector<double>& lambda) {
  if (lambda.size() < 2) return 1.0;
  std::vector<double> sorted = lambda;
  std::sort(sorted.begin(), sorted.end());
  double scale = 0.0, gap = std::numeric_limits<double>::infinity();
  for (double l : sorted) scale = std::max(scale, std::abs(l));
  for (std::size_t i = 1; i < sorted.size(); ++i) gap = std::min(gap, sorted[i] - sorted[i - 1]);
  return scale > 0.0 ? gap / scale : 0.0;
}

double condition_number(const Matrix& A) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(A);
  const auto& s = svd.singularValues();
  if (s.size() == 0) return 1.0;
  const double lo = s[s.size() - 1];
  return lo > 0.0 ? s[0] / lo : std::numeric_limits<double>::infinity();
}

Jennrich jennrich(const Pencils& pencils, std::size_t trials, bool pair_pencil) {
  const Eigen::Index m = pencils.M2U.rows();
  const Contractions& c34 = pencils.slices;
  double best_gap = -1.0, best_imag = 0.0, best_cond = 0.0;
  Matrix Omega(m, m);  // rows: Uᵀŵ_i (unit)
  for (std::size_t p = 0; p < trials; ++p) {
    const Eigen::MatrixXd A1 = pair_pencil ? Eigen::MatrixXd(c34.M3[2 * p] + c34.M4[2 * p])
                                           : Eigen::MatrixXd(c34.M3[p] + c34.M4[p]);
    const Eigen::MatrixXd A2 =
        pair_pencil ? Eigen::MatrixXd(c34.M3[2 * p + 1] + c34.M4[2 * p + 1]) : pencils.M2U;
    // prod = A2⁻¹ A1; its transpose A1 A2⁻¹ has eigenvectors Uᵀw_i.
    const Eigen::MatrixXd prod = A2.partialPivLu().solve(A1);
    const Eigen::EigenSolver<Eigen::MatrixXd> es(prod.transpose());
    if (es.info() != Eigen::Success) continue;
    std::vector<double> lambda;
    double imag = 0.0, scale = 0.0;
    Matrix rows(m, m);
    for (Eigen::Index i = 0; i < m; ++i) {
      const std::complex<double> l = es.eigenvalues()[i];
      lambda.push_back(l.real());
      imag = std::max(imag, std::abs(l.imag()));
      scale = std::max(scale, std::abs(l));
      Vector v = es.eigenvectors().col(i).real();
      const double norm = v.norm();
      rows.row(i) = (norm > 0.0 ? Vector(v / norm) : Vector(Vector::Unit(m, i))).transpose();
    }
    if (!rows.allFinite()) continue;
    const double gap = pair_pencil ? atan_gap(lambda) : relative_gap(lambda);
    if (gap > best_gap) {
      best_gap = gap;
      best_imag = scale > 0.0 ? imag / scale : 0.0;
      best_cond = condition_number(A2);
      Omega = rows;
    }
  }
  Jennrich j;
  j.ok = best_gap >= 0.0;
  j.Omega = j.ok ? Omega : Matrix(Matrix::Identity(m, m));
  j.gap = j.ok ? best_gap : 0.0;
  j.imag = best_imag;
  j.condition = best_cond;
  return j;
}

}  // namespace hardnets::tensor
