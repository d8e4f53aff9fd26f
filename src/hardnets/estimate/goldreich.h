// Cost model for Gaussian elimination on Goldreich's PRG with the XOR_k
// predicate: m outputs y_i = XOR of the seed bits on a uniform k-subset S_i of
// [n] form a linear system over GF(2) in the n seed bits.
//
// Exact recovery needs the solution space to be one point. A seed bit that
// occurs in no S_i is free; the number of such bits is close to Poisson with
// mean lambda = n (1 - k/n)^m (each of the m subsets misses a given bit with
// probability 1 - k/n). The attack returns one solution with its free bits
// set arbitrarily, right with probability 1/2 each, so with K free bits it is
// exact with probability 2^-K and E[2^-K] = exp(-lambda / 2) for K Poisson.
// Dependencies among the covered bits are modelled as for dense rows: a
// uniform m x n matrix has E[2^K] = 1 + (2^n - 1) 2^-m kernel vectors on
// average, so by Jensen E[2^-K] >= 1 / (1 + (2^n - 1) 2^-m), smooth and
// increasing in m. Our model (the product of the two factors), checked
// against the lab's measurements in docs/estimates.md.
#pragma once

#include <cstdint>
#include <vector>

namespace hardnets::estimate {

// lambda = n (1 - k/n)^m: the expected number of seed bits no output reads.
double uncovered_bits(std::int64_t n, std::int64_t k, double m);

// exp(-lambda / 2) / (1 + (2^n - 1) 2^-m): the probability that the
// returned solution is the seed (see above).
double xor_recovery_probability(std::int64_t n, std::int64_t k, std::int64_t m);

// The fewest outputs at which that probability reaches p (0 < p < 1).
std::int64_t xor_recovery_samples(std::int64_t n, std::int64_t k, double p);

// Guess-and-determine on Goldreich's PRG with P5(x) = x1 + x2 + x3 + x4 x5
// (Couteau, Dupin, Méaux, Rossi and Rotella, ASIACRYPT 2018): outputs that
// share their product pair {x4, x5} sum to linear equations (`collisions` of
// them); each guessed seed bit linearises the outputs of its pairs; once
// the linear equations reach n, GF(2) elimination gives the seed for each
// of the 2^g assignments of the guessed bits. The paper's estimate of the
// guesses is g = n (n - c) / (2m + n); the lab's greedy guessing
// (p5_collision) needs about two thirds of it (docs/prg-results.md: 0.64 to
// 0.69 of it at n = 128..1024, m = n^1.0..n^1.3), the factor below.
inline constexpr double kP5GreedyFactor = 2.0 / 3.0;
double p5_guesses(std::int64_t n, double m, double collisions);

// Linearization of any predicate at its GF(2) degree D (the gf2 learner with
// degree 0; Couteau et al. 2018 §3 discuss it as the generic algebraic
// attack). Output i is one linear equation in the monomials of its
// algebraic normal form on the seed bits of S_i; `monomials[j]` is how many
// monomials of degree j the ANF has (j = 0..D; the constant is ignored).
// The m outputs read m·monomials[j] monomials of degree j, uniform among
// the C(n, j), so about C(n, j) (1 - exp(-m monomials[j] / C(n, j))) of them
// are distinct: the unknowns U(m). The model (ours) says the system
// determines the seed once m >= U(m) — an equation whose monomial occurs
// nowhere else only fixes that monomial, which the count charges — and
// every seed bit occurs (m >= (n / k) ln(2n), the expected uncovered bits
// n e^{-mk/n} below one half). m - U(m) is convex in m with value 0 at 0,
// so its positive crossing is unique.
double linearization_unknowns(std::int64_t n, const std::vector<int>& monomials, double m);
// The least m (real-valued) at which both conditions hold; +inf when U(m)
// stays above m (no degree-1 term and nothing else: cannot happen for a
// non-constant predicate).
double linearization_samples(std::int64_t n, std::int64_t k, const std::vector<int>& monomials);

// The spectral distinguisher on P5 (spectral_p5): pairings of outputs whose
// XOR triples share an index, about 4.5 m (m - 1) / n of them
// (docs/learners.md, measured within 1%).
double p5_pairings(std::int64_t n, double m);
// It recovered the seed on at least 2 of 3 seeds from m = n^1.5 (the
// refutation threshold n^{t/2}, t = 3 for P5, Allen, O'Donnell and Witmer
// 2015) at every n in 32..1024, and on at most 1 of 3 at n^1.4
// (docs/prg-results.md): the model's threshold.
inline constexpr double kSpectralStretch = 1.5;

}  // namespace hardnets::estimate
