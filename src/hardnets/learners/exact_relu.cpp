#include "hardnets/learners/exact_relu.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/exact_relu_search.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::exact_relu {
namespace {

const LearnerRegistration kRegister{std::make_unique<ExactReluLearner>()};

std::string pattern_string(const std::uint64_t* bits, int n) {
  std::string s(static_cast<std::size_t>(n), '0');
  for (int i = 0; i < n; ++i) {
    if (active(bits, i)) s[static_cast<std::size_t>(i)] = '1';
  }
  return s;
}

const char* loss_name(Loss loss) {
  switch (loss) {
    case Loss::kSquare:
      return "square";
    case Loss::kL1:
      return "l1";
    case Loss::kLinf:
      return "linf";
  }
  return "?";
}

}  // namespace

ExactReluLearner::ExactReluLearner() {
  options_.cite("arora2018understanding", "exact training by enumerating activation patterns")
      .cite("froese2022computational", "the arrangement algorithm")
      .cite("cover1965geometrical", "the pattern count")
      .cite("clp", "the l1 and linf programs")
      .cite("lawson1974solving", "NNLS for the square-loss programs");
  using O = ExactReluOptions;
  options_
      .integer("k", &O::k, 1, 0, 8,
               "hidden ReLU units (cost grows like (2·patterns)^k; k >= 3 is slow); 0 = the "
               "task's hidden_width (relu_reduction)")
      .choice("loss", &O::loss, "square", {"square", "l1", "linf"},
              "training loss: Σ squared residuals (QP per cell), Σ absolute residuals or the "
              "largest absolute residual (LP per cell, Clp)")
      .flag("output_bias", &O::output_bias, true, "fit an output bias c")
      .flag("unit_bias", &O::unit_bias, true,
            "hidden units [w·x + b]_+ with a bias b; false: homogeneous units [w·x]_+ (the class "
            "of relu_reduction)")
      .integer("max_patterns", &O::max_patterns, 100'000'000, 1, std::int64_t{1} << 50,
               "budget on distinct patterns and on convex programs (pattern tuple × signs); "
               "beyond it: status timeout with the best network found");
}

Fit ExactReluLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  check_training_set("exact_relu", train);
  const ExactReluOptions options = options_.read(params);
  int k = options.k;
  if (k == 0) {
    k = static_cast<int>(
        task_integer(ctx.task, kHiddenWidth, "exact_relu", "k = 0", "pass -l k=K (1 <= K <= 8)"));
  }
  if (k < 1 || k > 8) fail("exact_relu: k must be in [1, 8], got {}", k);
  const bool unit_bias = options.unit_bias;
  const int max_d = kMaxRank - (unit_bias ? 1 : 0);
  if (train.dim() > max_d) {
    fail(
        "exact_relu: d = {} is beyond the exact solver (d <= {}); the pattern count grows like "
        "n^d",
        train.dim(), max_d);
  }
  const Loss loss = loss_from_name(options.loss);
  const bool bias = options.output_bias;
  const std::int64_t max_patterns = options.max_patterns;
  const int threads = std::max(1, ctx.threads);
  const double time_limit = ctx.time_limit_seconds;
  const Stopwatch clock;
  const Data data = make_data(train.X, train.y, loss, bias, unit_bias);
  const int n = data.n, D = data.D;

  Fit fit;
  const EnumerationResult en =
      enumerate_patterns(train.X, threads, time_limit, max_patterns, unit_bias);
  const Patterns& patterns = en.patterns;
  fit.stats["patterns"] = static_cast<double>(patterns.size());
  // Central arrangements in R^d have the affine count of R^{d-1}.
  fit.stats["cover_count"] = cover_count(n, train.dim() - (unit_bias ? 0 : 1));
  std::vector<std::string> notes;
  if (k >= 3) {
    notes.push_back(fmt::format(
        "warning: k = {} solves binom({}, {}) ≈ {:.3g} convex programs", k, 2 * patterns.size(), k,
        static_cast<double>(binom(static_cast<std::int64_t>(2 * patterns.size()), k))));
  }

  // Starting network: θ = 0 and the best constant.
  Best best = starting_network(data);
  SearchStats stats;
  stats.complete = en.complete;
  if (!en.complete) {
    stats.why = clock.seconds() > time_limit
                    ? "time limit (enumerating patterns)"
                    : fmt::format("max_patterns = {} patterns", max_patterns);
  }
  // Units 1..k in turn: each optimum (padded with zero units) starts the next.
  search_units(data, patterns, k, threads, clock, time_limit, max_patterns, best, stats);
  if (!stats.complete) {
    fit.status = Outcome::time_limit;
    notes.insert(notes.begin(),
                 fmt::format("stopped by the {} after {} programs: the network is the best found, "
                             "not a certified optimum",
                             stats.why, stats.programs));
  }
  for (std::size_t q = 0; q < notes.size(); ++q) {
    fit.message += (q ? "; " : "") + notes[q];
  }

  // The network: k units (unused ones zero).
  const int kk = static_cast<int>(best.u.size() - (bias ? 1 : 0)) / D;
  ReluNet net({static_cast<int>(train.dim()), k, 1});
  auto& L = net.layers();
  Json units = Json::array();
  for (int j = 0; j < kk; ++j) {
    const Eigen::VectorXd theta = best.u.segment(j * D, D);
    const bool have = j < best.found_k;
    const std::int64_t item = have ? best.items[static_cast<std::size_t>(j)] : 0;
    const int sign = item % 2 ? -1 : 1;
    const int d = static_cast<int>(train.dim());
    L[0].W.row(j) = theta.head(d).transpose();
    L[0].b[j] = unit_bias ? theta[d] : 0.0;
    L[1].W(0, j) = sign;
    Json unit{{"sign", sign},
              {"w", std::vector<double>(theta.data(), theta.data() + d)},
              {"b", L[0].b[j]}};
    if (have) {
      unit["pattern"] = pattern_string(patterns[static_cast<std::size_t>(item / 2)], n);
    }
    units.push_back(unit);
  }
  L[1].b[0] = bias ? best.u[best.u.size() - 1] : 0.0;
  const Vector f = net.forward(train.X);
  const Vector r = f - train.y;
  const double opt = loss == Loss::kSquare ? r.squaredNorm()
                     : loss == Loss::kL1   ? r.cwiseAbs().sum()
                                           : r.cwiseAbs().maxCoeff();
  fit.stats[metric::kOptLoss] = opt;
  fit.stats[metric::kTrainLoss] = r.squaredNorm() / static_cast<double>(n);
  fit.stats["programs"] = static_cast<double>(stats.programs);
  fit.stats["cells_solved"] = static_cast<double>(stats.solved);
  fit.stats["constrained_solves"] = static_cast<double>(stats.qp);
  fit.stats["time_limited"] = stats.complete ? 0.0 : 1.0;
  if (loss == Loss::kSquare) {
    double kkt = 0.0;
    if (best.found_k > 0) {
      const std::vector<Item> items = make_items(patterns, best.items);
      Eigen::VectorXd u(best.found_k * D + (bias ? 1 : 0));
      u.head(best.found_k * D) = best.u.head(best.found_k * D);
      if (bias) u[u.size() - 1] = best.u[best.u.size() - 1];
      kkt = kkt_residual(data, items, u);
    }
    fit.stats["kkt_residual"] = kkt;
  }
  fit.output = Json{{"network", net.to_json()}, {"units", units},  {"c", L[1].b[0]},
                    {"loss", loss_name(loss)},  {"opt_loss", opt}, {"certified", stats.complete}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::exact_relu
