// `spectral_p5`: the pairing + top-eigenvector distinguisher for Goldreich's
// PRG with P5(x) = x1 ⊕ x2 ⊕ x3 ⊕ x4 x5 (Allen–O'Donnell–Witmer 2015, arXiv
// 1505.04383, applied to P5; docs/learners.md, `spectral_p5`).
//
// (−1)^{P5} = χ_{123} · (−1)^{x4 x5}: each output is a 3-XOR on the first
// three indices of its hyperedge with Bernoulli(1/4) noise. Two outputs i, i'
// whose XOR triples share an index e, {e, a, b} and {e, a', b'}, give
// (−1)^{y_i ⊕ y_i'} χ_{a b a' b'}(s) with expectation 1/4.
//
// Matrix (`arrangement = mixed`, the default). Over ORDERED pairs (x, x') ∈
// [n]², the pairing (e, {i, i'}) adds ss' = (−1)^{y_i ⊕ y_i'} at
// ((a, a'), (b, b')), ((a, b'), (b, a')) and their mirrors: one index of each
// output per side. With T_e[a][b] = T_e[b][a] = s_i for the outputs {e, a, b},
// the matrix is Σ_e T_e ⊗ T_e minus the self-terms i = i', blocks of small
// norm; the planted spike is v_(x, x') = (−1)^{s_x ⊕ s_x'} with Rayleigh
// quotient ≈ 2 · pairings / n² ≈ 9 m²/n³ (at the mean correlation 1/4).
// About 4.5 m²/n pairings (`pairings`, matrix_entries = 8 · pairings). The
// matrix is never stored: a product enumerates the pairings of each e on a
// symmetric n × n array (O(pairings + n²) time, O(m + n²) memory).
// `arrangement = clause` is the plain pair-against-pair matrix over the C(n, 2)
// unordered pairs of ONE output, A[(a, b), (a', b')] += ss' = Σ_e u_e u_eᵀ − D:
// each block u_e u_eᵀ has eigenvalue |u_e|² ≈ 3m/n, above the spike
// (≈ 4.5 m²/n³) until m ≈ n², so it is kept as a control. Outputs whose
// triples share two indices are paired through both (2-XORs, consistent with
// the same spike; a 2/n fraction). `max_entries` caps the matrix entries: the
// spectral step then uses the longest prefix of the outputs that fits.
//
// Spectrum. Power iteration on A + cI (c = max D for `clause`, where A + cI
// is positive semidefinite; for `mixed` the spectral radius estimated by a
// few products with A²), so it converges to the largest algebraic
// eigenvalue, from a fixed Gaussian start (Rng(ctx.seed, "spectral_p5")), at
// most `iterations` products or until the Rayleigh quotient changes by less
// than `tolerance` (relative): lambda_max. The baseline: the same on
// `null_permutations` random permutations of the labels (same hypergraph,
// same start): lambda_null = their mean, spectral_ratio = lambda_max /
// lambda_null, distinguished = spectral_ratio > ratio_threshold. Under
// uniform labels the two sides are exchangeable, so the test is fair at any
// iteration count. Single-threaded (ctx.threads is ignored).
//
// Seed. The top eigenvector spells a symmetric n × n matrix W ≈
// ±(−1)^{s_a ⊕ s_b}; the signs of W's top eigenvector (largest |λ|) and their
// complement are both tried, each improved by greedy local search (flip the
// bit that removes the most wrong outputs, at most `max_flips` flips), and
// verified against ALL outputs: found = a seed reproducing every output.
// On a lifted PRG network (prg_depth3, prg_depth2_smoothed) the clean rows
// are decoded to challenges first and the attack runs unchanged on them
// (prg_decode.h).
#pragma once

#include <cstdint>
#include <string>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

namespace spectral_p5 {
// The outputs the spectral step uses: the longest prefix of g's outputs
// whose pairings (two outputs sharing an index of their XOR triples, counted
// as each output arrives) take at most max_entries matrix entries at
// `per_pairing` entries each (8 mixed, 2 clause). n: the seed length.
std::int64_t fitting_prefix(const goldreich::Hypergraph& g, int n, double per_pairing,
                            std::int64_t max_entries);
}  // namespace spectral_p5

struct SpectralP5Options {
  std::string arrangement;
  int iterations = 0;
  double tolerance = 0;
  int null_permutations = 0;
  double ratio_threshold = 0;
  std::string rounding;
  std::int64_t max_flips = 0;
  std::int64_t max_entries = 0;
};

class SpectralP5Learner : public Learner {
 public:
  SpectralP5Learner();
  std::string name() const override { return "spectral_p5"; }
  TaskNeed needs(const Params&) const override {
    return {{&goldreich_schema(), &prg_depth3_schema(), &prg_depth2_schema()},
            "the P5 predicate and the seed length (a PRG network's rows are decoded to "
            "challenges first)",
            ""};
  }
  std::string summary() const override {
    return "spectral distinguisher for Goldreich's PRG with P5: 4-XOR pairings of outputs, top "
           "eigenvector of the pair matrix vs a label-permuted baseline, seed rounding + local "
           "search";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<SpectralP5Options> options_{"spectral_p5"};
};

}  // namespace hardnets
