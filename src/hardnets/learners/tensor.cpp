#include "hardnets/learners/tensor.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <numeric>
#include <vector>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/SVD>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/units.h"
#include "hardnets/numerics/adam.h"

namespace hardnets::tensor {

using units::Units;
namespace {

const LearnerRegistration kRegister{std::make_unique<TensorLearner>()};

// Rows per unit of work: a unit's partial sums do not depend on the thread
// count, and units are added in order.
constexpr Eigen::Index kBlockRows = 4096;
// Units processed between two ordered reductions (bounds the partials kept).
constexpr std::int64_t kWave = 64;
// Read-off biases are clipped to ±kMaxBias: beyond it φ(b) < 1.5e-6 and a unit
// is indistinguishable from a linear function at any sample size we run.
constexpr double kMaxBias = 5.0;

double phi(double b) {
  return std::exp(-0.5 * b * b) / std::sqrt(2.0 * std::numbers::pi);
}
double big_phi(double b) {
  return 0.5 * std::erfc(-b / std::numbers::sqrt2);
}

// Σ over fixed row blocks of `fn(acc, r0, count)`, each block into its own
// zero accumulator (from `zero()`), the blocks added in order with `add`.
template <typename Acc, typename Zero, typename Fn, typename Add>
Acc blocked_sum(Eigen::Index n, int threads, Zero&& zero, Fn&& fn, Add&& add) {
  const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
  Acc total = zero();
  for (std::int64_t w0 = 0; w0 < units; w0 += kWave) {
    const std::int64_t count = std::min(kWave, units - w0);
    std::vector<Acc> partial(static_cast<std::size_t>(count));
    parallel_for(count, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        Acc& acc = partial[static_cast<std::size_t>(u)];
        acc = zero();
        const Eigen::Index r0 = (w0 + u) * kBlockRows;
        fn(acc, r0, std::min(kBlockRows, n - r0));
      }
    });
    for (auto& p : partial) add(total, p);
  }
  return total;
}

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

// Min over pairs of |atan λ_i - atan λ_j|, angles taken modulo π (λ → ±∞ is
// one direction): the separation of the Jennrich eigenvalues, in radians.
double atan_gap(const std::vector<double>& lambda) {
  if (lambda.size() < 2) return std::numbers::pi;
  std::vector<double> angle;
  for (double l : lambda) angle.push_back(std::atan(l));
  std::sort(angle.begin(), angle.end());
  double gap = std::numbers::pi - (angle.back() - angle.front());
  for (std::size_t i = 1; i < angle.size(); ++i) gap = std::min(gap, angle[i] - angle[i - 1]);
  return gap;
}

// Min over pairs of |λ_i - λ_j| / max |λ| (1 for a single eigenvalue).
double relative_gap(const std::vector<double>& lambda) {
  if (lambda.size() < 2) return 1.0;
  std::vector<double> sorted = lambda;
  std::sort(sorted.begin(), sorted.end());
  double scale = 0.0, gap = std::numeric_limits<double>::infinity();
  for (double l : sorted) scale = std::max(scale, std::abs(l));
  for (std::size_t i = 1; i < sorted.size(); ++i) gap = std::min(gap, sorted[i] - sorted[i - 1]);
  return scale > 0.0 ? gap / scale : 0.0;
}

// Condition number (largest / smallest singular value) of a matrix.
double condition(const Matrix& A) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(A);
  const auto& s = svd.singularValues();
  if (s.size() == 0) return 1.0;
  const double lo = s[s.size() - 1];
  return lo > 0.0 ? s[0] / lo : std::numeric_limits<double>::infinity();
}

// Dual vectors of unit rows Ŵ (m x d, full row rank): the columns of
// V = Ŵᵀ(ŴŴᵀ)⁻¹, so that ⟨ŵ_j, v_i⟩ = δ_ij and v_i lies in the rows' span.
Matrix dual_vectors(const Matrix& What) {
  const Eigen::MatrixXd gram = What * What.transpose();
  const Eigen::MatrixXd inverse = gram.fullPivLu().inverse();
  return What.transpose() * inverse;
}

