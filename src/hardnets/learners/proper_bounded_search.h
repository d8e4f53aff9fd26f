// Stage 3 of the `proper_bounded` learner (proper_bounded.h): the ε-net
// search. choose_net picks the requested net or the finest coarser one within
// the budget; search_net scores every candidate network on the training part
// (in fixed units of work merged in unit order, so the result does not depend
// on the thread count) and keeps a shortlist; choose_on_validation decodes the
// shortlist and keeps the candidate with the best validation loss.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "hardnets/core/dataset.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/proper_bounded.h"

namespace hardnets::proper_bounded {

// k >= 2 caches the Gram matrix of all ball points' activations: at most this
// many points.
inline constexpr std::uint64_t kMaxGramPoints = 4096;

// The best `capacity` (loss, index) pairs seen, ascending; ties go to the
// lower index.
class Shortlist {
 public:
  explicit Shortlist(std::size_t capacity) : capacity_(capacity) {}
  void offer(double loss, std::uint64_t index);
  void merge(const Shortlist& other);
  const std::vector<std::pair<double, std::uint64_t>>& items() const { return items_; }

 private:
  std::size_t capacity_;
  std::vector<std::pair<double, std::uint64_t>> items_;
};

// The net searched and what it costs.
struct NetChoice {
  std::optional<BallLattice> lattice;  // the ball points g = h z, z in the lattice
  NetShape shape;
  long double total = 0.0L;       // candidate networks: binom(ball points, k) × output points
  double requested_points = 0.0;  // ball points of the requested ε (a lower bound if uncounted)
  bool coarsened = false;         // a coarser ε than requested (the budget)
};
// The requested ε, or ε·2^{j/16} for the smallest j whose net fits
// max_candidates (and, for k >= 2, the Gram cache and m × N activations).
// UserError when the requested net has fewer than k points or nothing fits.
NetChoice choose_net(double epsilon, double output_bound, int k, int dim, Eigen::Index m,
                     std::int64_t max_candidates);

// The output-weight grid a = h_a u for u ∈ l1_ball_points(k, radius): one row
// per output point, in that order.
Matrix output_grid(int k, const NetShape& shape);

// A ball point h z, projected onto the unit ball.
Vector ball_point(const std::vector<std::int64_t>& z, double step);

// Colex unranking: the k-subset {j_1 < ... < j_k} of rank `ordinal`.
std::vector<std::uint64_t> unrank_subset(std::uint64_t ordinal, int k);

struct SearchResult {
  Shortlist shortlist{1};
  std::uint64_t evaluated = 0;  // candidates scored
  bool time_limited = false;    // stopped between rounds by the time limit
  Matrix points;                // k >= 2: every ball point (N x d'); empty for k = 1
};
// Scores every (k ball points, output point) candidate on (Xr, y) by its
// training loss, the quadratic (aᵀ G_S a - 2 aᵀ c_S + yᵀy)/m in the output
// weights a; candidate index = tuple rank (colex) × outputs + output row.
// The clock is read between rounds of units of work.
SearchResult search_net(const Matrix& Xr, const Vector& y, const NetChoice& net,
                        const Matrix& a_net, std::size_t shortlist_size, int threads,
                        const Stopwatch& clock, double time_limit);

// A candidate network in reduced coordinates: Σ_j a_j max(w_j·x', 0).
struct Candidate {
  Matrix W;  // k x d'
  Vector a;  // k
};
// Mean squared error of the candidate (W, a) on (X, y); NaN without rows.
double network_mse(const Matrix& X, const Vector& y, const Matrix& W, const Vector& a);

struct Chosen {
  Candidate best;
  double score = 0.0;  // its validation loss (training loss without validation)
};
// Decodes the shortlist and keeps the candidate with the least validation
// loss on (Xv, yv) (the training loss when Xv has no rows); the first on ties.
Chosen choose_on_validation(const SearchResult& result, const NetChoice& net, const Matrix& a_net,
                            int k, const Matrix& Xv, const Vector& yv);

}  // namespace hardnets::proper_bounded
