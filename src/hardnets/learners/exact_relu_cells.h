// Stage 2 of the `exact_relu` learner: the convex program of one cell tuple.
//
// On the closed cell with activation set S_j, unit j is the linear function
// 1[i∈S_j] θ_j·x̃_i under the sign constraints θ_j·x̃_i ≥ 0 (i ∈ S_j),
// ≤ 0 (i ∉ S_j). With output signs s_j = ±1 fixed (positive homogeneity), the
// loss over (θ_1..θ_k, c) is convex: a QP for square loss, an LP for l1 and
// linf, with k·n linear constraints. Solving WITHOUT the sign constraints
// would be wrong (fitted lines leave their cells; docs/learners.md,
// `exact_relu`, gives the counterexample).
//
// Square loss: the unconstrained least squares value is a lower bound; a
// program is pruned when it exceeds the cutoff, taken when its minimiser
// satisfies the sign constraints, and otherwise solved exactly by the dual of
// the cone projection (an NNLS on the constraint multipliers), then polished
// by an equality-constrained least squares on the active face. l1/linf: LPs
// (Clp), pruned when a bound from the labels alone exceeds the cutoff; the
// search re-solves one LP per sign tuple from the previous basis (WarmLp).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "hardnets/core/dataset.h"

namespace hardnets::exact_relu {

enum class Loss { kSquare, kL1, kLinf };
Loss loss_from_name(const std::string& name);

// One unit: activation pattern, output sign a_j = ±1 and θ_j = (w_j, b_j)
// (θ_j = w_j without a unit bias).
struct Unit {
  std::vector<std::uint64_t> pattern;
  int sign = 1;
  Vector theta;
};

struct CellSolution {
  bool solved = false;  // false: pruned (lower bound above the cutoff)
  double loss = 0.0;    // Σ ℓ (linf: max |r|) of the network, real ReLUs
  std::vector<Unit> units;
  double c = 0.0;
};

// The convex program of one cell tuple: `units` give patterns and signs
// (their theta is ignored). The solve is skipped (solved = false) when a
// lower bound exceeds `cutoff`: the unconstrained least squares value for
// square loss, the bound from the labels alone for l1/linf. l1/linf are
// solved cold here (the learner warm-starts them).
CellSolution solve_cell(const Matrix& X, const Vector& y, const std::vector<Unit>& units, Loss loss,
                        bool output_bias, double cutoff = 1e300, bool unit_bias = true);

// Σ ℓ of the network on (X, y).
double network_loss(const Matrix& X, const Vector& y, const std::vector<Unit>& units, double c,
                    Loss loss, bool unit_bias = true);

// ---- The stage's working interface (the search and the learner use it).

// The training data in the form every cell program reads.
struct Data {
  Eigen::MatrixXd Xt;  // n x D, rows x̃_i = (x_i, 1), or x_i without a unit bias
  Eigen::VectorXd norms;
  Vector y;
  double yy = 0.0, ysum = 0.0;
  int n = 0, D = 0, T = 0;
  // Per point: upper triangle of x̃x̃ᵀ, then x̃, then y x̃ (T numbers).
  std::vector<double> packed;
  Loss loss = Loss::kSquare;
  bool bias = true;
  std::vector<int> order;  // point indices by ascending label (ties by index)
};

Data make_data(const Matrix& X, const Vector& y, Loss loss, bool bias, bool unit_bias);

// A (pattern, sign) item: `bits` points into a pattern store (not owned).
struct Item {
  const std::uint64_t* bits;
  int sign;
};

inline bool active(const std::uint64_t* bits, int i) {
  return (bits[i / 64] >> (i % 64)) & 1U;
}

// A solved (or pruned) program: u = (θ_1, ..., θ_k, c?) and its honest loss.
struct Program {
  bool solved = false;
  double loss = std::numeric_limits<double>::infinity();
  Eigen::VectorXd u;
  bool qp = false;  // needed the constrained solve
};

// u = (θ_1, ..., θ_k, c?) -> Σ ℓ with real ReLUs.
double honest_loss(const Data& data, const std::vector<Item>& items, const Eigen::VectorXd& u);

// The square-loss program of `items`; pruned (solved = false) when the
// unconstrained least squares value exceeds `cutoff`.
Program solve_square(const Data& data, const std::vector<Item>& items, double cutoff);

// Lower bound on the l1/linf program of `items` from the labels alone.
double lp_lower_bound(const Data& data, const std::vector<Item>& items);

// The l1/linf LP of k-tuples of one sign tuple, re-solved from the previous
// basis: the tuple enters only through bounds.
class WarmLp {
 public:
  WarmLp(const Data& data, int k);
  ~WarmLp();
  WarmLp(const WarmLp&) = delete;
  WarmLp& operator=(const WarmLp&) = delete;
  Program solve(const std::vector<Item>& items);

 private:
  class Model;
  std::unique_ptr<Model> model_;
};

// KKT residual of a square-loss cell solution (stationarity relative to
// 1 + ‖Aᵀy‖, plus primal infeasibility relative to ‖x̃‖ max(1, ‖θ‖)).
double kkt_residual(const Data& data, const std::vector<Item>& items, const Eigen::VectorXd& u);

}  // namespace hardnets::exact_relu
