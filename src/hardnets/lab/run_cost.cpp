#include "hardnets/lab/run_cost.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string>

#include "hardnets/lab/estimate.h"

namespace hardnets {

double predicted_run_seconds(const PlannedRun& run) {
  const double budget = run.budget.seconds;
  const bool bounded = std::isfinite(budget) && budget >= 0;
  const std::string& problem = run.instance.problem->name();
  double predicted = std::numeric_limits<double>::quiet_NaN();
  if (!estimate_attacks(problem).empty()) {
    try {
      EstimateRequest request;
      request.problem = problem;
      request.problem_params = run.instance.params.to_json();
      request.n_train = run.instance.sizes.n_train;
      for (const AttackEstimate& a : estimate_costs(request).attacks) {
        if (a.learner == run.learner->name() && std::isfinite(a.seconds) && a.seconds >= 0) {
          predicted = a.seconds;
          break;
        }
      }
    } catch (const std::exception&) {
      // A prediction only balances the work: where the models refuse these
      // parameters, the budget stands in for it.
    }
  }
  if (std::isfinite(predicted)) return bounded ? std::min(predicted, budget) : predicted;
  return bounded ? budget : 1.0;
}

}  // namespace hardnets
