// Counting models for exact training (docs/estimates.md, "Training
// problems"): the activation patterns exact_relu enumerates and the search
// spaces of the exact D-NNT solvers. Everything is in log2, since the counts
// pass 2^1000 long before a parameter reaches its maximum.
#pragma once

#include <cstdint>

namespace hardnets::estimate {

// log2 of Cover's count C(n, D) = 2 Σ_{i=0}^{D-1} binom(n - 1, i): the cells
// of an arrangement of n central hyperplanes in general position in R^D
// (Cover 1965), i.e. the activation patterns of one homogeneous unit on n
// points of R^D (D = d + 1 for an affine unit on R^d). Exact for D < n,
// and 2^n (every pattern) from D >= n.
double log2_cover_count(std::int64_t n, std::int64_t D);
// The count itself in double precision (by the binomial recurrence; exact
// while it fits 53 bits, +inf past 2^1024); 0 for n or D <= 0.
double cover_count(std::int64_t n, std::int64_t D);

// log2 Σ_{j=1}^{k} binom(N, j) for N = 2^log2_N: exact_relu's programs, one
// per set of at most k distinct (pattern, output sign) items, N = 2P
// (docs/learners.md; docs/exact-results.md measures exactly this count).
double log2_sets_up_to(double log2_N, std::int64_t k);

// log2 binom(T + k - 1, k) for T = 2^log2_T: the multisets of k
// interchangeable units' parameter tuples that dnnt_brute enumerates.
double log2_multisets(double log2_T, std::int64_t k);
// log2 Σ_{j=1}^{k} binom(T + j - 1, j): every node of the search tree that
// adds the k units one at a time in non-decreasing order (the partial
// choices and the full ones).
double log2_multiset_tree(double log2_T, std::int64_t k);

}  // namespace hardnets::estimate
