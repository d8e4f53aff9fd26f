// One run: generate an instance, fit a learner on its training set, judge.
//
// This is the unit every CLI command and sweep is built from. Parameter
// errors are UserErrors raised before anything runs; a learner that fails
// while fitting (throws, diverges) is a result with a status, not an abort.
#pragma once

#include <exception>
#include <limits>
#include <string>

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/lab/store.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

struct RunRequest {
  std::string problem;
  Json problem_params = Json::object();  // name -> value (typed, or text to parse)
  std::string learner;
  Json learner_params = Json::object();
  Seed seed = 1;
  Sizes sizes;
  int threads = 1;
  double time_limit_seconds = std::numeric_limits<double>::infinity();
};

struct RunResult {
  Json config;                // the full resolved configuration (what a store row echoes)
  Metrics metrics;            // judge figures + learner stats + seconds/cpu_seconds/peak_mb/samples
  std::string status = "ok";  // ok, diverged, error
  std::string message;
  Fit fit;
  Json card;                 // the instance's card
  std::exception_ptr error;  // what the learner threw, when the status is "error"
};

// Turns "key=value" strings into a JSON object of text values (validated
// later against the owner's ParamSpec). Duplicate keys: the last one wins.
Json assignments_to_json(const std::vector<std::string>& assignments, const std::string& what);

// Validates the request (UserError on bad input) and returns its resolved
// configuration: problem, problem_params (all of them, defaults included),
// learner, learner_params, seed, n_train, n_test, threads.
Json run_config(const RunRequest& request);

class InstanceCache;

// Validates everything (UserError on bad input), then runs. With a `cache`
// (a sweep's), the instance is loaded from it when another run generated it
// already; otherwise it is generated, and stored there when `share` (other
// runs will need it). The results are identical either way. The metric
// generate_seconds is the time spent obtaining the instance, and with a cache
// instance_loaded says whether it was loaded (1) or generated (0).
RunResult execute_run(const RunRequest& request, const InstanceCache* cache = nullptr,
                      bool share = false);

// The part of a run after generation, shared by execute_run and the Python
// module's `hardnets.fit`: fits `learner` on the instance's training set
// (with its public task; seed learner_seed(run_seed)) and judges the fit with
// the problem's own judge. Fills status, message, fit, error and metrics
// (the learner's stats, the judge's figures when the status is ok or timeout,
// then seconds, cpu_seconds, peak_mb and samples); config and card are the
// caller's. A learner that throws is a result with status "error".
RunResult fit_and_judge(const Problem& problem, const Instance& instance, const Learner& learner,
                        const Params& learner_params, Seed run_seed, int threads,
                        double time_limit_seconds);

// The fit alone, what fit_and_judge and `hardnets fit` (a learner on a stored
// dataset, no problem to judge it) share: fits `learner` on `train` with
// `task`, seed learner_seed(run_seed), `threads` and the time limit; fills
// status, message, fit, error, the learner's stats and seconds/cpu_seconds.
// A learner that throws is a result with status "error".
RunResult fit_learner(const Learner& learner, const Dataset& train, const Json& task,
                      const Params& learner_params, Seed run_seed, int threads,
                      double time_limit_seconds);
// Whether a result is judged: status ok or timeout (a model stopped by its
// budget is judged as it is).
bool is_judged(const RunResult& result);
// The figures every result ends with: peak_mb so far, and samples (the
// training set's size unless the learner reported its own).
void add_final_figures(RunResult& result, const Dataset& train);

// The store row for a configuration (problem, learner, seed, n_train,
// n_test, ...) and its outcome: id from the configuration (run_id_for), the
// configuration, metrics, status, times (metrics seconds, cpu_seconds,
// peak_mb; `unmeasured` where a metric is absent) and provenance.
RunRecord make_record(Json config, Metrics metrics, std::string status, std::string message,
                      double unmeasured);
// The store row for a result (a time it lacks is stored as 0).
RunRecord make_record(const RunResult& result);

// Appends `record` to the store; a run id the store already holds (the same
// configuration run again by hand) gets a suffix "-2", "-3", ... so that the
// repeat is a new run. Returns the id stored.
std::string append_new_run(Store& store, RunRecord record);

// Seed the learner uses for its own randomness: derived from the run seed so
// that a learner never shares random numbers with the instance.
Seed learner_seed(Seed run_seed);

}  // namespace hardnets
