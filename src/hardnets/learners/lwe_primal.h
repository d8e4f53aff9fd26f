// The primal attack on LWE (`lll_primal` on a task of family lwe;
// docs/learners.md, `lll_primal`): Kannan's embedding with Bai and
// Galbraith's secret scaling, the attack the primal-uSVP estimate
// (estimate/lattice_usvp.h) models, so the two can be compared run by run.
//
// From m samples b = A s + e mod q (A: m x n) the lattice of dimension
// m + n + 1 is spanned by the rows
//   q-rows    (q w_e u_i, 0, 0)            i < m  (u_i: the i-th unit vector)
//   a-rows    (w_e A[:, j]^T, w_s u_j, 0)   j < n
//   the b-row (w_e b^T, 0, w_t)
// and holds v = b-row - sum_j s_j a-row_j - sum_i k_i q-row_i =
// (w_e e, -w_s s, w_t), e = b - A s - q k: the short vector. The weights
// balance the coordinates (w_e sigma_e ~ w_s std(s), Bai-Galbraith 2014) and
// w_t ~ w_e sigma_e is the embedding constant. A reduced row whose last
// coordinate is +-w_t and whose other blocks are multiples of their weights
// is read as a candidate secret; it is `found` when the residuals
// b - <a, s> mod q on held-out samples (at least 16, at most 4096, never in
// the lattice) have RMS at most min(3 sigma_e, q / sqrt 48), where a wrong
// secret leaves residuals uniform mod q (RMS q / sqrt 12). A uniform secret is first
// moved to the errors' law by the normal form (Applebaum, Cash, Peikert and
// Sahai, CRYPTO 2009): n samples with an invertible A_0 are spent, the rest
// become an LWE instance whose secret is e_0, and s = A_0^{-1} (b_0 - e_0).
#pragma once

#include <cstdint>
#include <vector>

#include "hardnets/core/json.h"
#include "hardnets/learners/lattice.h"

namespace hardnets::lattice {

struct LweAttackOptions {
  std::int64_t samples = 0;  // m in the lattice; 0 = the estimate's m (or min(2n, available))
  ReduceOptions reduce;
};

// x -> <x, s> mod q: what the judge's close_fraction scores.
class LwePredictor : public Predictor {
 public:
  LwePredictor(std::vector<std::int64_t> s, std::int64_t q) : s_(std::move(s)), q_(q) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;

 private:
  std::vector<std::int64_t> s_;
  std::int64_t q_;
};

// The attack on `train` (rows a_i, labels b_i) for the lwe task `task`.
Fit lwe_primal_attack(const Dataset& train, const Json& task, const LweAttackOptions& options,
                      double time_limit_seconds);

// The embedding weights (w_e, w_s, w_t) for errors of width sigma_e and a
// secret of standard deviation secret_std (exposed for tests).
struct EmbeddingWeights {
  std::int64_t error = 1, secret = 1, tail = 1;
};
EmbeddingWeights embedding_weights(double sigma_e, double secret_std);

// A^{-1} mod q for a square matrix of residues, q prime (Gauss-Jordan);
// false when A is singular mod q.
bool invert_mod(std::vector<std::vector<std::int64_t>> A, std::int64_t q,
                std::vector<std::vector<std::int64_t>>& inverse);

}  // namespace hardnets::lattice
