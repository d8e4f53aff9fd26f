#include "hardnets/learners/tensor_moments.h"

#include <cmath>
#include <numbers>

#include "hardnets/core/error.h"

namespace hardnets::tensor {
namespace {

// Raw sums of one pass of hermite_contractions.
struct RawSums {
  Matrix yxx;              // Σ y x xᵀ
  std::vector<Matrix> s3;  // Σ y s_k x xᵀ
  std::vector<Matrix> s4;  // Σ y s_k t x xᵀ
  Vector yx, ytx;          // Σ y x, Σ y t x
  Matrix ysx;              // column k: Σ y s_k x
  double y = 0.0;          // Σ y
  Vector ys, yst;          // Σ y s_k, Σ y s_k t
};

// Σ_r w_r x_r x_rᵀ over the rows of Xb.
void add_weighted_gram(Matrix& G, const Matrix& Xb, const Vector& w) {
  const Matrix wx = (Xb.array().colwise() * w.array()).matrix();
  G.noalias() += Xb.transpose() * wx;
}

// Symmetric outer sum u vᵀ + v uᵀ.
Matrix sym_outer(const Vector& u, const Vector& v) {
  return u * v.transpose() + v * u.transpose();
}
}  // namespace

double phi(double b) {
  return std::exp(-0.5 * b * b) / std::sqrt(2.0 * std::numbers::pi);
}
double big_phi(double b) {
  return 0.5 * std::erfc(-b / std::numbers::sqrt2);
}

double hermite_coefficient(int order, double b) {
  switch (order) {
    case 0:
      return phi(b) + b * big_phi(b);
    case 1:
      return big_phi(b);
    case 2:
      return phi(b);
    case 3:
      return -b * phi(b);
    case 4:
      return (b * b - 1.0) * phi(b);
    default:
      fail("tensor: hermite_coefficient order must be in [0, 4], got {}", order);
  }
}

Contractions hermite_contractions(const Matrix& X, const Vector& y, const std::vector<Vector>& gs,
                                  const Vector& h, int threads) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const auto K = static_cast<Eigen::Index>(gs.size());
  if (y.size() != n) fail("tensor: {} input rows but {} labels", n, y.size());
  if (n == 0) fail("tensor: no samples to estimate moments from");
  Matrix G(d, K);
  for (Eigen::Index k = 0; k < K; ++k) {
    if (gs[static_cast<std::size_t>(k)].size() != d) fail("tensor: contraction vector dimension");
    G.col(k) = gs[static_cast<std::size_t>(k)];
  }
  if (K > 0 && h.size() != d) fail("tensor: contraction vector h has the wrong dimension");

  auto zero = [&] {
    RawSums s;
    s.yxx = Matrix::Zero(d, d);
    s.s3.assign(static_cast<std::size_t>(K), Matrix::Zero(d, d));
    s.s4.assign(static_cast<std::size_t>(K), Matrix::Zero(d, d));
    s.yx = Vector::Zero(d);
    s.ytx = Vector::Zero(d);
    s.ysx = Matrix::Zero(d, K);
    s.ys = Vector::Zero(K);
    s.yst = Vector::Zero(K);
    return s;
  };
  auto block = [&](RawSums& s, Eigen::Index r0, Eigen::Index count) {
    const Matrix Xb = X.middleRows(r0, count);
    const Vector yb = y.segment(r0, count);
    add_weighted_gram(s.yxx, Xb, yb);
    s.yx.noalias() += Xb.transpose() * yb;
    s.y += yb.sum();
    if (K == 0) return;
    const Matrix S = Xb * G;  // s_k per row
    const Vector t = Xb * h;
    const Vector yt = yb.cwiseProduct(t);
    s.ytx.noalias() += Xb.transpose() * yt;
    for (Eigen::Index k = 0; k < K; ++k) {
      const Vector ys = yb.cwiseProduct(S.col(k));
      const Vector yst = ys.cwiseProduct(t);
      add_weighted_gram(s.s3[static_cast<std::size_t>(k)], Xb, ys);
      add_weighted_gram(s.s4[static_cast<std::size_t>(k)], Xb, yst);
      s.ysx.col(k).noalias() += Xb.transpose() * ys;
      s.ys[k] += ys.sum();
      s.yst[k] += yst.sum();
    }
  };
  auto add = [&](RawSums& total, const RawSums& p) {
    total.yxx += p.yxx;
    for (Eigen::Index k = 0; k < K; ++k) {
      total.s3[static_cast<std::size_t>(k)] += p.s3[static_cast<std::size_t>(k)];
      total.s4[static_cast<std::size_t>(k)] += p.s4[static_cast<std::size_t>(k)];
    }
    total.yx += p.yx;
    total.ytx += p.ytx;
    total.ysx += p.ysx;
    total.y += p.y;
    total.ys += p.ys;
    total.yst += p.yst;
  };
  const RawSums s = blocked_sum<RawSums>(n, std::max(1, threads), zero, block, add);

  const double inv = 1.0 / static_cast<double>(n);
  const Matrix I = Matrix::Identity(d, d);
  Contractions c;
  c.mean_y = s.y * inv;
  c.T1 = s.yx * inv;
  const Matrix Eyxx = s.yxx * inv;
  c.M2 = Eyxx - c.mean_y * I;
  const Vector Eytx = s.ytx * inv;
  for (Eigen::Index k = 0; k < K; ++k) {
    const Vector& g = gs[static_cast<std::size_t>(k)];
    const Vector Eysx = s.ysx.col(k) * inv;
    const double Eys = s.ys[k] * inv, Eyst = s.yst[k] * inv;
    c.M3.push_back(s.s3[static_cast<std::size_t>(k)] * inv - Eys * I - sym_outer(c.T1, g));
    c.M4.push_back(s.s4[static_cast<std::size_t>(k)] * inv - Eyst * I - g.dot(h) * c.M2 -
                   sym_outer(Eytx, g) - sym_outer(Eysx, h) + c.mean_y * sym_outer(g, h));
  }
  return c;
}

}  // namespace hardnets::tensor
