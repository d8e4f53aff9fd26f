#include "hardnets/lab/estimate.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/error.h"
#include "hardnets/estimate/calibration.h"
#include "hardnets/estimate/clwe_primal.h"
#include "hardnets/estimate/clwe_relation.h"
#include "hardnets/estimate/goldreich.h"
#include "hardnets/estimate/lattice_usvp.h"
#include "hardnets/estimate/parity.h"
#include "hardnets/lab/generate.h"

namespace hardnets {

namespace {

using Model = std::function<AttackEstimate(const Params&, std::int64_t n_train)>;

// A model's attack reads no more samples than give it this success
// probability: its cost does not grow with samples it has no use for.
constexpr double kReadUpTo = 0.99;

struct NamedModel {
  std::string attack;
  Model model;
};

// The largest block size the LWE validation predicted (n = 110).
constexpr int kPrimalValidatedBeta = 7;
constexpr const char* kPrimalValidatedRange =
    "predicted beta <= 7: against lll_primal with BKZ 2.0 at n <= 110, q = 3329 "
    "(docs/estimates.md, "
    "Validation: right where LLL suffices, 1 to 4 block sizes optimistic above), and beta in "
    "[406, 624] (the lattice estimator's Kyber512/768 figures)";

constexpr const char* kLabelValidatedRange =
    "predicted beta = 2 (LLL): against lll_labels with LLL at d <= 16, n = 4d, gamma = 2 sqrt(d) "
    "(docs/estimates.md, the label attack)";

// The CLWE and label models were checked against LLL runs only (BKZ-20's
// thresholds were also measured, and the model is pessimistic there).
constexpr int kLllValidatedBeta = 2;
constexpr const char* kClwePrimalValidatedRange =
    "predicted beta = 2 (LLL): against lll_primal with LLL at d <= 64, n = 3d, gamma = 2 sqrt(d) "
    "(docs/estimates.md, CLWE primal)";

// An estimate with its identity filled in: the attack, the lab learner that
// runs it ("" when none), the model with its citation, and its cost unit.
AttackEstimate make_estimate(std::string attack, std::string learner, std::string model,
                             std::string unit) {
  AttackEstimate out;
  out.attack = std::move(attack);
  out.learner = std::move(learner);
  out.model = std::move(model);
  out.unit = std::move(unit);
  return out;
}

void append_note(AttackEstimate& out, const std::string& note) {
  out.note += (out.note.empty() ? "" : "; ") + note;
}

// Seconds of lll_primal's progressive BKZ 2.0 up to the predicted beta, from
// the lab's calibration: LLL's own fit at beta = 2, the BKZ fit above (below
// its smallest fitted block size, extrapolated and flagged).
void add_primal_seconds(const estimate::UsvpEstimate& e, AttackEstimate& out) {
  const estimate::Calibration& c = estimate::calibration();
  if (c.stale)
    append_note(out,
                "calibration stale: the attack code changed since it was measured "
                "(rerun experiments/estimate_calibration.toml and scripts/calibrate-estimates)");
  const int beta = e.block_size;
  // The fit is exponential in beta with BKZ 2.0's small-block slope; far
  // beyond the block sizes measured it says nothing (sieving and pruned
  // enumeration take over), so no seconds are given there.
  if (beta > c.seconds.beta_hi + 10 || e.dimension > 2 * c.seconds.dimension_hi) {
    append_note(out,
                fmt::format("no seconds: beta = {} or d = {} is far beyond the calibrated "
                            "beta <= {}, d <= {}",
                            e.block_size, e.dimension, c.seconds.beta_hi, c.seconds.dimension_hi));
    return;
  }
  if (beta <= 2) {
    out.seconds = c.lll_seconds.seconds(e.dimension);
    out.details["seconds_model"] = fmt::format(
        "lab fit of LLL, log t = {:.3f} + {:.3f} log d (residuals within a factor {:.2f})",
        c.lll_seconds.a, c.lll_seconds.b, c.lll_seconds.max_ratio);
    return;
  }
  out.seconds = c.seconds.seconds(e.dimension, beta);
  out.details["seconds_model"] = fmt::format(
      "lab fit log t = {:.3f} + {:.4f} beta + {:.3f} log d over beta in [{}, {}], d in [{}, {}] "
      "(residuals within a factor {:.2f})",
      c.seconds.c0, c.seconds.c1, c.seconds.c2, c.seconds.beta_lo, c.seconds.beta_hi,
      c.seconds.dimension_lo, c.seconds.dimension_hi, c.seconds.max_ratio);
  if (!c.seconds.measured(e.dimension, beta))
    append_note(out, "seconds extrapolated beyond the calibration's block sizes or dimensions");
}

// What both primal models report: the condition is a threshold, so success
// is 0 or 1; sieving in dimension beta keeps about (4/3)^(beta/2) vectors.
// Seconds only where the lab's calibration measured this embedding.
void fill_usvp(const estimate::UsvpEstimate& e, AttackEstimate& out, bool calibrated) {
  out.succeeds = e.feasible;
  out.success_probability = e.feasible ? 1.0 : 0.0;
  if (e.feasible) out.log2_ops = e.log2_core_svp;
  out.log2_memory = e.feasible ? 0.2075 * e.block_size : 0;
  if (!e.feasible) append_note(out, e.reason);
  out.details = {
      {"block_size", e.block_size},       {"dimension", e.dimension},
      {"samples_used", e.samples_used},   {"delta", e.delta},
      {"core_svp_bits", e.log2_core_svp}, {"core_svp_quantum_bits", e.log2_core_svp_quantum}};
  if (e.feasible && calibrated) add_primal_seconds(e, out);
}

// LWE's primal attack. A uniform secret is first moved to the error's law
// (the normal form: n samples spent, after Applebaum, Cash, Peikert and
// Sahai, CRYPTO 2009); a ternary one has sigma_s = sqrt(2/3).
AttackEstimate lwe_primal(const Params& p, std::int64_t n_train) {
  estimate::LweParameters lwe;
  lwe.n = static_cast<int>(p.integer("n"));
  lwe.q = static_cast<double>(p.integer("q"));
  lwe.sigma_e = p.real("sigma_e");
  lwe.samples = n_train;
  const std::string& secret = p.text("secret");
  lwe.sigma_s = secret == "ternary" ? std::sqrt(2.0 / 3.0) : p.real("sigma_s");
  AttackEstimate out = make_estimate(
      "primal_usvp", "lll_primal",
      "primal uSVP on Kannan's embedding under the GSA, ADPS16 success condition (Alkim, Ducas, "
      "Pöppelmann, Schwabe, USENIX Security 2016), Bai-Galbraith secret scaling",
      "core-SVP operations, 2^(0.292 beta) (Becker-Ducas-Gama-Laarhoven 2016)");
  if (secret == "uniform") {
    lwe.sigma_s = lwe.sigma_e;
    lwe.samples = n_train - lwe.n;
    out.note = "uniform secret: normal form, n samples spent";
    if (lwe.samples < 1) {
      out.note += "; fewer than n + 1 samples: no estimate";
      return out;
    }
  }
  const estimate::UsvpEstimate e = estimate::estimate_primal_usvp(lwe);
  fill_usvp(e, out, true);
  out.samples = static_cast<double>(e.samples_used) + (secret == "uniform" ? lwe.n : 0);
  // delta(beta) below 50 is the lab's measured one (calibration.h); the
  // model is validated against lll_primal runs at n <= 110
  // (experiments/estimate_validation.toml) and against the lattice
  // estimator's Kyber figures (beta 406, 624).
  out.validated_range = kPrimalValidatedRange;
  out.extrapolated = e.feasible && e.block_size > kPrimalValidatedBeta &&
                     (e.block_size < 406 || e.block_size > 624);
  return out;
}

// CLWE's many-sample primal attack (estimate/clwe_primal.h): the noise it
// meets is beta or the samples' rounding, as in the learner
// (AttackTask::effective_noise).
AttackEstimate clwe_primal(const Params& p, std::int64_t n_train) {
  AttackEstimate out = make_estimate(
      "primal_usvp", "lll_primal",
      "primal uSVP on the null-space embedding of CLWE under the GSA, ADPS16 success condition "
      "(Alkim, Ducas, Pöppelmann, Schwabe, USENIX Security 2016); the embedding's geometry is "
      "our derivation (docs/estimates.md)",
      "core-SVP operations, 2^(0.292 beta) (Becker-Ducas-Gama-Laarhoven 2016)");
  if (p.text("variant") != "standard") {
    out.note = "not applicable: the model covers variant = standard";
    return out;
  }
  estimate::ClweParameters clwe;
  clwe.d = static_cast<int>(p.integer("d"));
  clwe.gamma = p.real("gamma");
  const int precision = static_cast<int>(p.integer("precision"));
  clwe.beta = std::max(p.real("beta"), std::max(clwe.gamma, 1.0) * std::ldexp(1.0, 3 - precision));
  clwe.samples = n_train;
  const estimate::UsvpEstimate e = estimate::estimate_clwe_primal(clwe);
  // The seconds calibration is LWE's (q-ary bases, 12-bit entries); this
  // embedding's entries have 30-50 bits and LLL on it is two orders of
  // magnitude slower (rank 257: 562 s measured, 3.9 s from LWE's fit).
  fill_usvp(e, out, false);
  if (e.feasible)
    append_note(out,
                "no seconds: the lab's calibration is of the LWE embedding, whose LLL is "
                "about 100x faster than this one's (docs/estimates.md)");
  out.samples = static_cast<double>(e.samples_used);
  out.validated_range = kClwePrimalValidatedRange;
  out.extrapolated = e.feasible && e.block_size > kLllValidatedBeta;
  out.details["noise_met"] = clwe.beta;
  return out;
}

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
  out.samples = 50000;  // the measurement's training set (fewer were not measured)
  out.success_probability = n_train >= 50000 ? 1.0 : 0.0;
  out.succeeds = out.success_probability >= 0.5;
  out.note = "empirical scaling fit, not a bound; measured with 50000 samples";
  out.validated_range =
      "n in [8, 64], k in {2, 3}, noiseless (the lab's fit; each point within a "
      "factor sqrt 2)";
  out.extrapolated = n < 8 || n > 64;
  out.details = {{"steps", steps},
                 {"steps_interval", Json::array({steps / std::sqrt(2.0), steps * std::sqrt(2.0)})}};
  return out;
}

// The outputs a Goldreich instance holds: n^stretch when stretch > 0, else n_train.
std::int64_t prg_outputs(const Params& p, std::int64_t n_train) {
  const double stretch = p.real("stretch");
  const auto n = static_cast<double>(p.integer("n"));
  return stretch > 0 ? std::max<std::int64_t>(1, std::llround(std::pow(n, stretch))) : n_train;
}

// Whether a Goldreich-PRG model for `predicate` (`shown` in messages)
// covers the instance (PRG labels with that predicate); if not, says so in
// the estimate's note.
bool covers_prg(const Params& p, const char* predicate, const char* shown, AttackEstimate& out) {
  if (p.text("predicate") == predicate && p.text("labels") == "prg") return true;
  out.note = fmt::format("not applicable: the model covers the {} predicate on PRG labels", shown);
  return false;
}

// Gaussian elimination on Goldreich's PRG with XOR_k (exact seed recovery).
// m is the problem's own: n^stretch when stretch > 0, else n_train.
AttackEstimate xor_elimination(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n"), k = p.integer("k");
  AttackEstimate out = make_estimate(
      "elimination", "gf2",
      "GF(2) elimination on XOR_k outputs: free seed bits ~ Poisson(n (1 - k/n)^m), each "
      "guessed, times a dense-rank factor (our model, docs/estimates.md)",
      "bit operations of schoolbook elimination, m n^2");
  if (!covers_prg(p, "xor", "XOR", out)) return out;
  const std::int64_t given = prg_outputs(p, n_train);
  out.samples = static_cast<double>(estimate::xor_recovery_samples(n, k, 0.5));
  const std::int64_t m =
      std::min<std::int64_t>(given, estimate::xor_recovery_samples(n, k, kReadUpTo));
  out.success_probability = estimate::xor_recovery_probability(n, k, m);
  out.succeeds = out.success_probability >= 0.5;
  out.log2_ops = std::log2(static_cast<double>(m)) + 2 * std::log2(static_cast<double>(n));
  out.log2_memory = std::log2(static_cast<double>(m)) + std::log2(static_cast<double>(n));
  out.validated_range = "k = 3, n in [32, 1024] (the lab's gf2 measurements)";
  out.extrapolated = k != 3 || n < 32 || n > 1024;
  out.details = {{"samples_used", m},
                 {"outputs_given", given},
                 {"uncovered_bits", estimate::uncovered_bits(n, k, static_cast<double>(m))}};
  return out;
}

// Collisions plus guess-and-determine on P5 (estimate/goldreich.h): 2^g
// eliminations of the m x n system. Success is a threshold the lab measured:
// from m = 1.5 n the outputs determine the seed (docs/prg-results.md: at
// m = n, n <= 64, a seed explaining every output is found but is not the
// true one on 2 of 3 seeds; 3/3 from m = n^1.1 at n = 32 and n^1.2 at 64).
AttackEstimate p5_guess_determine(const Params& p, std::int64_t n_train) {
  const std::int64_t n = p.integer("n");
  AttackEstimate out = make_estimate(
      "guess_and_determine", "p5_collision",
      "pair collisions plus greedy guesses, g = (2/3) n (n - c) / (2m + n) (Couteau, Dupin, "
      "Méaux, Rossi, Rotella, ASIACRYPT 2018; the factor 2/3 measured on the lab's greedy)",
      "bit operations: 2^g eliminations of m n^2 each (an upper bound: propagation prunes)");
  if (!covers_prg(p, "p5", "P5", out)) return out;
  const std::int64_t m = prg_outputs(p, n_train);
  const double c = goldreich::expected_pair_collisions(static_cast<int>(n), m);
  const double g = estimate::p5_guesses(n, static_cast<double>(m), c);
  const double log2_m = std::log2(static_cast<double>(m)), log2_n = std::log2(double(n));
  out.samples = std::ceil(1.5 * static_cast<double>(n));
  out.success_probability = static_cast<double>(m) >= out.samples ? 1.0 : 0.0;
  out.succeeds = out.success_probability >= 0.5;
  out.log2_ops = g + log2_m + 2 * log2_n;
  out.log2_memory = log2_m + log2_n;
  out.note = "a threshold model: the seed is determined from m >= 1.5 n outputs (lab-measured)";
  const double sigma = std::log(static_cast<double>(m)) / std::log(static_cast<double>(n));
  out.validated_range = "n in [32, 1024], m = n^1.0 .. n^1.5 (the lab's p5_collision runs)";
  out.extrapolated = n < 32 || n > 1024 || sigma < 0.99 || sigma > 1.51;
  out.details = {{"guesses", g}, {"collisions", c}, {"samples_used", m}, {"stretch", sigma}};
  return out;
}

// The label attack on a periodic neuron or the CLWE network
// (estimate/clwe_primal.h, estimate_label_attack). The noise on the label's
// position: sigma, with the CLWE noise beta added for the reduction's
// labels, and never below the labels' double rounding.
AttackEstimate label_attack(const Params& p, std::int64_t n_train) {
  AttackEstimate out = make_estimate(
      "label_usvp", "lll_labels",
      "primal uSVP on the sign-ambiguous label embedding (2n unknowns) under the GSA, ADPS16 "
      "success condition; the embedding's geometry is our derivation (docs/estimates.md)",
      "core-SVP operations, 2^(0.292 beta) (Becker-Ducas-Gama-Laarhoven 2016)");
  const bool network = p.has("source");  // clwe_relu (periodic_neuron has no source)
  if (network && (p.text("labels") != "planted")) {
    out.note = "not applicable: null labels carry no secret";
    return out;
  }
  estimate::ClweParameters clwe;
  clwe.d = static_cast<int>(p.integer("d"));
  clwe.gamma = p.real("gamma");
  double noise = p.real("sigma");
  if (network && p.text("source") == "reduction") noise = std::hypot(noise, p.real("beta"));
  clwe.beta = std::max(noise, std::max(clwe.gamma, 1.0) * std::ldexp(1.0, -50));
  clwe.samples = n_train;
  const estimate::UsvpEstimate e = estimate::estimate_label_attack(clwe);
  fill_usvp(e, out, false);  // the calibration measured the LWE embedding only
  out.samples = static_cast<double>(e.samples_used);
  out.validated_range = kLabelValidatedRange;
  out.extrapolated = e.feasible && e.block_size > kLllValidatedBeta;
  out.details["noise_met"] = clwe.beta;
  return out;
}

// The integer-relation attack on CLWE with d + 1 samples (estimate/clwe_relation).
AttackEstimate clwe_relation(const Params& p, std::int64_t n_train) {
  const int d = static_cast<int>(p.integer("d"));
  const double gamma = p.real("gamma"), beta = p.real("beta");
  const int precision = static_cast<int>(p.integer("precision"));
  AttackEstimate out = make_estimate(
      "relation", "lll_relation",
      "integer relation from d + 1 samples: log2(1/beta*) = d log2(gamma sqrt(d+1)) + c (d+1)^2, "
      "c = 0.11 fitted to the lab's lll_relation thresholds (docs/clwe-results.md)",
      "bit operations of LLL, D^4 P (D + P) with D = d + 2 (L2 bound, not calibrated)");
  if (p.text("variant") != "standard") {
    out.note = "not applicable: the model covers variant = standard";
    return out;
  }
  const double threshold_bits = estimate::relation_log2_inverse_threshold(d, gamma);
  // The noise the attack meets: beta, or the samples' rounding 2^-P.
  const double noise_bits = beta > 0 ? std::min(-std::log2(beta), double(precision)) : precision;
  out.samples = d + 1.0;
  out.success_probability = (n_train >= d + 1 && noise_bits >= threshold_bits) ? 1.0 : 0.0;
  out.succeeds = out.success_probability >= 0.5;
  out.log2_ops = estimate::lll_log2_bit_operations(d + 2, precision);
  out.log2_memory = std::log2((d + 2.0) * (d + 2.0) * precision);
  out.note = "a threshold model: success iff max(beta, 2^-precision) <= beta*";
  out.validated_range = "d in [4, 20], gamma = 2 sqrt(d) (the fitted thresholds)";
  out.extrapolated =
      d < 4 || d > 20 || std::abs(gamma / (2 * std::sqrt(static_cast<double>(d))) - 1) > 0.01;
  out.details = {{"log2_inverse_threshold", threshold_bits},
                 {"threshold_beta", std::exp2(-threshold_bits)},
                 {"log2_inverse_noise", noise_bits}};
  return out;
}

const std::map<std::string, std::vector<NamedModel>>& models() {
  static const std::map<std::string, std::vector<NamedModel>> table = {
      {"clwe", {{"primal_usvp", clwe_primal}, {"relation", clwe_relation}}},
      {"clwe_relu", {{"label_usvp", label_attack}}},
      {"periodic_neuron", {{"label_usvp", label_attack}}},
      {"lwe", {{"primal_usvp", lwe_primal}}},
      {"prg_hyperedge",
       {{"elimination", xor_elimination}, {"guess_and_determine", p5_guess_determine}}},
      {"sparse_parity",
       {{"elimination", parity_elimination},
        {"exhaustive", parity_exhaustive},
        {"bkw", parity_bkw},
        {"sgd", parity_sgd}}},
  };
  return table;
}

std::string names_of(const std::vector<NamedModel>& list) {
  std::string out;
  for (const NamedModel& m : list) out += (out.empty() ? "" : ", ") + m.attack;
  return out;
}

}  // namespace

