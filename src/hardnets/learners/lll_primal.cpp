#include "hardnets/learners/lll_primal.h"

#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice_attack.h"
#include "hardnets/learners/lwe_primal.h"

namespace hardnets {
namespace {
const LearnerRegistration kRegister{std::make_unique<LllPrimalLearner>()};
}  // namespace

LllPrimalLearner::LllPrimalLearner() {
  options_.cite("kannan1987minkowski", "Kannan's embedding")
      .cite("bai2014lattice", "secret scaling")
      .cite("chen2011bkz", "BKZ 2.0")
      .cite("alkim2016newhope", "the success condition of the primal attack")
      .cite("fplll", "LLL, BKZ and its strategies");
  using O = LllPrimalOptions;
  options_
      .integer("n", &O::n, 0, 0, 100000,
               "samples in the lattice; 0 = min(n_train, 4d) (clwe), the primal-uSVP estimate's m "
               "(lwe)")
      .choice("reducer", &O::reducer, "lll", {"lll", "bkz", "bkz2"}, lattice::kReducerDoc)
      .integer("block_size", &O::block_size, 20, 0, 200, lattice::kBlockSizeDoc)
      .integer("scale_bits", &O::scale_bits, 24, 0, 200,
               "S = 2^scale_bits: the real basis is scaled by S and rounded")
      .real("C", &O::C, 0.0, 0.0, 1e300,
            "weight of the null-space constraints; 0 = γ/β from the task");
}

Fit LllPrimalLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const LllPrimalOptions options = options_.read(params);
  if (ctx.task.value("family", std::string()) == "lwe") {
    LweAttackOptions lwe;
    lwe.samples = options.n;
    lwe.reduce = lll_or_bkz(params);
    return lwe_primal_attack(train, ctx.task, lwe, ctx.time_limit_seconds);
  }
  const AttackTask task = parse_task(ctx.task, "lll_primal", true, false);
  const int d = static_cast<int>(train.dim());
  const int n = resolve_samples(options.n, 4 * std::int64_t{d}, train, "lll_primal");
  const int m = n - d;
  const bool hom = task.homogeneous;
  const double beta = task.effective_noise();
  const double C = options.C > 0.0 ? options.C : task.gamma / beta;
  const double S = std::ldexp(1.0, static_cast<int>(options.scale_bits));
  const double tau = task.gamma;

  // Rows: n k-rows, then the τ row (not for hCLWE). Columns: k, τ, constraints.
  const int rows = hom ? n : n + 1;
  const int cols = rows + m;
  Attack attack(rows, cols);
  attack.X = train.X.topRows(n);
  attack.used.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) attack.used[static_cast<std::size_t>(i)] = i;
  const Vector z = hom ? Vector::Zero(n) : Vector(train.y.head(n));
  const Matrix Q = left_null_space(attack.X);  // n × m
  const Vector Qz = Q.transpose() * z;

  IntBasis& B = attack.basis;
  for (int i = 0; i < n; ++i) {
    set_rounded(B[i][i], S);
    for (int j = 0; j < m; ++j) set_rounded(B[i][rows + j], S * C * Q(i, j));
  }
  if (!hom) {
    set_rounded(B[n][n], S * tau);
    for (int j = 0; j < m; ++j) set_rounded(B[n][rows + j], S * C * Qz[j]);
  }

  // Read-off: a row of the planted shape has τ-coordinate ±Sτ (CLWE) or is
  // nonzero (hCLWE); its k-block gives the lifts z + k.
  fplll::Z_NR<mpz_t> tau_int;
  set_rounded(tau_int, S * tau);
  attack.read_row = [&](const IntBasis& R, int r) -> std::optional<Candidate> {
    int sign = 1;
    if (!hom) {
      if (mpz_cmpabs(R[r][n].get_data(), tau_int.get_data()) != 0) return std::nullopt;
      sign = mpz_sgn(R[r][n].get_data());
    }
    Vector k(n);
    bool zero = true;
    for (int i = 0; i < n; ++i) {
      k[i] = sign * std::nearbyint(R[r][i].get_d() / S);
      zero = zero && k[i] == 0.0;
    }
    if (hom && zero) return std::nullopt;
    const Vector u = z + k;
    return Candidate{u, (Q.transpose() * u).norm() / std::sqrt(static_cast<double>(m))};
  };
  attack.reduce = lll_or_bkz(params);
  attack.extra["scale_bits"] = static_cast<double>(options.scale_bits);
  attack.extra["C"] = C;
  return run_attack(task, train, attack, clock, ctx.time_limit_seconds);
}

}  // namespace hardnets
