#include "hardnets/problems/problem.h"

#include "hardnets/core/build_info.h"
#include "hardnets/core/error.h"

namespace hardnets {

Registry<Problem>& problem_registry() {
  static Registry<Problem> registry("problem");
  return registry;
}

Metrics Problem::judge(const Instance& instance, const Fit& fit) const {
  if (!fit.predictor || instance.test.empty()) return {};
  return regression_metrics(instance.test, fit.predictor->predict(instance.test.X));
}

Json base_card(const Problem& problem, const Params& params, Seed seed, const Sizes& sizes) {
  Json card{{"problem", problem.name()},
            {"summary", problem.summary()},
            {"params", params.to_json()},
            {"seed", seed},
            {"n_train", sizes.n_train},
            {"n_test", sizes.n_test},
            {"hardnets_version", build_info::kVersion},
            {"git_revision", build_info::kGitRevision}};
  // What to cite, and whether the construction is the paper's or ours, so
  // that exported results say it wherever the card goes.
  card["references"] = citations_json(problem.spec().references());
  if (problem.spec().construction())
    card["construction"] = construction_json(*problem.spec().construction());
  return card;
}

double normalized_mse(const Vector& predictions, const Vector& targets) {
  const double n = static_cast<double>(targets.size());
  const double mse = (predictions - targets).squaredNorm() / n;
  const double variance = (targets.array() - targets.mean()).square().sum() / n;
  // A constant target makes the ratio undefined: 0 for a perfect fit, else 1.
  return variance > 0 ? mse / variance : (mse == 0 ? 0.0 : 1.0);
}

Metrics regression_metrics(const Dataset& test, const Vector& predictions) {
  Metrics m;
  m[metric::kMse] = (predictions - test.y).squaredNorm() / static_cast<double>(test.size());
  m[metric::kNmse] = normalized_mse(predictions, test.y);
  return m;
}

void check_sizes(const std::string& problem, const Sizes& sizes) {
  constexpr std::int64_t kMax = 1'000'000'000;
  if (sizes.n_train < 1 || sizes.n_train > kMax) {
    fail("{}: --n-train must be in [1, {}], got {}", problem, kMax, sizes.n_train);
  }
  if (sizes.n_test < 0 || sizes.n_test > kMax) {
    fail("{}: --n-test must be in [0, {}], got {}", problem, kMax, sizes.n_test);
  }
}

}  // namespace hardnets
