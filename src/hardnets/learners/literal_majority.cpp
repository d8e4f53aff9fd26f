#include "hardnets/learners/literal_majority.h"

#include <cmath>
#include <limits>
#include <vector>

#include "hardnets/contracts/natural_ksat_task.h"
#include "hardnets/core/error.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<LiteralMajorityLearner>()};

constexpr const char* kWho = "literal_majority";

}  // namespace

LiteralMajorityLearner::LiteralMajorityLearner() {
  options_.cite("daniely2020natural", "the theorem whose planting it attacks");
}

Fit LiteralMajorityLearner::fit_impl(const Dataset& train, const Params& /*params*/,
                                     const LearnerContext& ctx) const {
  check_training_set(kWho, train, true);
  const natural_ksat::Task task = natural_ksat::Task::from_json(ctx.task, kWho);
  if (train.X.cols() != task.d) {
    fail("{}: training rows have {} columns, the task has d = {}", kWho, train.X.cols(), task.d);
  }
  // votes(j, v) = Σ over label-0 rows of sign(x_{j,v}).
  Matrix votes = Matrix::Zero(task.q, task.n);
  std::int64_t rows = 0;
  double alpha = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < train.X.rows(); ++i) {
    if (train.y[i] != 0.0) {
      if (train.y[i] > 0.0) alpha = std::min(alpha, train.y[i]);
      continue;
    }
    ++rows;
    for (int j = 0; j < task.q; ++j) {
      for (const auto& literal : natural_ksat::block_literals(train.X, i, j, task, kWho)) {
        votes(j, literal.v) += literal.negative ? -1.0 : 1.0;
      }
    }
  }
  if (!std::isfinite(alpha)) alpha = 1.0;
  // ĝ = −sign(votes): the estimate of sign(w_{j,B_j}); 0 where no vote or a tie.
  const Matrix g = -votes.unaryExpr([](double s) { return s > 0 ? 1.0 : (s < 0 ? -1.0 : 0.0); });
  std::string assignment(static_cast<std::size_t>(task.n), '0');
  int unseen = 0, ties = 0;
  std::int64_t min_votes = std::numeric_limits<std::int64_t>::max();
  for (int v = 0; v < task.n; ++v) {
    if (g(0, v) > 0) assignment[static_cast<std::size_t>(v)] = '1';
  }
  // Per-variable vote counts of block 1 (appearances, not the signed sum).
  std::vector<std::int64_t> appearances(static_cast<std::size_t>(task.n), 0);
  for (Eigen::Index i = 0; i < train.X.rows(); ++i) {
    if (train.y[i] != 0.0) continue;
    for (int v = 0; v < task.n; ++v)
      appearances[static_cast<std::size_t>(v)] += train.X(i, v) != 0.0;
  }
  for (int v = 0; v < task.n; ++v) {
    const auto a = appearances[static_cast<std::size_t>(v)];
    min_votes = std::min(min_votes, a);
    if (a == 0) {
      ++unseen;
    } else if (votes(0, v) == 0) {
      ++ties;
    }
  }
  Fit fit;
  fit.stats[metric::kSamples] = static_cast<double>(train.X.rows());
  fit.stats["zero_label_rows"] = static_cast<double>(rows);
  fit.stats["unseen"] = unseen;
  fit.stats["ties"] = ties;
  fit.stats["min_appearances"] = static_cast<double>(min_votes);
  fit.output["assignment"] = assignment;
  fit.output["unseen"] = unseen;
  fit.output["ties"] = ties;
  fit.predictor = natural_ksat::clause_sign_predictor(task, g, alpha, kWho);
  return fit;
}

}  // namespace hardnets
