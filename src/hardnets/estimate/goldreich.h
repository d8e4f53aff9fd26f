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

}  // namespace hardnets::estimate
