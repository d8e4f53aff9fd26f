// The learner interface: everything one would try against a problem.
//
// A learner sees only the training set (never the truth), its parameters and a
// context (seed for its own randomness, threads, time budget). It returns a
// Fit: a predictor for new inputs, its own statistics (train_loss, epochs,
// ...), an Outcome (ok, diverged, time_limit, ...) and optional structured output (the
// recovered network or secret) that the problem's judge may read (Predictor
// and Fit live in contracts/fit.h, below problems and learners alike).
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hardnets/contracts/fit.h"
#include "hardnets/contracts/task_schema.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/core/params.h"
#include "hardnets/core/registry.h"
#include "hardnets/core/resources.h"
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
  // Started by Learner::fit from time_limit_seconds; what a learner checks
  // (ctx.deadline.expired()) between its steps.
  Deadline deadline;
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
  // Every need it may have whatever its parameters, for the docs (`hardnets
  // describe`): needs(defaults) unless empty. A learner whose need appears
  // only with some parameters (sgd with width = 0) lists it here; the
  // conformance suite checks needs(defaults) is among these.
  virtual std::vector<TaskNeed> declared_needs() const {
    TaskNeed need = needs(spec().defaults());
    if (need.empty()) return {};
    return {std::move(need)};
  }
  // Cross-parameter checks on resolved parameters (ranges of single
  // parameters are the ParamSpec's): UserError naming the learner. Called
  // when a run is planned (resolve_run) and again by fit. Nothing by default.
  virtual void validate(const Params& params) const { (void)params; }

  // What every learner does around its own fit_impl, so none can forget it
  // (non-virtual, as in the template-method pattern):
  //  - checks the training set (check_training_set: rows and labels agree,
  //    not empty, all finite) and the context (threads >= 1, time limit
  //    not NaN or negative), UserError naming the learner;
  //  - validate(params);
  //  - starts the fit's one deadline, ctx.deadline, from
  //    ctx.time_limit_seconds (what fit_impl checks its budget against);
  //  - after fit_impl, checks the declared outputs: a fit that ends ok has
  //    a predictor or a non-empty output (one stopped by a budget may have
  //    found nothing yet; its judge scores that).
  // Wall and CPU time are measured by the caller (lab/run.h fit_learner),
  // which also times a learner that throws.
  Fit fit(const Dataset& train, const Params& params, const LearnerContext& ctx) const;

 protected:
  // The learner's own fit, on checked input; ctx.deadline is running.
  virtual Fit fit_impl(const Dataset& train, const Params& params,
                       const LearnerContext& ctx) const = 0;
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
