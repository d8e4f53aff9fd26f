// The primal lattice attack on LWE as unique-SVP, under the geometric-series
// assumption (GSA): the model the lattice estimator calls `primal_usvp`
// (Albrecht, Player and Scott, J. Math. Cryptology 2015; the success
// condition of Alkim, Ducas, Pöppelmann and Schwabe, USENIX Security 2016,
// verified by Albrecht, Göpfert, Virdia and Wunderer, ASIACRYPT 2017).
//
// LWE: m samples b = A s + e mod q, s in Z^n with per-coordinate standard
// deviation sigma_s, e with sigma_e. Kannan's embedding of (A, b) with the
// secret part scaled by xi = sigma_e / sigma_s (Bai and Galbraith, ACISP
// 2014) is a lattice of dimension d = m + n + 1 and volume q^m xi^n holding
// the short vector (xi s, e, 1), every coordinate of standard deviation about
// sigma_e. BKZ with block size beta reduces it to a basis whose Gram-Schmidt
// norms fall geometrically by delta(beta)^2 a step (GSA), delta the root
// Hermite factor. The short vector's projection on the last beta coordinates
// has norm about sigma_e sqrt(beta), and BKZ-beta finds it (ADPS16) when
//
//   sigma_e sqrt(beta) <= delta(beta)^(2 beta - d) vol^(1/d),
//
// provided the short vector is unique, i.e. shorter than the Gaussian
// heuristic's lambda_1 = sqrt(d / (2 pi e)) vol^(1/d) (our explicit
// addition: the inequality alone accepts underdetermined embeddings with
// m = 1 sample at small n, where the lab's attack then fails).
//
// The estimate is the least beta for which some m <= the samples available
// satisfies this; its cost in the core-SVP model is one SVP call in
// dimension beta, 2^(0.292 beta) classically (Becker, Ducas, Gama and
// Laarhoven, SODA 2016, sieving) and 2^(0.265 beta) quantumly (Laarhoven's
// thesis, 2015).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/estimate/calibration.h"

namespace hardnets::estimate {

// delta(beta) = ((pi beta)^(1/beta) beta / (2 pi e))^(1 / (2 (beta - 1))),
// Chen's thesis (2013), the asymptotic root Hermite factor of BKZ-beta; used
// for beta >= kAsymptoticFrom. Below it the formula is not monotone and
// overstates small blocks, so log delta is interpolated linearly in beta
// through the values this lab's BKZ 2.0 measured (calibration.h) and the
// formula at kAsymptoticFrom; below the smallest measured block size, its
// value. The two-argument form takes the measured points explicitly (tests).
inline constexpr int kAsymptoticFrom = 50;
inline constexpr double kLllRootHermite = 1.0219;  // Gama and Nguyen, EUROCRYPT 2008
double root_hermite_factor(int beta);
double root_hermite_factor(int beta, const std::vector<DeltaPoint>& measured);

struct LweParameters {
  int n = 0;                             // secret dimension
  double q = 0;                          // modulus
  double sigma_s = 1;                    // secret standard deviation per coordinate
  double sigma_e = 1;                    // error standard deviation
  long long samples = 0;                 // m available
  std::string validation_error() const;  // empty when valid
};

struct UsvpEstimate {
  bool feasible = false;             // some beta <= d and m <= samples satisfy the condition
  int block_size = 0;                // beta
  int dimension = 0;                 // d = m + n + 1
  long long samples_used = 0;        // m
  double delta = 0;                  // delta(beta)
  double log2_core_svp = 0;          // 0.292 beta
  double log2_core_svp_quantum = 0;  // 0.265 beta
  std::string reason;                // when not feasible: why
};

// What the ADPS16 condition reads of an embedding: its rank d, log of its
// volume and the expected norm of the planted vector (the LWE and the CLWE
// embeddings differ only in these).
struct EmbeddingGeometry {
  double dimension = 0;
  double log_volume = 0;
  double planted_norm = 0;
};

// log(rhs) - log(lhs) of planted_norm sqrt(beta / d) <= delta(beta)^(2 beta
// - d) vol^(1/d); -inf when beta > d or the planted vector is not shorter
// than the Gaussian heuristic (the uniqueness premise).
double usvp_margin(const EmbeddingGeometry& g, int beta);

// The LWE embedding with m samples (d = m + n + 1, vol = q^m xi^n, planted
// norm sigma_e sqrt(d)).
EmbeddingGeometry lwe_embedding(const LweParameters& p, long long m);

// Whether BKZ-beta on the embedding with m samples meets the ADPS16
// condition (and the uniqueness premise); exposed for tests. The margin is
// log(rhs) - log(lhs) of the inequality (-inf when the premise fails).
bool usvp_condition(const LweParameters& p, int beta, long long m);
double usvp_margin(const LweParameters& p, int beta, long long m);

// The least beta in [2, d] and, for it, the m in [m_lo, m_hi] of widest
// margin, for any embedding family `geometry(m)` (LWE's and CLWE's). Searched
// exhaustively: the condition is not monotone in m (more samples add volume
// and dimension), so no bisection on m. `reason` is left for the caller.
UsvpEstimate search_usvp(long long m_lo, long long m_hi,
                         const std::function<EmbeddingGeometry(long long m)>& geometry);

// The least block size and, for it, the samples in [1, samples] with the
// widest margin. UserError on invalid parameters.
UsvpEstimate estimate_primal_usvp(const LweParameters& p);

}  // namespace hardnets::estimate
