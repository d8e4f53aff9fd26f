// The many-sample primal attack on Continuous LWE (the lab's lll_primal) as
// unique-SVP, with the success condition of lattice_usvp.h.
//
// CLWE: n samples x_i ~ N(0, I_d), z_i = gamma <w, x_i> + e_i mod 1, |w| = 1,
// e_i ~ N(0, beta^2). With k_i the integer lifts, gamma X w = z + k - e, so
// for Q an orthonormal basis of the left null space of X (n x m, m = n - d)
// Q^T (z + k) = Q^T e. The embedding (learners/lll_primal.h) has rank n + 1:
//   rows (e_i, 0, C Q_i) for i < n and (0, tau, C Q^T z),   C = gamma/beta, tau = gamma,
// and holds the planted vector (k, tau, C Q^T e).
//
// Its geometry, derived in docs/estimates.md ("CLWE primal"):
//   planted norm^2 = n (gamma^2 + 1/3) + gamma^2 + m gamma^2
//     (k_i = gamma <w, x_i> + e_i - z_i: variance gamma^2 plus the fractional
//     part's 1/3; each of the m constraint coordinates C (Q^T e)_j has
//     variance C^2 beta^2 = gamma^2);
//   log vol = (m/2) log(1 + C^2) + (1/2) log(tau^2 + (m/3) C^2 / (1 + C^2))
//     (the Gram matrix of the first n rows is I + C^2 Q Q^T, determinant
//     (1 + C^2)^m; the last row's distance to their span is
//     sqrt(tau^2 + |Q^T z|^2 C^2 / (1 + C^2)) and E|Q^T z|^2 = m/3 for z
//     uniform on [0, 1) and a uniformly random null space).
// Our derivation (reconstruction: no source states this model for CLWE);
// checked against the lab's lll_primal thresholds in docs/estimates.md.
#pragma once

#include <string>

#include "hardnets/estimate/lattice_usvp.h"

namespace hardnets::estimate {

struct ClweParameters {
  int d = 0;              // secret dimension
  double gamma = 0;       // frequency
  double beta = 0;        // the noise the attack meets (> 0: beta or the samples' rounding)
  long long samples = 0;  // n available
  std::string validation_error() const;  // empty when valid
};

// The embedding with n samples (n > d).
EmbeddingGeometry clwe_embedding(const ClweParameters& p, long long n);

// The least block size and, for it, the samples n in [d + 1, samples] of
// widest margin (UsvpEstimate::samples_used is n). UserError on invalid
// parameters.
UsvpEstimate estimate_clwe_primal(const ClweParameters& p);

// The label attack on periodic neurons (the lab's lll_labels; learners/
// lll_labels.h): labels y = phi(gamma <w, x>) + N(0, sigma^2) lose the sign
// of gamma <w, x> mod 1, so gamma X w = k + eps o t - eps o eta with integer
// lifts k, signs eps and t the label's position in the half period. The
// embedding has rank 2n:
//   rows (e_i, 0, C Q_i) for k_i and (0, e_i, C t_i Q_i) for eps_i,  C = gamma/sigma,
// holding the planted (k, eps, C Q^T (eps o eta)). Its geometry (our
// derivation, docs/estimates.md): planted norm^2 = n (gamma^2 + 1/12) + n +
// m gamma^2 (t uniform on [0, 1/2] has E t^2 = 1/12; each sign is +-1; each
// constraint coordinate has variance C^2 sigma^2 = gamma^2); the Gram matrix
// is I + C^2 U U^T with U^T U = I_m + Q^T T^2 Q, about (13/12) I_m, so
// log vol = (m/2) log(1 + 13 C^2 / 12). `beta` of p is the label noise
// sigma; the cos link is treated as the triangle wave's (its noise on t is
// sigma / (2 pi |sin|), on average comparable).
EmbeddingGeometry label_embedding(const ClweParameters& p, long long n);
UsvpEstimate estimate_label_attack(const ClweParameters& p);

}  // namespace hardnets::estimate