Json AttackEstimate::to_json() const {
  return Json{{"attack", attack},
              {"learner", learner.empty() ? Json(nullptr) : Json(learner)},
              {"model", model},
              {"unit", unit},
              {"log2_ops", finite_or_null(log2_ops)},
              {"samples", finite_or_null(samples)},
              {"log2_memory", finite_or_null(log2_memory)},
              {"seconds", finite_or_null(seconds)},
              {"success_probability", success_probability},
              {"succeeds", succeeds},
              {"note", note},
              {"extrapolated", extrapolated},
              {"validated_range", validated_range},
              {"details", details}};
}

Json EstimateReport::to_json() const {
  Json list = Json::array();
  for (const AttackEstimate& a : attacks) list.push_back(a.to_json());
  return Json{{"problem", problem},
              {"params", params},
              {"n_train", n_train},
              {"attacks", list},
              {"cheapest", cheapest ? Json(attacks[*cheapest].attack) : Json(nullptr)}};
}

std::vector<std::string> estimate_attacks(const std::string& problem) {
  std::vector<std::string> out;
  if (auto it = models().find(problem); it != models().end()) {
    for (const NamedModel& m : it->second) out.push_back(m.attack);
  }
  return out;
}

EstimateReport estimate_costs(const EstimateRequest& request) {
  const ResolvedGenerate instance =
      resolve_generate({request.problem, request.problem_params, 1, {request.n_train, 1}, 1});
  const auto it = models().find(request.problem);
  if (it == models().end()) {
    std::string have;
    for (const auto& [name, list] : models()) have += (have.empty() ? "" : ", ") + name;
    fail("estimate: no cost model for problem '{}' yet (problems with one: {})", request.problem,
         have);
  }
  EstimateReport report;
  report.problem = request.problem;
  report.params = instance.params.to_json();
  report.n_train = request.n_train;
  for (const NamedModel& m : it->second) {
    if (!request.attack.empty() && m.attack != request.attack) continue;
    report.attacks.push_back(m.model(instance.params, request.n_train));
  }
  if (report.attacks.empty()) {
    fail("estimate: attack '{}' does not apply to problem '{}' (its attacks: {})", request.attack,
         request.problem, names_of(it->second));
  }
  for (std::size_t i = 0; i < report.attacks.size(); ++i) {
    const AttackEstimate& a = report.attacks[i];
    if (!a.succeeds || !std::isfinite(a.log2_ops)) continue;
    if (!report.cheapest || a.log2_ops < report.attacks[*report.cheapest].log2_ops) {
      report.cheapest = i;
    }
  }
  return report;
}

