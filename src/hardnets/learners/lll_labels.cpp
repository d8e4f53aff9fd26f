#include "hardnets/learners/lll_labels.h"

#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice_attack.h"

namespace hardnets {
namespace {
const LearnerRegistration kRegister{std::make_unique<LllLabelsLearner>()};
}  // namespace

LllLabelsLearner::LllLabelsLearner() {
  options_.cite("song2021cryptographic", "lattice attacks on periodic neurons at small noise")
      .cite("lenstra1982factoring", "LLL")
      .cite("fplll", "LLL and BKZ");
  using O = LllLabelsOptions;
  options_.integer("n", &O::n, 0, 0, 100000, "samples in the lattice; 0 = min(n_train, 4d)")
      .choice("reducer", &O::reducer, "lll", {"lll", "bkz", "bkz2"}, lattice::kReducerDoc)
      .integer("block_size", &O::block_size, 20, 0, 200, lattice::kBlockSizeDoc)
      .integer("scale_bits", &O::scale_bits, 24, 0, 200,
               "S = 2^scale_bits: the real basis is scaled by S and rounded")
      .real("C", &O::C, 0.0, 0.0, 1e300,
            "weight of the null-space constraints; 0 = γ/σ from the task");
}

Fit LllLabelsLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const LllLabelsOptions options = options_.read(params);
  const AttackTask task = parse_task(ctx.task, "lll_labels", false, true);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(options.n, 4 * std::int64_t{d}, train, "lll_labels");
  const int m = n - d;
  const double sigma = task.effective_noise();
  const double C = options.C > 0.0 ? options.C : task.gamma / sigma;
  const double S = std::ldexp(1.0, static_cast<int>(options.scale_bits));

  const int rows = 2 * n;
  const int cols = rows + m;
  Attack attack(rows, cols);
  attack.used = select_samples(task, train, n);
  attack.X.resize(n, d);
  Vector t(n);
  for (int i = 0; i < n; ++i) {
    attack.X.row(i) = train.X.row(attack.used[static_cast<std::size_t>(i)]);
    t[i] = half_period_position(task.link, train.y[attack.used[static_cast<std::size_t>(i)]]);
  }
  const Matrix Q = left_null_space(attack.X);  // n × m

  IntBasis& B = attack.basis;
  for (int i = 0; i < n; ++i) {
    set_rounded(B[i][i], S);
    set_rounded(B[n + i][n + i], S);
    for (int j = 0; j < m; ++j) {
      set_rounded(B[i][rows + j], S * C * Q(i, j));
      set_rounded(B[n + i][rows + j], S * C * t[i] * Q(i, j));
    }
  }

  // Read-off: a row of the planted shape has an ε-block of ±S; the lifts are
  // k + ε∘t.
  fplll::Z_NR<mpz_t> s_int;
  set_rounded(s_int, S);
  attack.read_row = [&](const IntBasis& R, int r) -> std::optional<Candidate> {
    for (int i = 0; i < n; ++i)
      if (mpz_cmpabs(R[r][n + i].get_data(), s_int.get_data()) != 0) return std::nullopt;
    Vector u(n);
    for (int i = 0; i < n; ++i)
      u[i] = std::nearbyint(R[r][i].get_d() / S) +
             static_cast<double>(mpz_sgn(R[r][n + i].get_data())) * t[i];
    return Candidate{u, (Q.transpose() * u).norm() / std::sqrt(static_cast<double>(m))};
  };
  attack.reduce = lll_or_bkz(params);
  attack.extra["scale_bits"] = static_cast<double>(options.scale_bits);
  attack.extra["C"] = C;
  return run_attack(task, train, attack, clock, ctx.time_limit_seconds);
}

}  // namespace hardnets
