// The public task of `natural_ksat` (the natural-weights K-SAT network; see
// problems/natural_ksat.h for the construction) as its attacks read it: the
// task's fields, the literals a clause input shows in each block, and the
// predictor that labels inputs from estimated sign patterns. In the contracts
// layer: the problem builds such tasks and `literal_majority` and
// `clause_xor` read them, and neither depends on the other.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hardnets/contracts/fit.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"

namespace hardnets {

namespace natural_ksat {
// The public task, parsed from a learner's context (UserError naming `who`).
struct Task {
  int n = 0, K = 0, q = 0, d = 0, d_c = 0;
  std::string label;  // "count" or "or"
  static Task from_json(const Json& task, const std::string& who);
};

// What a clause input shows of clause C_j without W: in block B_j exactly the
// K coordinates of its variables are nonzero, with sign(x_{j,v}) = −σ_v r_{j,v}.
struct BlockLiteral {
  int v = 0;              // variable
  bool negative = false;  // x_{j,v} < 0
};
// The K literals of block j (0-based) of row i, in variable order. UserError
// naming `who` unless exactly K coordinates of the block are nonzero.
std::vector<BlockLiteral> block_literals(const Matrix& X, Eigen::Index i, int j, const Task& task,
                                         const std::string& who);

// Predictor from estimated sign patterns g (q × n, entries ±1 for sign(w_{j,v}),
// 0 unknown): clause j of a row is violated iff each of its K coordinates has
// sign(x_{j,v}) = g_{j,v} (all literals false); it predicts α·#violated (label
// count) or 1[#violated > 0] (label or) — N_W's labels once g is right.
std::shared_ptr<Predictor> clause_sign_predictor(const Task& task, Matrix g, double alpha,
                                                 std::string who);
}  // namespace natural_ksat

}  // namespace hardnets
