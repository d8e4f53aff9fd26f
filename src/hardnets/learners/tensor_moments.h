// The moment estimates of the `tensor` learner (tensor.h explains the method):
// the Hermite coefficients c_ℓ(b), the contractions M2, M3(g), M4(g, h) of
// T_ℓ = E[y He_ℓ(x)], and the fixed row blocks every pass over the data sums.
//
// A pass sums blocks of kBlockRows rows, each block into its own accumulator,
// and adds the blocks' sums in block order: the partial sums and their order
// do not depend on the thread count, so neither do the results (bit for bit).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hardnets/core/dataset.h"
#include "hardnets/core/parallel.h"

namespace hardnets::tensor {

// Rows per unit of work: a unit's partial sums do not depend on the thread
// count, and units are added in order.
inline constexpr Eigen::Index kBlockRows = 4096;
// Units processed between two ordered reductions (bounds the partials kept).
inline constexpr std::int64_t kWave = 64;

// Σ over fixed row blocks of `fn(acc, r0, count)`, each block into its own
// zero accumulator (from `zero()`), the blocks added in order with `add`.
template <typename Acc, typename Zero, typename Fn, typename Add>
Acc blocked_sum(Eigen::Index n, int threads, Zero&& zero, Fn&& fn, Add&& add) {
  const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
  Acc total = zero();
  for (std::int64_t w0 = 0; w0 < units; w0 += kWave) {
    const std::int64_t count = std::min(kWave, units - w0);
    std::vector<Acc> partial(static_cast<std::size_t>(count));
    parallel_for(count, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        Acc& acc = partial[static_cast<std::size_t>(u)];
        acc = zero();
        const Eigen::Index r0 = (w0 + u) * kBlockRows;
        fn(acc, r0, std::min(kBlockRows, n - r0));
      }
    });
    for (auto& p : partial) add(total, p);
  }
  return total;
}

// `fn(r0, count)` on every row block, in parallel: for per-row results, each
// block writing its own rows.
template <typename Fn>
void for_each_block(Eigen::Index n, int threads, Fn&& fn) {
  const std::int64_t units = (n + kBlockRows - 1) / kBlockRows;
  parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r0 = u * kBlockRows, count = std::min(kBlockRows, n - r0);
      fn(r0, count);
    }
  });
}

// The standard normal density φ and distribution function Φ.
double phi(double b);
double big_phi(double b);

// c_ℓ(b) of the Hermite identity for ℓ = 0..4 (c_0 = φ + bΦ, c_1 = Φ, c_2 = φ,
// c_3 = -bφ, c_4 = (b² - 1)φ).
double hermite_coefficient(int order, double b);

// Sample estimates of the contractions above, in one pass over (X, y):
// M2, T1 = E[y x], mean_y = E[y], and for each g in `gs`, M3(g) and M4(g, h).
// h is only used when `gs` is not empty. Thread-count independent.
struct Contractions {
  Matrix M2;
  Vector T1;
  double mean_y = 0.0;
  std::vector<Matrix> M3, M4;  // one per g
};
Contractions hermite_contractions(const Matrix& X, const Vector& y, const std::vector<Vector>& gs,
                                  const Vector& h, int threads = 1);

}  // namespace hardnets::tensor
