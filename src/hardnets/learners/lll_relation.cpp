#include "hardnets/learners/lll_relation.h"

#include <algorithm>
#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<LllRelationLearner>()};

// Solves A M = R in place (A: d×d row-major, R: d×m row-major) by Gaussian
// elimination with partial pivoting; R holds M afterwards. UserError if A is
// singular at this precision.
void solve_mp(lattice::MpArray& A, lattice::MpArray& R, int d, int m, mpfr_prec_t prec) {
  lattice::MpArray tmp(1, prec);
  auto a = [&](int r, int c) { return A[static_cast<std::size_t>(r * d + c)]; };
  auto b = [&](int r, int c) { return R[static_cast<std::size_t>(r * m + c)]; };
  for (int col = 0; col < d; ++col) {
    int pivot = col;
    for (int r = col + 1; r < d; ++r)
      if (mpfr_cmpabs(a(r, col), a(pivot, col)) > 0) pivot = r;
    if (mpfr_zero_p(a(pivot, col)))
      fail("lll_relation: the first d samples are linearly dependent");
    if (pivot != col) {
      for (int c = 0; c < d; ++c) mpfr_swap(a(pivot, c), a(col, c));
      for (int c = 0; c < m; ++c) mpfr_swap(b(pivot, c), b(col, c));
    }
    for (int r = col + 1; r < d; ++r) {
      mpfr_div(tmp[0], a(r, col), a(col, col), MPFR_RNDN);
      for (int c = col; c < d; ++c)
        mpfr_fms(a(r, c), tmp[0], a(col, c), a(r, c), MPFR_RNDN),
            mpfr_neg(a(r, c), a(r, c), MPFR_RNDN);
      for (int c = 0; c < m; ++c)
        mpfr_fms(b(r, c), tmp[0], b(col, c), b(r, c), MPFR_RNDN),
            mpfr_neg(b(r, c), b(r, c), MPFR_RNDN);
    }
  }
  for (int col = d - 1; col >= 0; --col)
    for (int c = 0; c < m; ++c) {
      for (int k = col + 1; k < d; ++k) {
        mpfr_mul(tmp[0], a(col, k), b(k, c), MPFR_RNDN);
        mpfr_sub(b(col, c), b(col, c), tmp[0], MPFR_RNDN);
      }
      mpfr_div(b(col, c), b(col, c), a(col, col), MPFR_RNDN);
    }
}

}  // namespace

LllRelationLearner::LllRelationLearner() : spec_("lll_relation") {
  spec_.integer("n", 0, 0, 2000, "samples in the relation; 0 = d+1 (the sample-optimal attack)")
      .integer("scale_bits", 0, 0, 100000,
               "N: the relation is scaled by 2^N and rounded; 0 = noise-balanced default")
      .real("delta", 0.99, 0.25, 1.0, "LLL δ (Lovász constant)", true, true);
}