namespace {

// The estimate at `value` of the parameter.
EstimateReport estimate_at(const SolveRequest& request, std::int64_t value) {
  if (request.at_value) return estimate_costs(request.at_value(value));
  EstimateRequest r = request.base;
  r.problem_params[request.param] = std::to_string(value);
  return estimate_costs(r);
}

// Whether the estimate has reached the goal (see SolveRequest::Goal).
bool reached(const SolveRequest& request, const EstimateReport& e) {
  switch (request.goal) {
    case SolveRequest::Goal::kBits:
      return !e.cheapest || e.attacks[*e.cheapest].log2_ops >= request.target_bits;
    case SolveRequest::Goal::kThreshold:
      return !e.attacks.front().succeeds;
    case SolveRequest::Goal::kSeconds: {
      const AttackEstimate& a = e.attacks.front();
      return !a.succeeds || !(a.seconds < request.budget_seconds);
    }
  }
  return false;
}

std::string goal_text(const SolveRequest& request) {
  switch (request.goal) {
    case SolveRequest::Goal::kBits:
      return fmt::format("the cheapest attack costs at least 2^{}", request.target_bits);
    case SolveRequest::Goal::kThreshold:
      return fmt::format("{} is no longer predicted to succeed", request.base.attack);
    case SolveRequest::Goal::kSeconds:
      return fmt::format("{} takes at least {} s here (or fails)", request.base.attack,
                         request.budget_seconds);
  }
  return "";
}

void check_goal(const SolveRequest& request) {
  const bool one_attack = !request.base.attack.empty();
  if (request.goal != SolveRequest::Goal::kBits && !one_attack)
    fail("estimate --solve-for: a threshold or --budget-seconds needs --attack NAME");
  if (request.goal == SolveRequest::Goal::kBits && !(request.target_bits > 0))
    fail("--target-bits must be > 0, got {}", request.target_bits);
  if (request.goal == SolveRequest::Goal::kSeconds && !(request.budget_seconds > 0))
    fail("--budget-seconds must be > 0, got {}", request.budget_seconds);
}

}  // namespace

