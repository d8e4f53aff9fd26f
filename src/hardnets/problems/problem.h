// The problem interface: families of (hard or easy) learning instances.
//
// An instance is a pure function of (problem, params, seed, sizes): the same
// arguments give bit-identical data whatever the thread count. It carries the
// training and test sets, the hidden truth (teacher network, secret, planted
// solution: only the judge reads it) and a card describing what was built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hardnets/contracts/fit.h"
#include "hardnets/contracts/task_schema.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/core/params.h"
#include "hardnets/core/registry.h"
#include "hardnets/core/rng.h"

namespace hardnets {

struct Sizes {
  std::int64_t n_train = 1000;
  std::int64_t n_test = 1000;
};

struct Instance {
  std::string problem;
  Params params;
  Seed seed = 0;
  Dataset train, test;
  Json truth = Json::object();  // hidden from learners; exported to truth.json
  Json task = Json::object();   // public task description given to learners (task.json)
  Json card = Json::object();   // parameters, sizes, provenance, conventions
};

// The null of a problem's distinguishing experiment (hardnets distinguish,
// docs/reductions.md): the same public shape (inputs, task, sizes) with the
// planted structure removed. It is selected by one parameter value, so that a
// null instance is an ordinary, storable instance: `param` = `value` (e.g.
// prg_hyperedge's labels = uniform, natural_ksat's formula = random).
// `statistic` is the held-out figure of the judge a distinguisher thresholds
// (e.g. 1 - nmse, accuracy - 1/2), larger meaning "planted" unless
// `smaller_is_planted`.
struct NullHypothesis {
  std::string param;
  std::string value;
  std::string statistic;
  bool smaller_is_planted = false;
  std::string meaning;  // one line: what the null instance is
};

struct GenerateContext {
  int threads = 1;  // results must not depend on it
};

class Problem {
 public:
  virtual ~Problem() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  virtual const ParamSpec& spec() const = 0;
  virtual Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                            const GenerateContext& ctx) const = 0;
  // The schemas its public task follows (contracts/task_schema.h): the task
  // has exactly their keys. None by default (an empty task).
  virtual TaskPublication publishes() const { return {}; }
  // Default judge: test mse and nmse of the fit's predictor (if any).
  virtual Metrics judge(const Instance& instance, const Fit& fit) const;
  // The problem's null for `hardnets distinguish`; none by default (the
  // problem cannot be distinguished from anything).
  virtual std::optional<NullHypothesis> null_hypothesis() const { return std::nullopt; }
};

Registry<Problem>& problem_registry();

struct ProblemRegistration {
  explicit ProblemRegistration(std::unique_ptr<Problem> problem) {
    problem_registry().add(std::move(problem));
  }
};

// The card every problem starts from: name, parameters, seed, sizes, version.
Json base_card(const Problem& problem, const Params& params, Seed seed, const Sizes& sizes);
// Test mse and nmse (mse / variance of test labels; 1.0 = predicting the mean).
Metrics regression_metrics(const Dataset& test, const Vector& predictions);
// mean (p - t)² / variance of t; for a constant target 0 if p = t, else 1.
// nmse against noisy test labels, net_distance against noiseless ones.
double normalized_mse(const Vector& predictions, const Vector& targets);
// Checks sizes (n_train >= 1, n_test >= 0, both at most 1e9): UserError otherwise.
void check_sizes(const std::string& problem, const Sizes& sizes);

}  // namespace hardnets