Fit LllRelationLearner::fit(const Dataset& train, const Params& params,
                            const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const AttackTask task = parse_task(ctx.task, "lll_relation", true, true);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(params.integer("n"), std::int64_t{d} + 1, train, "lll_relation");
  const int m = n - d;
  const bool labels = !task.clwe();
  const bool hom = task.clwe() && task.homogeneous;
  const bool tau_row = task.clwe() && !hom;
  const double noise = task.effective_noise();

  // Lattice shape: k block (n), ε block (n, labels) or τ (1, CLWE), then m constraints.
  const int unknowns = labels ? 2 * n : n;
  const int rows = unknowns + (tau_row ? 1 : 0);
  const int cols = rows + m;

  const double log_planted = std::log2(task.gamma * std::sqrt(static_cast<double>(n)));
  const double n_need = rows * std::max(log_planted, 1.0) + 0.04 * rows * rows;
  int N = static_cast<int>(params.integer("scale_bits"));
  if (N == 0) {
    N = static_cast<int>(std::ceil(log_planted - std::log2(noise)));
    if (task.noise == 0.0) N = std::min(N, static_cast<int>(std::ceil(2 * n_need + 40)));
    N = std::max(N, 8);
  }
  const int data_bits = task.z_mp.empty() ? 64 : task.precision_bits;
  const mpfr_prec_t prec = std::max(N, data_bits) + 128;

  const std::vector<Eigen::Index> used = select_samples(task, train, n);
  Matrix X(n, d);
  for (int i = 0; i < n; ++i) X.row(i) = train.X.row(used[static_cast<std::size_t>(i)]);

  // z (CLWE) or t (labels) in MPFR.
  MpArray val(static_cast<std::size_t>(n), prec);
  Vector val_d(n);
  if (!task.z_mp.empty() && static_cast<Eigen::Index>(task.z_mp.size()) != train.size())
    fail("lll_relation: task.z_mp has {} values for {} training samples", task.z_mp.size(),
         train.size());
  for (int i = 0; i < n; ++i) {
    const Eigen::Index row = used[static_cast<std::size_t>(i)];
    if (hom) {
      mpfr_set_zero(val[i], 1);
    } else if (labels) {
      mpfr_set_d(val[i], half_period_position(task.link, train.y[row]), MPFR_RNDN);
    } else if (!task.z_mp.empty()) {
      if (mpfr_set_str(val[i], task.z_mp[static_cast<std::size_t>(row)].c_str(), 10, MPFR_RNDN) !=
          0)
        fail("lll_relation: task.z_mp[{}] is not a decimal number", row);
    } else {
      mpfr_set_d(val[i], train.y[row], MPFR_RNDN);
    }
    val_d[i] = mpfr_get_d(val[i], MPFR_RNDN);
  }

  // Null vectors λ^{(j)}, j = d..n-1: solve X_[d]^T μ = x_j, λ = (μ, −1 at j) / norm.
  MpArray A(static_cast<std::size_t>(d * d), prec);
  MpArray R(static_cast<std::size_t>(d * m), prec);
  for (int r = 0; r < d; ++r)
    for (int c = 0; c < d; ++c)
      mpfr_set_d(A[static_cast<std::size_t>(r * d + c)], X(c, r), MPFR_RNDN);
  for (int r = 0; r < d; ++r)
    for (int j = 0; j < m; ++j)
      mpfr_set_d(R[static_cast<std::size_t>(r * m + j)], X(d + j, r), MPFR_RNDN);
  solve_mp(A, R, d, m, prec);
  MpArray lambda(static_cast<std::size_t>(n * m), prec);  // λ^{(j)}_i at i*m + j
  MpArray tmp(2, prec);
  auto lam = [&](int i, int j) { return lambda[static_cast<std::size_t>(i * m + j)]; };
  for (int j = 0; j < m; ++j) {
    mpfr_set_ui(tmp[0], 1, MPFR_RNDN);
    for (int i = 0; i < d; ++i) {
      mpfr_set(lam(i, j), R[static_cast<std::size_t>(i * m + j)], MPFR_RNDN);
      mpfr_fma(tmp[0], lam(i, j), lam(i, j), tmp[0], MPFR_RNDN);
    }
    for (int i = d; i < n; ++i) mpfr_set_si(lam(i, j), i == d + j ? -1 : 0, MPFR_RNDN);
    mpfr_sqrt(tmp[0], tmp[0], MPFR_RNDN);
    for (int i = 0; i < n; ++i) mpfr_div(lam(i, j), lam(i, j), tmp[0], MPFR_RNDN);
  }

  // The basis, rounded from 2^N × (MPFR values).
  IntBasis B(rows, cols);
  const int tau = static_cast<int>(std::ceil(task.gamma));
  for (int i = 0; i < n; ++i) {
    B[i][i] = 1L;
    if (labels) B[n + i][n + i] = 1L;
    for (int j = 0; j < m; ++j) {
      mpfr_mul_2si(tmp[0], lam(i, j), N, MPFR_RNDN);
      mpfr_get_z(B[i][rows + j].get_data(), tmp[0], MPFR_RNDN);
      if (labels) {
        mpfr_mul(tmp[1], tmp[0], val[i], MPFR_RNDN);
        mpfr_get_z(B[n + i][rows + j].get_data(), tmp[1], MPFR_RNDN);
      }
    }
  }
  if (tau_row) {
    B[n][n] = static_cast<long>(tau);
    for (int j = 0; j < m; ++j) {
      mpfr_set_zero(tmp[0], 1);
      for (int i = 0; i < n; ++i) mpfr_fma(tmp[0], lam(i, j), val[i], tmp[0], MPFR_RNDN);
      mpfr_mul_2si(tmp[0], tmp[0], N, MPFR_RNDN);
      mpfr_get_z(B[n][rows + j].get_data(), tmp[0], MPFR_RNDN);
    }
  }

  ReduceOptions options;
  options.delta = params.real("delta");
  options.time_limit_seconds = ctx.time_limit_seconds - clock.seconds();
  const ReduceResult reduced = reduce(B, options);

  // Read-off: rows of the planted shape; the constraint residual max_j |λ^{(j)ᵀ}(z + k)|
  // (labels: k + ε∘t) in MPFR, and the held-out check.
  const HeldOut check = held_out(train, used, 4096);
  const LeastSquares ls(X);
  MpArray u_mp(static_cast<std::size_t>(n), prec);
  Recovery best;
  for (int r = 0; r < rows && reduced.status >= 0; ++r) {
    int sign = 1;
    if (tau_row) {
      if (std::abs(B[r][n].get_si()) != tau || mpz_sizeinbase(B[r][n].get_data(), 2) > 40) continue;
      sign = mpz_sgn(B[r][n].get_data());
    }
    if (labels) {
      bool signs = true;
      for (int i = 0; i < n && signs; ++i) signs = mpz_cmpabs_ui(B[r][n + i].get_data(), 1) == 0;
      if (!signs) continue;
    }
    bool zero = true, small = true;
    for (int i = 0; i < n; ++i) {
      zero = zero && mpz_sgn(B[r][i].get_data()) == 0;
      small = small && mpz_sizeinbase(B[r][i].get_data(), 2) < 50;
    }
    if (zero || !small) continue;
    ++best.candidates;
    Vector u(n);
    for (int i = 0; i < n; ++i) {
      const double k = sign * B[r][i].get_d();
      if (labels) {
        const double e = mpz_sgn(B[r][n + i].get_data());
        mpfr_mul_d(u_mp[i], val[i], e, MPFR_RNDN);
        mpfr_add_d(u_mp[i], u_mp[i], k, MPFR_RNDN);
        u[i] = k + e * val_d[i];
      } else {
        mpfr_add_d(u_mp[i], val[i], k, MPFR_RNDN);
        u[i] = k + val_d[i];
      }
    }
    double residual = 0.0;
    for (int j = 0; j < m; ++j) {
      mpfr_set_zero(tmp[0], 1);
      for (int i = 0; i < n; ++i) mpfr_fma(tmp[0], lam(i, j), u_mp[i], tmp[0], MPFR_RNDN);
      residual = std::max(residual, std::abs(mpfr_get_d(tmp[0], MPFR_RNDN)));
    }
    const Vector s = ls.solve(u);
    double score = std::numeric_limits<double>::quiet_NaN();
    if (check.size() > 0)
      score = labels ? periodic_mse(task.link, task.cap(), check.X, check.y, s)
                     : circular_score(check.X, hom ? Vector::Zero(check.size()) : check.y, s);
    const double key = check.size() > 0 ? (labels ? -score : score) : -residual;
    best.consider(key, s, score, residual, r);
  }
  if (best.have) {
    const double gamma_hat = best.s.norm();
    bool held = true;
    if (check.size() >= 16)
      held = labels ? best.score <= periodic_threshold(task.link, noise)
                    : best.score >= circular_threshold(noise, check.size());
    best.found =
        best.residual <= 6.0 * noise && std::abs(gamma_hat / task.gamma - 1.0) <= 0.1 && held;
  }
  Metrics extra;
  extra["scale_bits"] = N;
  extra["precision_bits"] = static_cast<double>(prec);
  return finish_fit(task, train, best, reduced, n, &B, extra);
}

}  // namespace hardnets