SolveRequest make_solve_request(EstimateRequest base, std::string param,
                                std::optional<double> target_bits,
                                std::optional<double> budget_seconds) {
  SolveRequest r;
  r.base = std::move(base);
  r.param = std::move(param);
  r.target_bits = target_bits.value_or(128.0);
  if (budget_seconds) {
    r.goal = SolveRequest::Goal::kSeconds;
    r.budget_seconds = *budget_seconds;
  } else if (!target_bits && !r.base.attack.empty()) {
    r.goal = SolveRequest::Goal::kThreshold;
  }
  return r;
}

SolveResult solve_for(const SolveRequest& request) {
  check_goal(request);
  const ResolvedGenerate instance = resolve_generate(
      {request.base.problem, request.base.problem_params, 1, {request.base.n_train, 1}, 1});
  const ParamDecl* decl = instance.problem->spec().find(request.param);
  if (!decl || decl->type != ParamType::kInt) {
    fail("estimate --solve-for: '{}' is not an integer parameter of {}", request.param,
         request.base.problem);
  }
  const std::int64_t max = std::isfinite(decl->max) ? static_cast<std::int64_t>(decl->max)
                                                    : std::numeric_limits<std::int64_t>::max() / 4;
  const auto at = [&](std::int64_t v) { return reached(request, estimate_at(request, v)); };
  SolveResult out;
  out.param = request.param;
  out.goal = goal_text(request);
  std::int64_t lo = instance.params.integer(request.param), hi = lo;
  if (at(lo)) {
    out.found = true;
    out.value = lo;
    out.at_value = estimate_at(request, lo);
    out.reason = fmt::format("already at {} = {}: {}", request.param, lo, out.goal);
    return out;
  }
  while (!at(hi)) {  // doubling: not reached at lo
    lo = hi;
    if (hi >= max) {
      out.below = lo;
      out.at_value = estimate_at(request, lo);  // the largest value tried
      out.reason = fmt::format("up to the parameter's maximum {} = {} it is never true that {}",
                               request.param, max, out.goal);
      return out;
    }
    hi = std::min(max, std::max<std::int64_t>(hi * 2, hi + 1));
  }
  while (hi - lo > 1) {  // not reached at lo, reached at hi
    const std::int64_t mid = lo + (hi - lo) / 2;
    (at(mid) ? hi : lo) = mid;
  }
  out.found = true;
  out.value = hi;
  out.below = lo;
  out.at_value = estimate_at(request, hi);
  return out;
}

Json SolveResult::to_json() const {
  Json out = at_value.to_json();
  out["solved"] = Json{{"found", found}, {"param", param},
                       {"goal", goal},   {"value", found ? Json(value) : Json(nullptr)},
                       {"below", below}, {"reason", reason}};
  return out;
}

}  // namespace hardnets