// Largest sin(angle) between corresponding unit rows of A and B.
double max_sin_between_rows(const Matrix& A, const Matrix& B) {
  double worst = 0.0;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    const double c = std::clamp(A.row(i).dot(B.row(i)), -1.0, 1.0);
    worst = std::max(worst, std::sqrt(std::max(0.0, 1.0 - c * c)));
  }
  return worst;
}

std::vector<double> to_std(const Vector& v) {
  return {v.data(), v.data() + v.size()};
}

}  // namespace

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

TensorLearner::TensorLearner() : spec_("tensor") {
  spec_
      .integer("width", 0, 0, 65536,
               "hidden units m (at most d); 0 = the task's hidden_width when it has one")
      .integer("trials", 8, 1, 1000,
               "Jennrich pencils (random γ) tried; the one with the best separated eigenvalues is "
               "kept")
      .choice("pencil", "m2", {"m2", "pair"},
              "Jennrich pencil: m2 = A(γ)·M2⁻¹ (M2 is the best-estimated moment), pair = "
              "A(γ)·A(γ')⁻¹ (the classical two-slice form)")
      .real("ridge", 1e-6, 0.0, 1e12,
            "ridge λ of the final least squares on {relu(ŵ·x + b̂)} ∪ {x, 1} (normalised Gram; "
            "the intercept is not penalised)")
      .integer("sgd_epochs", 0, 0, 1'000'000,
               "epochs of mini-batch Adam on the whole network after the ridge step (0 = none)")
      .real("sgd_lr", 1e-3, 0.0, 10.0, "Adam learning rate of the refinement", true)
      .integer("sgd_batch", 1024, 1, 1'000'000'000,
               "refinement mini-batch: consecutive rows, in order (deterministic)")
      .integer("refine", 2, 0, 100,
               "dual power steps on the directions after Jennrich (each one pass over the data: "
               "T3(·,v,v), T4(·,v,v,v) for the dual vectors v; 0 = Jennrich's directions as they "
               "are)");
}

