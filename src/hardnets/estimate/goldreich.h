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

}  // namespace hardnets::estimate
