#include "hardnets/learners/lll_labels.h"

#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice.h"

namespace hardnets {
namespace {
const LearnerRegistration kRegister{std::make_unique<LllLabelsLearner>()};
}  // namespace

LllLabelsLearner::LllLabelsLearner() : spec_("lll_labels") {
  spec_.integer("n", 0, 0, 100000, "samples in the lattice; 0 = min(n_train, 4d)")
      .choice("reducer", "lll", {"lll", "bkz"}, "LLL (δ = 0.99), or LLL then BKZ-block_size")
      .integer("block_size", 20, 2, 200, "BKZ block size (reducer=bkz)")
      .integer("scale_bits", 24, 0, 200,
               "S = 2^scale_bits: the real basis is scaled by S and rounded")
      .real("C", 0.0, 0.0, 1e300, "weight of the null-space constraints; 0 = γ/σ from the task");
}

Fit LllLabelsLearner::fit(const Dataset& train, const Params& params,
                          const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const AttackTask task = parse_task(ctx.task, "lll_labels", false, true);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(params.integer("n"), 4 * std::int64_t{d}, train, "lll_labels");
  const int m = n - d;
  const double sigma = task.effective_noise();
  const double C = params.real("C") > 0.0 ? params.real("C") : task.gamma / sigma;
  const double S = std::ldexp(1.0, static_cast<int>(params.integer("scale_bits")));

  const std::vector<Eigen::Index> used = select_samples(task, train, n);
  Matrix X(n, d);
  Vector t(n);
  for (int i = 0; i < n; ++i) {
    X.row(i) = train.X.row(used[static_cast<std::size_t>(i)]);
    t[i] = half_period_position(task.link, train.y[used[static_cast<std::size_t>(i)]]);
  }
  const Matrix Q = left_null_space(X);  // n × m

  const int rows = 2 * n;
  const int cols = rows + m;
  IntBasis B(rows, cols);
  for (int i = 0; i < n; ++i) {
    set_rounded(B[i][i], S);
    set_rounded(B[n + i][n + i], S);
    for (int j = 0; j < m; ++j) {
      set_rounded(B[i][rows + j], S * C * Q(i, j));
      set_rounded(B[n + i][rows + j], S * C * t[i] * Q(i, j));
    }
  }

  ReduceOptions options;
  options.bkz = params.text("reducer") == "bkz";
  options.block_size = static_cast<int>(params.integer("block_size"));
  options.time_limit_seconds = ctx.time_limit_seconds - clock.seconds();
  const ReduceResult reduced = reduce(B, options);

  const HeldOut check = held_out(train, used, 4096);
  const LeastSquares ls(X);
  fplll::Z_NR<mpz_t> s_int;
  set_rounded(s_int, S);
  Recovery best;
  for (int r = 0; r < rows && reduced.status >= 0; ++r) {
    bool signs = true;
    for (int i = 0; i < n && signs; ++i)
      signs = mpz_cmpabs(B[r][n + i].get_data(), s_int.get_data()) == 0;
    if (!signs) continue;
    ++best.candidates;
    Vector u(n);
    for (int i = 0; i < n; ++i)
      u[i] = std::nearbyint(B[r][i].get_d() / S) +
             static_cast<double>(mpz_sgn(B[r][n + i].get_data())) * t[i];
    const Vector s = ls.solve(u);
    const double residual = (Q.transpose() * u).norm() / std::sqrt(static_cast<double>(m));
    const double score = check.size() > 0 ? periodic_mse(task.link, task.cap(), check.X, check.y, s)
                                          : std::numeric_limits<double>::quiet_NaN();
    const double key = check.size() > 0 ? -score : -residual;
    best.consider(key, s, score, residual, r);
  }
  if (best.have) {
    const double gamma_hat = best.s.norm();
    best.found = best.residual <= 4.0 * sigma && std::abs(gamma_hat / task.gamma - 1.0) <= 0.1 &&
                 (check.size() < 16 || best.score <= periodic_threshold(task.link, sigma));
  }
  Metrics extra;
  extra["scale_bits"] = static_cast<double>(params.integer("scale_bits"));
  extra["C"] = C;
  return finish_fit(task, train, best, reduced, n, &B, extra);
}

}  // namespace hardnets
