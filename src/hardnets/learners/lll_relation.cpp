#include "hardnets/learners/lll_relation.h"

#include <algorithm>
#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice_attack.h"

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

// The lattice's shape: the k block (n), then the ε block (n, labels) or the
// τ row (1, CLWE), then one column per null vector.
struct Shape {
  int n = 0, d = 0, m = 0;
  bool labels = false;   // periodic labels: 2n unknowns (k and the signs ε)
  bool hom = false;      // hCLWE: z ≡ 0, no τ row
  bool tau_row = false;  // CLWE with z
  int rows = 0, cols = 0;
};

Shape shape_of(const lattice::AttackTask& task, int n, int d) {
  Shape s;
  s.n = n;
  s.d = d;
  s.m = n - d;
  s.labels = !task.clwe();
  s.hom = task.clwe() && task.homogeneous;
  s.tau_row = task.clwe() && !s.hom;
  const int unknowns = s.labels ? 2 * n : n;
  s.rows = unknowns + (s.tau_row ? 1 : 0);
  s.cols = s.rows + s.m;
  return s;
}

// N: `requested`, or the noise-balanced default (header comment).
int scale_bits(const lattice::AttackTask& task, const Shape& shape, std::int64_t requested) {
  const double log_planted = std::log2(task.gamma * std::sqrt(static_cast<double>(shape.n)));
  const double n_need = shape.rows * std::max(log_planted, 1.0) + 0.04 * shape.rows * shape.rows;
  int N = static_cast<int>(requested);
  if (N == 0) {
    N = static_cast<int>(std::ceil(log_planted - std::log2(task.effective_noise())));
    if (task.noise == 0.0) N = std::min(N, static_cast<int>(std::ceil(2 * n_need + 40)));
    N = std::max(N, 8);
  }
  return N;
}

// The relation in MPFR: the values v (z for CLWE, 0 for hCLWE, the
// half-period positions t for labels) and the unit null vectors λ^{(j)}.
struct Relation {
  Relation(int n, int null_count, mpfr_prec_t precision)
      : prec(precision),
        val(static_cast<std::size_t>(n), precision),
        val_d(n),
        lambda(static_cast<std::size_t>(n * null_count), precision),
        m(null_count) {}
  mpfr_prec_t prec;
  lattice::MpArray val;
  Vector val_d;             // val rounded to binary64
  lattice::MpArray lambda;  // λ^{(j)}_i at i*m + j
  int m;
  mpfr_ptr lam(int i, int j) { return lambda[static_cast<std::size_t>(i * m + j)]; }
  mpfr_srcptr lam(int i, int j) const { return lambda[static_cast<std::size_t>(i * m + j)]; }
};

// Fills rel.val from the samples `used` (z from task.z_mp when present).
void read_values(const lattice::AttackTask& task, const Dataset& train, const Shape& shape,
                 const std::vector<Eigen::Index>& used, Relation& rel) {
  if (!task.z_mp.empty() && static_cast<Eigen::Index>(task.z_mp.size()) != train.size())
    fail("lll_relation: task.z_mp has {} values for {} training samples", task.z_mp.size(),
         train.size());
  for (int i = 0; i < shape.n; ++i) {
    const Eigen::Index row = used[static_cast<std::size_t>(i)];
    if (shape.hom) {
      mpfr_set_zero(rel.val[i], 1);
    } else if (shape.labels) {
      mpfr_set_d(rel.val[i], lattice::half_period_position(task.link, train.y[row]), MPFR_RNDN);
    } else if (!task.z_mp.empty()) {
      if (mpfr_set_str(rel.val[i], task.z_mp[static_cast<std::size_t>(row)].c_str(), 10,
                       MPFR_RNDN) != 0)
        fail("lll_relation: task.z_mp[{}] is not a decimal number", row);
    } else {
      mpfr_set_d(rel.val[i], train.y[row], MPFR_RNDN);
    }
    rel.val_d[i] = mpfr_get_d(rel.val[i], MPFR_RNDN);
  }
}

