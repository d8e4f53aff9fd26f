// The integer-relation attack on Continuous LWE (the lab's lll_relation): d + 1
// samples (x_i, z_i = gamma <w, x_i> + e_i mod 1), one LLL reduction of a
// (d + 2)-dimensional relation lattice at P bits of precision. It recovers w
// when the noise is below a threshold beta*(d, gamma); the lab's located
// thresholds (10 seeds per cell, d = 4..20, gamma = 2 sqrt(d), 1024-bit
// samples) fit
//
//   log2(1 / beta*) = d log2(gamma sqrt(n)) + c n^2,   n = d + 1,  c = 0.11,
//
// the first term the volume heuristic of the relation lattice, the second
// LLL's exponential approximation factor (docs/clwe-results.md §1: rms error
// of ln beta* 4.1). A sample stored with P bits carries rounding noise 2^-P,
// so the noise the attack meets is max(beta, 2^-P).
#pragma once

namespace hardnets::estimate {

inline constexpr double kRelationC = 0.11;  // fitted, docs/clwe-results.md §1

// log2(1 / beta*) of the formula above.
double relation_log2_inverse_threshold(int d, double gamma);

// A rough cost of LLL (L^2 of Nguyen and Stehlé, SIAM J. Comput. 2009) on a
// D-dimensional basis of P-bit entries: D^4 P (D + P) bit operations, log2.
double lll_log2_bit_operations(int dimension, int precision_bits);

}  // namespace hardnets::estimate
