// Runs of learners outside the library: a PyTorch model trained in Python,
// say. Their predictions are judged by the problem's own judge (the truth
// stays inside the instance) and their results are stored in a results
// database with the same schema as the lab's runs, so that `hardnets report`
// draws them beside the built-in learners.
#pragma once

#include <optional>
#include <string>

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/lab/generate.h"
#include "hardnets/lab/store.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

// Predictions made elsewhere, served to a judge as a Predictor: the judge
// asks for predictions on the instance's own test (or training) inputs, and
// those are what the table holds. Inputs it does not hold are a UserError.
class PredictionTable : public Predictor {
 public:
  PredictionTable(const Instance& instance, std::optional<Vector> test,
                  std::optional<Vector> train);
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;

 private:
  const Instance& instance_;
  std::optional<Vector> test_, train_;
};

// What an outside learner hands to the judge: predictions on the test inputs
// (one per row, in order), optionally on the training inputs (judges that
// score the training objective, e.g. relu_reduction's), and an output in the
// form the problem's judge reads from built-in learners (a recovered secret
// "w", a PRG "seed", a parity "support": docs/learners.md).
struct OutsideFit {
  std::optional<Vector> test_predictions;
  std::optional<Vector> train_predictions;
  Json output = Json::object();
};

// The problem's judge on an outside fit: the metrics `hardnets run` would
// report for a built-in learner with the same predictions and output.
// Predictions of the wrong length are a UserError.
Metrics judge_outside(const Problem& problem, const Instance& instance, const OutsideFit& fit);

// An outside learner's run, as the caller describes it.
struct OutsideRun {
  std::string learner;  // a registered learner's name, or one of the caller's choosing
  // Its configuration. For a registered learner this is resolved against its
  // parameter registry (defaults added, UserError when invalid), so the row
  // matches `hardnets run`'s; otherwise any JSON object, stored as given.
  Json learner_params = Json::object();
  Metrics metrics;            // "seconds", "cpu_seconds", "peak_mb" also fill the time columns
  std::string status = "ok";  // an outcome's text form (core/outcome.h)
  std::string message;
  std::string sweep;                 // when not empty, report the run in this sweep's section
  Json provenance = Json::object();  // the caller's (framework versions ...), kept as "outside"
};

// The store row for an outside run on the instance of `generated`: the
// configuration of `hardnets run` (problem, problem_params, learner,
// learner_params, seed, n_train, n_test, threads; plus sweep when given),
// its id from the configuration, and this build's provenance with the
// caller's under "outside". UserError for an empty learner name, an unknown
// status or non-object params.
RunRecord outside_record(const ResolvedGenerate& generated, const OutsideRun& run);

}  // namespace hardnets