// Null vectors λ^{(j)}, j = d..n-1: solve X_[d]^T μ = x_j, λ = (μ, −1 at j) / norm.
void null_vectors(const Matrix& X, const Shape& shape, Relation& rel) {
  const int n = shape.n, d = shape.d, m = shape.m;
  lattice::MpArray A(static_cast<std::size_t>(d * d), rel.prec);
  lattice::MpArray R(static_cast<std::size_t>(d * m), rel.prec);
  for (int r = 0; r < d; ++r)
    for (int c = 0; c < d; ++c)
      mpfr_set_d(A[static_cast<std::size_t>(r * d + c)], X(c, r), MPFR_RNDN);
  for (int r = 0; r < d; ++r)
    for (int j = 0; j < m; ++j)
      mpfr_set_d(R[static_cast<std::size_t>(r * m + j)], X(d + j, r), MPFR_RNDN);
  solve_mp(A, R, d, m, rel.prec);
  lattice::MpArray norm(1, rel.prec);
  for (int j = 0; j < m; ++j) {
    mpfr_set_ui(norm[0], 1, MPFR_RNDN);
    for (int i = 0; i < d; ++i) {
      mpfr_set(rel.lam(i, j), R[static_cast<std::size_t>(i * m + j)], MPFR_RNDN);
      mpfr_fma(norm[0], rel.lam(i, j), rel.lam(i, j), norm[0], MPFR_RNDN);
    }
    for (int i = d; i < n; ++i) mpfr_set_si(rel.lam(i, j), i == d + j ? -1 : 0, MPFR_RNDN);
    mpfr_sqrt(norm[0], norm[0], MPFR_RNDN);
    for (int i = 0; i < n; ++i) mpfr_div(rel.lam(i, j), rel.lam(i, j), norm[0], MPFR_RNDN);
  }
}

// The basis, rounded from 2^N × (MPFR values); τ = ⌈γ⌉.
void fill_basis(const Shape& shape, const Relation& rel, int N, int tau, lattice::IntBasis& B) {
  const int n = shape.n, rows = shape.rows;
  lattice::MpArray tmp(2, rel.prec);
  for (int i = 0; i < n; ++i) {
    B[i][i] = 1L;
    if (shape.labels) B[n + i][n + i] = 1L;
    for (int j = 0; j < shape.m; ++j) {
      mpfr_mul_2si(tmp[0], rel.lam(i, j), N, MPFR_RNDN);
      mpfr_get_z(B[i][rows + j].get_data(), tmp[0], MPFR_RNDN);
      if (shape.labels) {
        mpfr_mul(tmp[1], tmp[0], rel.val[i], MPFR_RNDN);
        mpfr_get_z(B[n + i][rows + j].get_data(), tmp[1], MPFR_RNDN);
      }
    }
  }
  if (shape.tau_row) {
    B[n][n] = static_cast<long>(tau);
    for (int j = 0; j < shape.m; ++j) {
      mpfr_set_zero(tmp[0], 1);
      for (int i = 0; i < n; ++i) mpfr_fma(tmp[0], rel.lam(i, j), rel.val[i], tmp[0], MPFR_RNDN);
      mpfr_mul_2si(tmp[0], tmp[0], N, MPFR_RNDN);
      mpfr_get_z(B[n][rows + j].get_data(), tmp[0], MPFR_RNDN);
    }
  }
}