Fit TensorLearner::fit(const Dataset& train, const Params& params,
                       const LearnerContext& ctx) const {
  check_training_set("tensor", train, true);
  const Stopwatch clock;
  const int threads = std::max(1, ctx.threads);
  const Eigen::Index n = train.size(), d = train.dim();
  std::int64_t width = params.integer("width");
  if (width == 0) {
    width = task_integer(
        ctx.task, kHiddenWidth, "tensor", "width = 0",
        fmt::format("pass -l width=M (the number of hidden units, 1 <= M <= d = {})", d));
  }
  if (width < 1 || width > d) {
    fail("tensor: width must be in [1, d = {}] (the moment method needs m <= d), got {}", d, width);
  }
  const Eigen::Index m = width;
  const auto trials = static_cast<std::size_t>(params.integer("trials"));
  const double ridge = params.real("ridge");
  const std::int64_t sgd_epochs = params.integer("sgd_epochs");
  Fit fit;
  const Matrix& X = train.X;
  const Vector& y = train.y;
  double mark = clock.seconds();
  auto phase = [&](const char* name) {
    const double now = clock.seconds();
    fit.stats[name] = now - mark;
    mark = now;
  };

  // 1. M2 and its top-m eigenspace (by |eigenvalue|).
  // A first cheap pass for ȳ and T1, so that M2 is estimated from the residual
  // y - ȳ - ⟨T1, x⟩ (M2 is orthogonal to degree ≤ 1; same mean, less variance).
  struct Linear {
    Vector yx;
    double y = 0.0;
  };
  const Linear lin = blocked_sum<Linear>(
      n, threads,
      [&] {
        return Linear{Vector::Zero(d), 0.0};
      },
      [&](Linear& acc, Eigen::Index r0, Eigen::Index count) {
        acc.yx.noalias() += X.middleRows(r0, count).transpose() * y.segment(r0, count);
        acc.y += y.segment(r0, count).sum();
      },
      [](Linear& t, const Linear& q) {
        t.yx += q.yx;
        t.y += q.y;
      });
  const double inv_n = 1.0 / static_cast<double>(n);
  Vector r0_res(n);
  {
    const Vector T1 = lin.yx * inv_n;
    const double ybar = lin.y * inv_n;
    const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
    parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        const Eigen::Index r0 = u * kBlockRows, count = std::min(kBlockRows, n - r0);
        r0_res.segment(r0, count) =
            (y.segment(r0, count).array() - ybar).matrix() - X.middleRows(r0, count) * T1;
      }
    });
  }
  Contractions c2 = hermite_contractions(X, r0_res, {}, Vector(), threads);
  c2.mean_y = lin.y * inv_n;
  c2.T1 = lin.yx * inv_n;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Eigen::MatrixXd(c2.M2));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(d));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const Vector ev = eig.eigenvalues();
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index p, Eigen::Index q) {
    return std::abs(ev[p]) > std::abs(ev[q]);
  });
  Matrix U(d, m);
  for (Eigen::Index k = 0; k < m; ++k) {
    U.col(k) = eig.eigenvectors().col(order[static_cast<std::size_t>(k)]);
  }
  const double l1 = std::abs(ev[order[0]]);
  const double lm = std::abs(ev[order[static_cast<std::size_t>(m - 1)]]);
  const double lnext = m < d ? std::abs(ev[order[static_cast<std::size_t>(m)]]) : 0.0;
  fit.stats["m2_gap"] = l1 > 0.0 ? (lm - lnext) / l1 : 0.0;
  fit.stats["m2_condition"] = lm > 0.0 ? l1 / lm : std::numeric_limits<double>::infinity();
  phase("seconds_m2");

  // 2. Project onto U and estimate A(γ) = M3(γ) + M4(γ, η) there.
  Matrix Z(n, m);
  {
    const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
    parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        const Eigen::Index r0 = u * kBlockRows, count = std::min(kBlockRows, n - r0);
        Z.middleRows(r0, count).noalias() = X.middleRows(r0, count) * U;
      }
    });
  }
  Rng rng = Rng(ctx.seed, stream_id("tensor")).substream("directions");
  auto unit_vector = [&]() {
    Vector v(m);
    rng.fill_sphere({v.data(), static_cast<std::size_t>(m)});
    return v;
  };
  const Vector eta = unit_vector();
  const bool pair_pencil = params.text("pencil") == "pair";
  const std::size_t n_gamma = pair_pencil ? 2 * trials : trials;
  std::vector<Vector> gammas;
  for (std::size_t k = 0; k < n_gamma; ++k) gammas.push_back(unit_vector());
  // Variance reduction: orders 3 and 4 are orthogonal to every polynomial of
  // degree ≤ 2, so subtracting y's Hermite expansion up to degree 2,
  //   ȳ + ⟨T1, x⟩ + ½(xᵀM2x - tr M2)  (restricted to span U),
  // leaves T3 and T4 unchanged and removes most of y's variance (for one ReLU
  // at b = 0 the residual keeps 2% of it). r1 stops at degree 1 (for κ_2).
  const Eigen::MatrixXd M2U = U.transpose() * c2.M2 * U;
  const Vector UT1 = U.transpose() * c2.T1;
  Vector r1(n), r2(n);
  {
    const double trace = M2U.trace();
    const Matrix M2Ur = M2U;
    const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
    parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        const Eigen::Index r0 = u * kBlockRows, count = std::min(kBlockRows, n - r0);
        const auto Zb = Z.middleRows(r0, count);
        r1.segment(r0, count) = (y.segment(r0, count).array() - c2.mean_y).matrix() - Zb * UT1;
        const Vector quad = (Zb * M2Ur).cwiseProduct(Zb).rowwise().sum();
        r2.segment(r0, count) = r1.segment(r0, count) - 0.5 * (quad.array() - trace).matrix();
      }
    });
  }
  const Contractions c34 = hermite_contractions(Z, r2, gammas, eta, threads);

  // 3. Jennrich on each pencil; keep the one with the best separated eigenvalues.
  // m2:   A(γ) (UᵀM2U)⁻¹, eigenvalues ⟨w_i,γ⟩(c3 + c4⟨w_i,η⟩)/c2 = ⟨w_i,γ⟩(-b_i + (b_i²-1)⟨w_i,η⟩);
  //       separation min_{i≠j} |λ_i - λ_j| / max |λ|.
  // pair: A(γ) A(γ')⁻¹, eigenvalues ⟨w_i,γ⟩/⟨w_i,γ'⟩; separation min |atan λ_i - atan λ_j|.
  // Both have eigenvectors Uᵀw_i.
  double best_gap = -1.0, best_imag = 0.0, best_cond = 0.0;
  Matrix Omega(m, m);  // rows: Uᵀŵ_i (unit)
  for (std::size_t p = 0; p < trials; ++p) {
    const Eigen::MatrixXd A1 = pair_pencil ? Eigen::MatrixXd(c34.M3[2 * p] + c34.M4[2 * p])
                                           : Eigen::MatrixXd(c34.M3[p] + c34.M4[p]);
    const Eigen::MatrixXd A2 =
        pair_pencil ? Eigen::MatrixXd(c34.M3[2 * p + 1] + c34.M4[2 * p + 1]) : M2U;
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
      best_cond = condition(A2);
      Omega = rows;
    }
  }
  if (best_gap < 0.0) {
    fit.status = "diverged";
    fit.message = "tensor: Jennrich's eigen-decomposition failed for every pencil";
    Omega = Matrix::Identity(m, m);
    best_gap = 0.0;
  }
  fit.stats["eigen_gap"] = best_gap;
  fit.stats["jennrich_imag"] = best_imag;
  fit.stats["jennrich_condition"] = best_cond;
  phase("seconds_jennrich");

  // 4. Read-off for given unit rows Ŵ: κ_ℓ = T_ℓ(v_i, ..., v_i) = a_i c_ℓ(b_i)
  // for the dual vectors v_i (columns of V = Ŵᵀ(ŴŴᵀ)⁻¹, so ⟨ŵ_j, v_i⟩ = δ_ij).
  // κ_2 from r1 (degree ≤ 1 removed), κ_3 and κ_4 from r2 (degree ≤ 2
  // removed): removing lower degrees leaves each unchanged. One pass.
  struct Recovered {
    Units units;  // unit rows signed by T1, b̂, â
    double consistency = 0.0;
    int flips = 0;
  };
  auto read_off = [&](Matrix What) {
    const Matrix V = dual_vectors(What);
    const Vector nu2 = V.colwise().squaredNorm().transpose();
    struct Kappa {
      Vector k2, k3, k4;
    };
    const Kappa kappa = blocked_sum<Kappa>(
        n, threads,
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
    Recovered r{Units{std::move(What), Vector(m), Vector(m)}};
    for (Eigen::Index i = 0; i < m; ++i) {
      const double k2 = kappa.k2[i] * inv_n, k3 = kappa.k3[i] * inv_n, k4 = kappa.k4[i] * inv_n;
      double b = k2 != 0.0 ? std::clamp(-k3 / k2, -kMaxBias, kMaxBias) : 0.0;
      if (!std::isfinite(b)) b = 0.0;
      const double a = k2 / phi(b);
      r.consistency = std::max(r.consistency, std::abs(k4 / k2 - (b * b - 1.0)));
      // Sign: ⟨v_i, T1⟩ = a Φ(b) for the right orientation.
      const double tau = V.col(i).dot(c2.T1);
      if (std::abs(-tau - a * big_phi(-b)) < std::abs(tau - a * big_phi(b))) {
        r.units.W.row(i) *= -1.0;
        b = -b;
        ++r.flips;
      }
      r.units.b[i] = b;
      r.units.a[i] = a;
    }
    return r;
  };
  // How well units explain the moments already estimated in span U: the
  // relative squared residual of UᵀM2U = Σ a c_2(b) u uᵀ and of every pencil
  // slice A(γ) = Σ a (c_3(b) + c_4(b)⟨u,η⟩)⟨u,γ⟩ u uᵀ (u = Uᵀŵ), summed. The
  // method-of-moments objective: it picks among the refinement's iterates.
  auto moment_residual = [&](const Units& u) {
    const Matrix P = u.W * U;  // rows Uᵀŵ_i
    Vector c2w(m), c34w(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      c2w[i] = u.a[i] * hermite_coefficient(2, u.b[i]);
      c34w[i] = u.a[i] * (hermite_coefficient(3, u.b[i]) +
                          hermite_coefficient(4, u.b[i]) * P.row(i).dot(eta));
    }
    auto relative = [](const Matrix& est, const Matrix& model) {
      const double norm = est.squaredNorm();
      return norm > 0.0 ? (est - model).squaredNorm() / norm : 0.0;
    };
    double total = relative(M2U, P.transpose() * c2w.asDiagonal() * P);
    const std::size_t slices = pair_pencil ? 2 * trials : trials;
    for (std::size_t k = 0; k < slices; ++k) {
      const Vector weights = c34w.cwiseProduct(P * gammas[k]);
      total += relative(c34.M3[k] + c34.M4[k], P.transpose() * weights.asDiagonal() * P);
    }
    return std::isfinite(total) ? total : std::numeric_limits<double>::infinity();
  };

  // 5. Refinement in the full input space: `refine` dual power steps (see
  // dual_power_step), which remove the error Jennrich's pencil and the
  // subspace U left, down to sampling noise when W is well conditioned. When
  // it is not (dual vectors of norm ~1/s_min(W) amplify the noise) the steps
  // can wander off, so every iterate, Jennrich's included, is read off and
  // the one with the smallest moment residual is kept.
  Recovered best = read_off(Omega * U.transpose());
  double best_residual = moment_residual(best.units);
  fit.stats["moment_residual_jennrich"] = best_residual;
  std::int64_t chosen = 0;
  double last_change = 0.0;
  Matrix rows = best.units.W;
  const std::int64_t refine = params.integer("refine");
  for (std::int64_t it = 1; it <= refine; ++it) {
    const Matrix next = dual_power_step(X, r2, rows, threads);
    last_change = max_sin_between_rows(rows, next);
    rows = next;
    Recovered candidate = read_off(rows);
    const double residual = moment_residual(candidate.units);
    if (residual < best_residual) {
      best_residual = residual;
      best = std::move(candidate);
      chosen = it;
    }
  }
  const Matrix& What = best.units.W;
  const Vector& bhat = best.units.b;
  fit.stats["refine_change"] = last_change;
  fit.stats["refine_chosen"] = static_cast<double>(chosen);
  fit.stats["moment_residual"] = best_residual;
  fit.stats["w_condition"] = condition(What);
  fit.stats["bias_consistency"] = std::isfinite(best.consistency) ? best.consistency : 1e300;
  fit.stats["sign_flips"] = best.flips;
  fit.output = units::units_json(best.units);
  phase("seconds_refine");

  // 6. Ridge on [relu(ŵ·x + b̂), x, 1].
  const Matrix WhatT = What.transpose();
  const Eigen::Index p = m + d + 1;
  struct Normal {
    Matrix FF;
    Vector Fy;
  };
  auto features = [&](Eigen::Index r0, Eigen::Index count) {
    Matrix F(count, p);
    F.leftCols(m) = ((X.middleRows(r0, count) * WhatT).rowwise() + bhat.transpose()).cwiseMax(0.0);
    F.middleCols(m, d) = X.middleRows(r0, count);
    F.col(p - 1).setOnes();
    return F;
  };
  const Normal normal = blocked_sum<Normal>(
      n, threads,
      [&] {
        return Normal{Matrix::Zero(p, p), Vector::Zero(p)};
      },
      [&](Normal& acc, Eigen::Index r0, Eigen::Index count) {
        const Matrix F = features(r0, count);
        acc.FF.noalias() += F.transpose() * F;
        acc.Fy.noalias() += F.transpose() * y.segment(r0, count);
      },
      [](Normal& t, const Normal& q) {
        t.FF += q.FF;
        t.Fy += q.Fy;
      });
  Eigen::MatrixXd lhs = normal.FF * inv_n;
  for (Eigen::Index k = 0; k + 1 < p; ++k) lhs(k, k) += ridge;
  const Eigen::VectorXd theta = lhs.ldlt().solve(Eigen::VectorXd(normal.Fy * inv_n));
  if (!theta.allFinite()) {
    fit.status = "diverged";
    fit.message = "tensor: the ridge system is singular; raise ridge";
  }
  ReluNet net({static_cast<int>(d), static_cast<int>(m + 2), 1});
  {
    auto& L0 = net.layers()[0];
    auto& L1 = net.layers()[1];
    L0.W.topRows(m) = What;
    L0.b.head(m) = bhat;
    L1.W.leftCols(m) = theta.head(m).transpose();
    L0.W.row(m) = theta.segment(m, d).transpose();
    L0.W.row(m + 1) = -theta.segment(m, d).transpose();
    L1.W(0, m) = 1.0;
    L1.W(0, m + 1) = -1.0;
    L1.b[0] = theta[p - 1];
  }
  auto train_loss = [&](const ReluNet& f) {
    return blocked_sum<double>(
               n, threads, [] { return 0.0; },
               [&](double& acc, Eigen::Index r0, Eigen::Index count) {
                 acc += (f.forward(X.middleRows(r0, count)) - y.segment(r0, count)).squaredNorm();
               },
               [](double& t, double q) { t += q; }) *
           inv_n;
  };
  fit.stats["ridge_loss"] = train_loss(net);
  fit.output["ridge"] = Json{{"a", to_std(theta.head(m))},
                             {"linear", to_std(theta.segment(m, d))},
                             {"intercept", theta[p - 1]}};
  phase("seconds_ridge");

  // 7. Optional Adam refinement (mini-batches of consecutive rows, in order).
  if (sgd_epochs > 0 && fit.status == "ok") {
    const double lr = params.real("sgd_lr");
    const Eigen::Index batch = std::min<Eigen::Index>(params.integer("sgd_batch"), n);
    Eigen::VectorXd theta_net = net.flat();
    Adam<double> adam(AdamSettings{}, theta_net.size(), AdamForm::kTextbook);
    std::int64_t epoch = 0;
    ReluNet grad_net = net;
    std::vector<DenseLayer> grad;
    for (; epoch < sgd_epochs; ++epoch) {
      if (clock.seconds() > ctx.time_limit_seconds) break;
      for (Eigen::Index r0 = 0; r0 < n; r0 += batch) {
        const Eigen::Index count = std::min(batch, n - r0);
        net.loss_and_gradient(X.middleRows(r0, count), y.segment(r0, count), &grad);
        grad_net.layers() = grad;
        const Eigen::VectorXd gflat = grad_net.flat();
        adam.step(theta_net.data(), gflat.data(), lr);
        net.set_flat(theta_net);
      }
    }
    fit.stats["sgd_epochs_run"] = static_cast<double>(epoch);
    const double refined = train_loss(net);
    fit.stats["refined_loss"] = refined;
    if (!std::isfinite(refined)) {
      fit.status = "diverged";
      fit.message = fmt::format("tensor: Adam refinement diverged (sgd_lr = {}); lower sgd_lr", lr);
    } else if (epoch < sgd_epochs) {
      fit.status = "timeout";
      fit.message = fmt::format("time limit of {} s reached after {} of {} refinement epochs",
                                ctx.time_limit_seconds, epoch, sgd_epochs);
    }
    fit.output["refined"] = units::units_json(units::normalised_units(net, m));
    phase("seconds_sgd");
  }
  fit.stats[metric::kTrainLoss] = train_loss(net);
  fit.stats[metric::kSamples] = static_cast<double>(n);
  fit.output["network"] = net.to_json();
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::tensor
