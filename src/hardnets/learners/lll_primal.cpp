#include "hardnets/learners/lll_primal.h"

#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice.h"

namespace hardnets {
namespace {
const LearnerRegistration kRegister{std::make_unique<LllPrimalLearner>()};
}  // namespace

LllPrimalLearner::LllPrimalLearner() : spec_("lll_primal") {
  spec_.integer("n", 0, 0, 100000, "samples in the lattice; 0 = min(n_train, 4d)")
      .choice("reducer", "lll", {"lll", "bkz"}, "LLL (δ = 0.99), or LLL then BKZ-block_size")
      .integer("block_size", 20, 2, 200, "BKZ block size (reducer=bkz)")
      .integer("scale_bits", 24, 0, 200,
               "S = 2^scale_bits: the real basis is scaled by S and rounded")
      .real("C", 0.0, 0.0, 1e300, "weight of the null-space constraints; 0 = γ/β from the task");
}

Fit LllPrimalLearner::fit(const Dataset& train, const Params& params,
                          const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const AttackTask task = parse_task(ctx.task, "lll_primal", true, false);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(params.integer("n"), 4 * std::int64_t{d}, train, "lll_primal");
  const int m = n - d;
  const bool hom = task.homogeneous;
  const double beta = task.effective_noise();
  const double C = params.real("C") > 0.0 ? params.real("C") : task.gamma / beta;
  const double S = std::ldexp(1.0, static_cast<int>(params.integer("scale_bits")));
  const double tau = task.gamma;

  const Matrix X = train.X.topRows(n);
  const Vector z = hom ? Vector::Zero(n) : Vector(train.y.head(n));
  const Matrix Q = left_null_space(X);  // n × m
  const Vector Qz = Q.transpose() * z;

  // Rows: n k-rows, then the τ row (not for hCLWE). Columns: k, τ, constraints.
  const int rows = hom ? n : n + 1;
  const int cols = rows + m;
  IntBasis B(rows, cols);
  for (int i = 0; i < n; ++i) {
    set_rounded(B[i][i], S);
    for (int j = 0; j < m; ++j) set_rounded(B[i][rows + j], S * C * Q(i, j));
  }
  if (!hom) {
    set_rounded(B[n][n], S * tau);
    for (int j = 0; j < m; ++j) set_rounded(B[n][rows + j], S * C * Qz[j]);
  }

  ReduceOptions options;
  options.bkz = params.text("reducer") == "bkz";
  options.block_size = static_cast<int>(params.integer("block_size"));
  options.time_limit_seconds = ctx.time_limit_seconds - clock.seconds();
  const ReduceResult reduced = reduce(B, options);

  // Read-off: every row of the planted shape, verified on held-out samples.
  std::vector<Eigen::Index> used(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) used[static_cast<std::size_t>(i)] = i;
  const HeldOut check = held_out(train, used, 4096);
  const LeastSquares ls(X);
  fplll::Z_NR<mpz_t> tau_int;
  set_rounded(tau_int, S * tau);
  Recovery best;
  for (int r = 0; r < rows && reduced.status >= 0; ++r) {
    int sign = 1;
    if (!hom) {
      const int c = mpz_cmpabs(B[r][n].get_data(), tau_int.get_data());
      if (c != 0) continue;
      sign = mpz_sgn(B[r][n].get_data());
    }
    Vector k(n);
    bool zero = true;
    for (int i = 0; i < n; ++i) {
      k[i] = sign * std::nearbyint(B[r][i].get_d() / S);
      zero = zero && k[i] == 0.0;
    }
    if (hom && zero) continue;
    ++best.candidates;
    const Vector u = z + k;
    const Vector s = ls.solve(u);
    const double residual = (Q.transpose() * u).norm() / std::sqrt(static_cast<double>(m));
    const double score =
        check.size() > 0 ? circular_score(check.X, hom ? Vector::Zero(check.size()) : check.y, s)
                         : std::numeric_limits<double>::quiet_NaN();
    const double key = check.size() > 0 ? score : -residual;
    best.consider(key, s, score, residual, r);
  }
  if (best.have) {
    const double gamma_hat = best.s.norm();
    best.found = best.residual <= 4.0 * beta && std::abs(gamma_hat / task.gamma - 1.0) <= 0.1 &&
                 (check.size() < 16 || best.score >= circular_threshold(beta, check.size()));
  }
  Metrics extra;
  extra["scale_bits"] = static_cast<double>(params.integer("scale_bits"));
  extra["C"] = C;
  return finish_fit(task, train, best, reduced, n, &B, extra);
}

}  // namespace hardnets