// Reads reduced row r: a row of the planted shape (τ-coordinate ±τ for CLWE,
// an ε-block of ±1 for labels, a small nonzero k-block) gives the lifts
// z + k (labels: k + ε∘t) and the constraint residual max_j |λ^{(j)ᵀ} u|,
// both in MPFR. `u_mp` and `tmp` (2 numbers) are scratch at rel.prec.
std::optional<lattice::Candidate> read_row(const Shape& shape, const Relation& rel, int tau,
                                           const lattice::IntBasis& B, int r,
                                           lattice::MpArray& u_mp, lattice::MpArray& tmp) {
  const int n = shape.n;
  int sign = 1;
  if (shape.tau_row) {
    if (std::abs(B[r][n].get_si()) != tau || mpz_sizeinbase(B[r][n].get_data(), 2) > 40)
      return std::nullopt;
    sign = mpz_sgn(B[r][n].get_data());
  }
  if (shape.labels)
    for (int i = 0; i < n; ++i)
      if (mpz_cmpabs_ui(B[r][n + i].get_data(), 1) != 0) return std::nullopt;
  bool zero = true, small = true;
  for (int i = 0; i < n; ++i) {
    zero = zero && mpz_sgn(B[r][i].get_data()) == 0;
    small = small && mpz_sizeinbase(B[r][i].get_data(), 2) < 50;
  }
  if (zero || !small) return std::nullopt;
  Vector u(n);
  for (int i = 0; i < n; ++i) {
    const double k = sign * B[r][i].get_d();
    if (shape.labels) {
      const double e = mpz_sgn(B[r][n + i].get_data());
      mpfr_mul_d(u_mp[i], rel.val[i], e, MPFR_RNDN);
      mpfr_add_d(u_mp[i], u_mp[i], k, MPFR_RNDN);
      u[i] = k + e * rel.val_d[i];
    } else {
      mpfr_add_d(u_mp[i], rel.val[i], k, MPFR_RNDN);
      u[i] = k + rel.val_d[i];
    }
  }
  double residual = 0.0;
  for (int j = 0; j < shape.m; ++j) {
    mpfr_set_zero(tmp[0], 1);
    for (int i = 0; i < n; ++i) mpfr_fma(tmp[0], rel.lam(i, j), u_mp[i], tmp[0], MPFR_RNDN);
    residual = std::max(residual, std::abs(mpfr_get_d(tmp[0], MPFR_RNDN)));
  }
  return lattice::Candidate{u, residual};
}

}  // namespace

LllRelationLearner::LllRelationLearner() {
  options_.cite("song2021cryptographic", "the integer-relation attack from d + 1 samples")
      .cite("zadik2022lattice", "LLL from d + 1 samples, statistically optimal")
      .cite("diakonikolas2022ngca", "LLL for discrete non-Gaussian component analysis")
      .cite("lenstra1982factoring", "LLL")
      .cite("fplll", "LLL in MPFR precision");
  using O = LllRelationOptions;
  options_
      .integer("n", &O::n, 0, 0, 2000,
               "samples in the relation; 0 = d+1 (the sample-optimal attack)")
      .integer("scale_bits", &O::scale_bits, 0, 0, 100000,
               "N: the relation is scaled by 2^N and rounded; 0 = noise-balanced default")
      .real("delta", &O::delta, 0.99, 0.25, 1.0, "LLL δ (Lovász constant)", true, true);
}

Fit LllRelationLearner::fit_impl(const Dataset& train, const Params& params,
                                 const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const LllRelationOptions options = options_.read(params);
  const AttackTask task = parse_task(ctx.task, "lll_relation", true, true);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(options.n, std::int64_t{d} + 1, train, "lll_relation");
  const Shape shape = shape_of(task, n, d);
  const int N = scale_bits(task, shape, options.scale_bits);
  const int data_bits = task.z_mp.empty() ? 64 : task.precision_bits;
  const mpfr_prec_t prec = std::max(N, data_bits) + 128;

  Attack attack(shape.rows, shape.cols);
  attack.used = select_samples(task, train, n);
  attack.X.resize(n, d);
  for (int i = 0; i < n; ++i)
    attack.X.row(i) = train.X.row(attack.used[static_cast<std::size_t>(i)]);
  Relation rel(n, shape.m, prec);
  read_values(task, train, shape, attack.used, rel);
  null_vectors(attack.X, shape, rel);
  const int tau = static_cast<int>(std::ceil(task.gamma));
  fill_basis(shape, rel, N, tau, attack.basis);

  MpArray u_mp(static_cast<std::size_t>(n), prec), tmp(2, prec);
  attack.read_row = [&](const IntBasis& B, int r) {
    return read_row(shape, rel, tau, B, r, u_mp, tmp);
  };
  attack.reduce.delta = options.delta;
  attack.residual_factor = 6.0;
  attack.extra["scale_bits"] = N;
  attack.extra["precision_bits"] = static_cast<double>(prec);
  return run_attack(task, train, attack, clock, ctx.time_limit_seconds);
}

}  // namespace hardnets
