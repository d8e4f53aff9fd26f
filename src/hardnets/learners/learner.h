// The learner interface: everything one would try against a problem.
//
// A learner sees only the training set (never the truth), its parameters and a
// context (seed for its own randomness, threads, time budget). It returns a
// Fit: a predictor for new inputs, its own statistics (train_loss, epochs,
// ...), a status ("ok" or "diverged") and optional structured output (the
// recovered network or secret) that the problem's judge may read (Predictor
// and Fit live in contracts/fit.h, below problems and learners alike).
#pragma once

#include <limits>
#include <memory>
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

struct LearnerContext {
  // The problem's public task description beyond the data (never its truth):
  // e.g. a discrete-training instance's architecture, parameter domains and
  // loss. Empty for plain regression problems. Written as task.json by `gen`.
  Json task = Json::object();
  Seed seed = 0;    // the learner's randomness (initialisation, shuffling)
  int threads = 1;  // threads it may use; results must not depend on it
  double time_limit_seconds = std::numeric_limits<double>::infinity();
};

class Learner {
 public:
  virtual ~Learner() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  virtual const ParamSpec& spec() const = 0;
  // What it reads from the problem's public task with these (resolved)
  // parameters: one of a list of schemas (contracts/task_schema.h), checked
  // against the problem's Problem::publishes when a run is planned. Nothing
  // by default.
  virtual TaskNeed needs(const Params& params) const {
    (void)params;
    return {};
  }
  virtual Fit fit(const Dataset& train, const Params& params, const LearnerContext& ctx) const = 0;
};

Registry<Learner>& learner_registry();

struct LearnerRegistration {
  explicit LearnerRegistration(std::unique_ptr<Learner> learner) {
    learner_registry().add(std::move(learner));
  }
};

// Mean squared error of `predictor` on `data`.
double mean_squared_error(const Predictor& predictor, const Dataset& data);

// The checks every learner makes on its training set, with messages naming
// it: rows and labels agree, not empty, at least one feature (when
// `need_features`), no NaN or infinity. UserError otherwise.
void check_training_set(const std::string& learner, const Dataset& train,
                        bool need_features = false);

// A held-out validation part: floor(val_fraction · n) rows chosen by a
// Fisher–Yates shuffle of 0..n-1 from `rng` (no draw when nothing is held
// out); `fit` keeps the rest in shuffled order. UserError naming `learner`
// when nothing is left to fit.
struct ValidationSplit {
  Dataset fit, val;
};
ValidationSplit validation_split(const std::string& learner, const Dataset& train,
                                 double val_fraction, Rng rng);

}  // namespace hardnets
