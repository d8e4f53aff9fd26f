// `--where` clauses for selecting stored runs: `key=value` or `key!=value`.
//
// Keys: run_id, problem, learner, status, seed, n_train, n_test, sweep, or the
// name of a problem or learner parameter (looked up in the run's
// problem_params, then learner_params; `problem.NAME` / `learner.NAME` pick
// one side). Numbers compare by value (d=8 matches 8 and 8.0); everything else
// as text. All clauses must hold.
#pragma once

#include <string>
#include <vector>

#include "hardnets/lab/store.h"

namespace hardnets {

// UserError for a clause that is not key=value / key!=value.
RunFilter parse_where(const std::vector<std::string>& clauses);

}  // namespace hardnets
