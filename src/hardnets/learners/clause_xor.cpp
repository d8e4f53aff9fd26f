#include "hardnets/learners/clause_xor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "hardnets/contracts/natural_ksat_task.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/gf2_system.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<ClauseXorLearner>()};

constexpr const char* kWho = "clause_xor";

// The parity equations of one block: K variables and a right-hand side per
// label-0 row.
struct Equations {
  int K = 0;
  std::vector<int> vars;          // rows × K
  std::vector<std::uint8_t> rhs;  // rows

  std::size_t rows() const { return rhs.size(); }
  bool holds(std::size_t r, const std::vector<std::uint8_t>& u) const {
    std::uint8_t sum = 0;
    for (int t = 0; t < K; ++t) sum ^= u[static_cast<std::size_t>(vars[r * K + t])];
    return sum == rhs[r];
  }
};

struct Consensus {
  bool found = false;
  std::vector<std::uint8_t> u;  // the kept solution
  std::vector<int> free_columns;
  double agreement = 0.0;  // fraction of the block's equations it satisfies
  int rank = 0;
  int consistent = 0;  // subsets whose system was consistent
};

Consensus consensus(const Equations& eq, int n,
                    const std::vector<std::vector<std::size_t>>& subsets, const Deadline& deadline,
                    bool* timed_out) {
  Consensus best;
  std::size_t best_score = 0;
  for (const auto& subset : subsets) {
    if (deadline.expired()) {
      *timed_out = true;
      break;
    }
    gf2::System system(n);
    system.reserve(static_cast<std::int64_t>(subset.size()));
    for (std::size_t r : subset) {
      system.add_sparse({eq.vars.data() + r * eq.K, static_cast<std::size_t>(eq.K)}, eq.rhs[r]);
    }
    const gf2::Solution sol = system.solve();
    if (!sol.consistent) continue;
    ++best.consistent;
    std::size_t score = 0;
    for (std::size_t r = 0; r < eq.rows(); ++r) score += eq.holds(r, sol.x);
    if (!best.found || score > best_score) {
      best.found = true;
      best_score = score;
      best.u = sol.x;
      best.free_columns = sol.free_columns;
      best.rank = sol.rank;
    }
  }
  best.agreement =
      eq.rows() > 0 ? static_cast<double>(best_score) / static_cast<double>(eq.rows()) : 0.0;
  return best;
}

}  // namespace

ClauseXorLearner::ClauseXorLearner() {
  options_.cite("m4ri", "GF(2) elimination")
      .cite("daniely2020natural", "the theorem whose planting it attacks");
  using O = ClauseXorOptions;
  options_
      .integer("subsets", &O::subsets, 64, 1, 1'000'000,
               "random subsets of label-0 rows eliminated; the solution satisfying most "
               "equations is kept (consensus against the random tuples psi* satisfies)")
      .integer("subset_rows", &O::subset_rows, 0, 0, 1'000'000'000,
               "rows per subset; 0 = ceil((n/K) ln n) + n + 10 (enough for full rank), capped "
               "by the label-0 rows");
}

Fit ClauseXorLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  check_training_set(kWho, train, true);
  const natural_ksat::Task task = natural_ksat::Task::from_json(ctx.task, kWho);
  if (train.X.cols() != task.d) {
    fail("{}: training rows have {} columns, the task has d = {}", kWho, train.X.cols(), task.d);
  }
  const ClauseXorOptions options = options_.read(params);
  const Deadline deadline(ctx.time_limit_seconds);
  // The equations of every block, from the label-0 rows.
  std::vector<Equations> blocks(static_cast<std::size_t>(task.q));
  for (auto& eq : blocks) eq.K = task.K;
  double alpha = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < train.X.rows(); ++i) {
    if (train.y[i] != 0.0) {
      if (train.y[i] > 0.0) alpha = std::min(alpha, train.y[i]);
      continue;
    }
    for (int j = 0; j < task.q; ++j) {
      Equations& eq = blocks[static_cast<std::size_t>(j)];
      std::uint8_t rhs = static_cast<std::uint8_t>((1 + task.K) & 1);
      for (const auto& literal : natural_ksat::block_literals(train.X, i, j, task, kWho)) {
        eq.vars.push_back(literal.v);
        rhs ^= static_cast<std::uint8_t>(literal.negative);
      }
      eq.rhs.push_back(rhs);
    }
  }
  if (!std::isfinite(alpha)) alpha = 1.0;
  const std::size_t rows = blocks[0].rows();
  std::int64_t subset_rows = options.subset_rows;
  if (subset_rows == 0) {
    subset_rows = static_cast<std::int64_t>(
        std::ceil(task.n / static_cast<double>(task.K) * std::log(static_cast<double>(task.n))) +
        task.n + 10);
  }
  subset_rows = std::min<std::int64_t>(subset_rows, static_cast<std::int64_t>(rows));
  // The subsets: a partial Fisher–Yates draw per subset from its own substream.
  const Rng base = Rng(ctx.seed, stream_id(kWho)).substream("subsets");
  std::vector<std::vector<std::size_t>> subsets;
  for (std::int64_t t = 0; t < options.subsets && rows > 0; ++t) {
    Rng rng = base.substream(static_cast<std::uint64_t>(t));
    std::vector<std::size_t> order(rows);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::int64_t k = 0; k < subset_rows; ++k) {
      const auto pick =
          static_cast<std::size_t>(k) +
          static_cast<std::size_t>(rng.uniform_int(rows - static_cast<std::size_t>(k)));
      std::swap(order[static_cast<std::size_t>(k)], order[pick]);
    }
    order.resize(static_cast<std::size_t>(subset_rows));
    subsets.push_back(std::move(order));
  }

  Fit fit;
  bool timed_out = false;
  Matrix g = Matrix::Zero(task.q, task.n);
  Consensus first;
  for (int j = 0; j < task.q && !timed_out; ++j) {
    Consensus c =
        consensus(blocks[static_cast<std::size_t>(j)], task.n, subsets, deadline, &timed_out);
    if (c.found) {
      for (int v = 0; v < task.n; ++v) g(j, v) = c.u[static_cast<std::size_t>(v)] ? 1.0 : -1.0;
      for (int v : c.free_columns) g(j, v) = 0.0;
    }
    if (j == 0) first = std::move(c);
  }
  std::string assignment(static_cast<std::size_t>(task.n), '0');
  if (first.found) {
    for (int v = 0; v < task.n; ++v) {
      if (first.u[static_cast<std::size_t>(v)]) assignment[static_cast<std::size_t>(v)] = '1';
    }
  }
  fit.stats[metric::kSamples] = static_cast<double>(train.X.rows());
  fit.stats["zero_label_rows"] = static_cast<double>(rows);
  fit.stats["subset_rows"] = static_cast<double>(subset_rows);
  fit.stats["subsets"] = static_cast<double>(subsets.size());
  fit.stats["consistent_subsets"] = first.consistent;
  fit.stats["agreement"] = first.agreement;
  fit.stats["rank"] = first.rank;
  fit.stats["free_variables"] =
      first.found ? static_cast<double>(first.free_columns.size()) : static_cast<double>(task.n);
  fit.output["assignment"] = assignment;
  fit.output["agreement"] = first.agreement;
  fit.output["rank"] = first.rank;
  fit.output["found"] = first.found;
  if (timed_out) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format("{}: time limit of {} s reached during the consensus", kWho,
                              ctx.time_limit_seconds);
  }
  fit.predictor = natural_ksat::clause_sign_predictor(task, g, alpha, kWho);
  return fit;
}

}  // namespace hardnets
