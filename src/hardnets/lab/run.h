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
#include "hardnets/lab/generate.h"
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
  double memory_mb = 0;  // a sweep child's address-space limit; 0: none
  std::string sweep;     // the sweep it belongs to (stored in its configuration); "" for none
};

// What a run may spend: wall time (the learner's own time limit; a sweep
// also kills the child past hard_limit_seconds) and memory (a sweep child's
// address-space limit, 0 = none).
struct RunBudget {
  double seconds = std::numeric_limits<double>::infinity();
  double memory_mb = 0;
};

// A run resolved once, when it is planned: the registered problem and
// learner, both full parameter sets (defaults included), seed, sizes,
// threads, budget, and the configuration and id it is stored under. Every
// path that runs something (hardnets run, sweep workers, the Python module)
// executes one of these, so none resolves twice or differently.
struct ResolvedRun {
  ResolvedGenerate instance;  // problem, its parameters, seed, sizes, threads
  const Learner* learner = nullptr;
  Params learner_params;
  RunBudget budget;
  Json config;         // run_config(...): what a store row echoes
  std::string run_id;  // run_id_for(config): stable (threads excluded), what --resume matches
};

struct RunResult {
  Json config;      // the full resolved configuration (what a store row echoes)
  Metrics metrics;  // judge figures + learner stats + seconds/cpu_seconds/peak_mb/samples
  Outcome status = Outcome::ok;  // how the fit ended; error when the learner threw
  std::string message;
  Fit fit;
  Json card;                 // the instance's card
  std::exception_ptr error;  // what the learner threw, when the status is error
};

// Turns "key=value" strings into a JSON object of text values (validated
// later against the owner's ParamSpec). Duplicate keys: the last one wins.
Json assignments_to_json(const std::vector<std::string>& assignments, const std::string& what);

// Validates the request (UserError on bad input: unknown names, parameters,
// sizes, threads, and a learner that reads a task the problem does not
// publish, see check_task_contract) and resolves it.
ResolvedRun resolve_run(const RunRequest& request);
// The same with the problem's side already resolved (`instance`; the
// request's problem, problem_params, seed and sizes are not read): a sweep
// resolves each problem point once for all its learners.
ResolvedRun resolve_run(ResolvedGenerate instance, const RunRequest& request);

// The one builder of a run's stored configuration: problem, problem_params
// (all of them), learner, learner_params, seed, n_train, n_test, threads,
// and sweep when there is one.
Json run_config(const ResolvedGenerate& instance, const std::string& learner,
                const Json& learner_params, int threads, const std::string& sweep = "");
// resolve_run(request).config.
Json run_config(const RunRequest& request);

// UserError, naming both, when `learner` with `learner_params` reads a task
// schema that `problem` does not publish (Learner::needs against
// Problem::publishes).
void check_task_contract(const Problem& problem, const Learner& learner,
                         const Params& learner_params);

class InstanceCache;

// Runs a resolved run. With a `cache`
// (a sweep's), the instance is loaded from it when another run generated it
// already; otherwise it is generated, and stored there when `share` (other
// runs will need it). The results are identical either way. The metric
// generate_seconds is the time spent obtaining the instance, and with a cache
// instance_loaded says whether it was loaded (1) or generated (0).
RunResult execute_run(const ResolvedRun& run, const InstanceCache* cache = nullptr,
                      bool share = false);
// execute_run(resolve_run(request)).
RunResult execute_run(const RunRequest& request);

// The part of a run after generation, shared by execute_run and the Python
// module's `hardnets.fit`: fits `learner` on the instance's training set
// (with its public task; seed learner_seed(run_seed)) and judges the fit with
// the problem's own judge. Fills status, message, fit, error and metrics
// (the learner's stats, the judge's figures when the outcome is judged,
// then seconds, cpu_seconds, peak_mb and samples); config and card are the
// caller's. A learner that throws is a result with status Outcome::error.
RunResult fit_and_judge(const Problem& problem, const Instance& instance, const Learner& learner,
                        const Params& learner_params, Seed run_seed, int threads,
                        double time_limit_seconds);

// The fit alone, what fit_and_judge and `hardnets fit` (a learner on a stored
// dataset, no problem to judge it) share: fits `learner` on `train` with
// `task`, seed learner_seed(run_seed), `threads` and the time limit; fills
// status, message, fit, error, the learner's stats and seconds/cpu_seconds.
// A learner that throws is a result with status Outcome::error.
RunResult fit_learner(const Learner& learner, const Dataset& train, const Json& task,
                      const Params& learner_params, Seed run_seed, int threads,
                      double time_limit_seconds);
// Whether a result is judged: is_judged(result.status) (ok, or a model
// stopped by a time or iteration budget, judged as it is).
bool is_judged(const RunResult& result);
// The figures every result ends with: peak_mb so far, and samples (the
// training set's size unless the learner reported its own).
void add_final_figures(RunResult& result, const Dataset& train);

// The store row for a configuration (problem, learner, seed, n_train,
// n_test, ...) and its outcome: id from the configuration (run_id_for), the
// configuration, metrics, status, times (metrics seconds, cpu_seconds,
// peak_mb; `unmeasured` where a metric is absent) and provenance.
RunRecord make_record(Json config, Metrics metrics, Outcome status, std::string message,
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
