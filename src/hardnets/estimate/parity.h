// Cost models for learning a k-sparse parity over n variables from m
// uniformly random examples (x in {0,1}^n, y = <x, 1_S> mod 2, each label
// flipped with probability eta): Gaussian elimination and exhaustive search
// over the C(n, k) supports.
#pragma once

#include <cstdint>

namespace hardnets::estimate {

// The probability that m uniform rows over GF(2)^n have rank n:
// prod_{j=0}^{n-1} (1 - 2^(j - m)) for m >= n, 0 below (the standard count
// of full-rank matrices over a finite field).
double full_rank_probability(std::int64_t m, std::int64_t n);

// The fewest rows whose full-rank probability is at least p (0 < p < 1).
std::int64_t rows_for_full_rank(std::int64_t n, double p);

// log2 C(n, k), by lgamma.
double log2_binomial(std::int64_t n, std::int64_t k);

// Exhaustive search, noiseless: every wrong support agrees with a sample
// with probability 1/2 independently, so all C - 1 are rejected by m samples
// with probability (1 - 2^-m)^(C - 1). Noisy (0 < eta < 1/2): score each
// support by its agreement; with gap eps = 1/2 - eta, Hoeffding's inequality
// at the midpoint threshold bounds each support's error by exp(-m eps^2 / 2),
// so the union bound gives success >= 1 - C exp(-m eps^2 / 2) (a lower
// bound, reported as such).
double exhaustive_success_probability(std::int64_t n, std::int64_t k, double eta, double m);
// The fewest samples at which that probability reaches p (0 < p < 1).
double exhaustive_samples(std::int64_t n, std::int64_t k, double eta, double p);

// Blum-Kalai-Wasserman (J. ACM 2003) with the LF1 final step of Levieil and
// Fouque (SCN 2006) for learning parity with noise eta, ignoring sparsity:
// a rounds on blocks of b = ceil(n / a) bits; each of the first a - 1 rounds
// zeroes a block by XORing samples that agree on it (losing up to 2^b samples
// a round), so a final sample is the XOR of 2^(a-1) originals with bias
// eps^(2^(a-1)), eps = 1 - 2 eta; a Walsh-Hadamard transform over the last
// block's 2^b candidates then needs m' = 8 b ln 2 / eps^(2^a) of them (LF1's
// bound). Samples m = m' + (a - 1) 2^b; bit operations a ((a - 1) m n +
// b 2^b + m' b), one run per block of the secret. The a chosen is the
// cheapest among those whose m fits the samples available (else the
// cheapest overall, not fitting).
struct BkwEstimate {
  int rounds = 0;      // a
  int block_bits = 0;  // b
  double log2_samples = 0;
  double log2_ops = 0;
  bool fits = false;  // m <= the samples available
};
BkwEstimate bkw_lf1(std::int64_t n, double eta, double samples_available);
// The estimate at a given number of rounds (for tests).
BkwEstimate bkw_lf1_rounds(std::int64_t n, double eta, int rounds);

}  // namespace hardnets::estimate
