#include "hardnets/lab/estimate_models.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "hardnets/estimate/parity.h"

namespace hardnets::estimate_models {

// Gaussian elimination on the noiseless parity's linear system.
AttackEstimate parity_elimination(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n");
  AttackEstimate out =
      make_estimate("elimination", "gf2",
                    "Gaussian elimination over GF(2); full-rank probability of m uniform rows",
                    "bit operations of schoolbook elimination, m n^2");
  if (p.real("noise") > 0 || p.text("labels") != "parity") {
    out.note = "not applicable: noisy or uniform labels make the system inconsistent";
    return out;
  }
  // The attack reads m = min(n_train, the rows for probability 0.99).
  out.samples = static_cast<double>(estimate::rows_for_full_rank(n, 0.5));
  const std::int64_t m =
      std::min<std::int64_t>(n_train, estimate::rows_for_full_rank(n, kReadUpTo));
  out.success_probability = estimate::full_rank_probability(m, n);
  out.succeeds = out.success_probability >= 0.5;
  out.log2_ops = std::log2(static_cast<double>(m)) + 2 * std::log2(static_cast<double>(n));
  out.log2_memory = std::log2(static_cast<double>(m)) + std::log2(static_cast<double>(n));
  out.validated_range = "exact formula (any n)";
  out.details = {{"samples_used", m}};
  return out;
}

// Exhaustive search over the C(n, k) supports.
AttackEstimate parity_exhaustive(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n"), k = p.integer("k");
  const double eta = p.real("noise");
  AttackEstimate out =
      make_estimate("exhaustive", "",
                    "every support scored on the samples (exact for eta = 0, Hoeffding and union "
                    "bound otherwise)",
                    "parity evaluations, C(n, k) m k");
  const double log2_c = estimate::log2_binomial(n, k);
  if (p.text("labels") != "parity" || eta >= 0.5) {
    out.note = "not applicable: labels independent of the inputs";
    return out;
  }
  out.samples = estimate::exhaustive_samples(n, k, eta, 0.5);
  // The attack reads m = min(n_train, the samples for probability 0.99).
  const double m = std::max(1.0, std::min(static_cast<double>(n_train),
                                          estimate::exhaustive_samples(n, k, eta, kReadUpTo)));
  out.success_probability = estimate::exhaustive_success_probability(n, k, eta, m);
  out.succeeds = out.success_probability >= 0.5;
  out.log2_ops = log2_c + std::log2(m) + std::log2(static_cast<double>(k));
  out.log2_memory = std::log2(m) + std::log2(static_cast<double>(n));
  if (eta > 0) out.note = "success probability is a lower bound (Hoeffding, union bound)";
  out.validated_range = eta == 0 ? "exact formula (any n, k)" : "a lower bound (any n, k)";
  out.details = {{"log2_supports", log2_c}, {"samples_used", m}};
  return out;
}

// BKW with LF1 on (sparse) parity with noise (estimate/parity.h): the
// published model; the lab has no implementation to check it against.
AttackEstimate parity_bkw(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n");
  const double eta = p.real("noise");
  AttackEstimate out = make_estimate(
      "bkw", "",
      "Blum-Kalai-Wasserman (J. ACM 2003) with the LF1 step of Levieil and Fouque (SCN 2006), "
      "the rounds optimised; ignores sparsity",
      "bit operations: a ((a - 1) m n + b 2^b + m' b)");
  if (p.text("labels") != "parity" || eta >= 0.5) {
    out.note = "not applicable: labels independent of the inputs";
    return out;
  }
  const estimate::BkwEstimate e = estimate::bkw_lf1(n, eta, static_cast<double>(n_train));
  out.log2_ops = e.log2_ops;
  out.samples = std::exp2(e.log2_samples);
  out.log2_memory = e.log2_samples + std::log2(static_cast<double>(n));
  out.success_probability = e.fits ? 1.0 : 0.0;
  out.succeeds = e.fits;
  out.note = e.fits ? "a threshold model: LF1's sample bound"
                    : fmt::format("needs 2^{:.1f} samples, more than the {} given", e.log2_samples,
                                  n_train);
  out.validated_range = "not validated: the lab has no BKW implementation";
  out.extrapolated = true;
  out.details = {
      {"rounds", e.rounds}, {"block_bits", e.block_bits}, {"log2_samples", e.log2_samples}};
  return out;
}

// SGD on sparse parity, an EMPIRICAL model (never a bound): the lab's sgd
// (Adam, one hidden layer of 256 ReLUs, batch 64, 50000 samples) first
// reached clean test accuracy 0.99 after steps* = A n^b steps, fitted on
// n = 8..64 (experiments/prg_parity.toml, docs/prg-results.md §3): A = 15,
// b = 0.86 at k = 2; A = 78, b = 1.00 at k = 3. The step grid is log-spaced
// by a factor sqrt 2, so each measured threshold is known within that.
AttackEstimate parity_sgd(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n"), k = p.integer("k");
  AttackEstimate out = make_estimate(
      "sgd", "sgd",
      "empirical: steps* = 15 n^0.86 (k = 2), 78 n^1.00 (k = 3), the lab's sgd fitted at n = "
      "8..64, noiseless (docs/prg-results.md)",
      "floating-point operations: steps x batch 64 x 6 x parameters ((n + 1) 256 + 257)");
  if (p.text("labels") != "parity" || p.real("noise") != 0 || (k != 2 && k != 3)) {
    out.note = "not applicable: measured for noiseless parities with k = 2 and 3 only";
    return out;
  }
  const double nn = static_cast<double>(n);
  const double steps = k == 2 ? 15 * std::pow(nn, 0.86) : 78 * nn;
  const double parameters = (nn + 1) * 256 + 257;
  out.log2_ops = std::log2(steps * 64 * 6 * parameters);
  out.log2_memory = std::log2(parameters);
  // The measurement's training set (fewer samples were not measured).
  set_threshold(out, static_cast<double>(n_train), 50000);
  out.note = "empirical scaling fit, not a bound; measured with 50000 samples";
  out.validated_range =
      "n in [8, 64], k in {2, 3}, noiseless (the lab's fit; each point within a "
      "factor sqrt 2)";
  out.extrapolated = n < 8 || n > 64;
  out.details = {{"steps", steps},
                 {"steps_interval", Json::array({steps / std::sqrt(2.0), steps * std::sqrt(2.0)})}};
  return out;
}

}  // namespace hardnets::estimate_models
