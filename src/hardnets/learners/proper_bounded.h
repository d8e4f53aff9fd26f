// The `proper_bounded` learner: the bounded-weight proper learner for k ReLU
// units (Manurangsi–Reichman 2018 / Goel–Klivans–Manurangsi–Reichman, ITCS 2021,
// upper bound; docs/learners.md, `proper_bounded`).
//
// Class: f(x) = Σ_{j≤k} a_j max(w_j·x, 0) with ‖w_j‖ ≤ 1 and Σ_j |a_j| ≤ A
// (A = `output_bound`; no biases), for inputs ‖x‖ ≤ 1.
//
// 1. Split: a random `val_fraction` of the samples is held out.
// 2. Reduce the dimension of the m sample points to d':
//    span — project onto an orthonormal basis Q of span{x_i} (d' = rank; Q = I
//           when the rank is d). ERM depends only on w_j·x_i, and projecting
//           w_j onto the span keeps them and does not increase ‖w_j‖: exact.
//    jl   — x' = G x with G ∈ R^{d'×d}, G_ab ~ N(0, 1/d') (d' = `dim`), which
//           keeps the relevant inner products up to O(√(log m / d')).
// 3. Search (search = net): every network whose units are points of a
//    δ-net of the unit ball of R^{d'}, δ = ε/(2A), and whose output weights
//    lie on an ℓ1 net of the A-ball of R^k:
//      ball points  g = h z projected onto the ball, z ∈ Z^{d'},
//                   ‖z‖ ≤ (1 + δ)/h, h = ε/(A √d')  (grid covering radius
//                   h√d'/2 = δ; the projection is non-expansive);
//      output grid  a = h_a u, u ∈ Z^k, Σ|u_j| ≤ ⌊A/h_a⌋, h_a = ε/(2k)
//                   (truncation toward 0 stays in the ball, ℓ1 error < ε/2);
//    units are sets of k distinct ball points (colex order). Any network of
//    the class is then within ε·R in sup norm on ‖x‖ ≤ R of a candidate, so
//    the best candidate's root-mean-square training error is within ε·R of
//    the class optimum's. The loss of (units, a) is the quadratic
//    (aᵀ G_S a - 2 aᵀ c_S + yᵀy)/m in a, from the Gram matrix G of the units'
//    activation vectors and c = Zᵀy: O(k²) per candidate after O(m d') per
//    ball point. The `shortlist` best candidates on the training part are
//    scored on the validation part and the best of them is returned, lifted
//    back to R^d (w_j = Q w'_j, or Gᵀ w'_j for jl).
//    search = exact runs exact_relu's activation-pattern enumeration on the
//    reduced data instead (the route of Manurangsi–Reichman 2018: span
//    reduction, then exact ERM): the global optimum over k homogeneous units
//    Σ a_j [w_j·x]_+ without the norm bounds (exact_relu with
//    unit_bias = output_bias = false), lifted the same way; its
//    `net_points` is the number of convex programs visited.
//
// Cost: the theoretical net size is (6A/ε)^{d'} per unit (stat
// `net_theory`); the grid above has about V_{d'} (A√d'(1+δ)/ε)^{d'} points
// (`ball_points`, counted exactly), and the search evaluates
// binom(ball_points, k)·output_points candidates (`net_points`).
// `max_candidates` caps that: a larger net is replaced by the finest coarser
// net (ε' = ε·2^{j/16}) that fits, searched completely, and the result has
// status "timeout" with a message (`epsilon_searched` = ε'). The time limit
// stops the search between rounds, also with status "timeout" and the best
// network found so far. Candidates are scored in fixed blocks and merged in
// block order (ties to the lower index), so results are identical whatever
// ctx.threads is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::proper_bounded {

// The integer points z ∈ Z^dim with ‖z‖² ≤ q_max, in lexicographic order
// (z_0 most significant, each coordinate ascending), with exact counting and
// random access.
class BallLattice {
 public:
  // nullopt when the counting tables would cost more than ~3e8 operations.
  static std::optional<BallLattice> make(int dim, std::int64_t q_max);
  // The number of points, saturated at kSaturated.
  std::uint64_t size() const { return size_; }
  // The point of rank `ordinal` < size().
  std::vector<std::int64_t> point(std::uint64_t ordinal) const;
  static constexpr std::uint64_t kSaturated = std::uint64_t{1} << 62;

 private:
  std::uint64_t count(int t, std::int64_t q) const;  // #z ∈ Z^t with ‖z‖² ≤ q
  int dim_ = 0;
  std::int64_t q_max_ = 0;
  std::uint64_t size_ = 0;
  std::vector<std::uint64_t> table_;  // count(t, q) for t = 2..dim-1, q = 0..q_max
};

// The net of the class for a given ε, A, k and reduced dimension d'.
struct NetShape {
  double epsilon = 0.0;
  double step = 0.0;               // h = ε/(A √d')
  std::int64_t q_max = 0;          // ⌊((1 + ε/(2A))/h)²⌋
  double output_step = 0.0;        // h_a = ε/(2k)
  std::int64_t output_radius = 0;  // ⌊A/h_a⌋
  static NetShape make(double epsilon, double output_bound, int k, int dim);
};

// Integer vectors u ∈ Z^k with Σ|u_j| ≤ radius, lexicographic order.
std::vector<std::vector<std::int64_t>> l1_ball_points(int k, std::int64_t radius);

// (6A/ε)^{d'}: the textbook bound on an ε/(2A)-net of the unit ball.
double theoretical_net_size(double epsilon, double output_bound, int dim);

struct ProperBoundedOptions {
  int k = 1;
  double epsilon = 0;
  double output_bound = 0;
  std::string reduce;
  std::int64_t dim = 0;
  std::string search;
  double val_fraction = 0;
  std::int64_t shortlist = 0;
  std::int64_t max_candidates = 0;
};

class ProperBoundedLearner : public Learner {
 public:
  ProperBoundedLearner();
  std::string name() const override { return "proper_bounded"; }
  std::string summary() const override {
    return "bounded-weight proper learner for k ReLUs: dimension reduction, then an ε-net "
           "search (or exact enumeration), chosen on validation";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<ProperBoundedOptions> options_{"proper_bounded"};
};

}  // namespace hardnets::proper_bounded
