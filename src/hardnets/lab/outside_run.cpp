#include "hardnets/lab/outside_run.h"

#include <cmath>
#include <utility>

#include "hardnets/core/error.h"
#include "hardnets/lab/run.h"

namespace hardnets {

namespace {

bool same_inputs(const Matrix& a, const Matrix& b) {
  // The judges pass the instance's own matrices, so identity settles it;
  // equal values (a copy) are the same inputs too.
  if (a.data() == b.data() && a.rows() == b.rows() && a.cols() == b.cols()) return true;
  return a.rows() == b.rows() && a.cols() == b.cols() && a == b;
}

Vector checked(const char* what, std::optional<Vector> predictions, Eigen::Index rows) {
  if (!predictions) return {};
  if (predictions->size() != rows) {
    fail("judge: {} has {} values, expected one per {} row ({})", what, predictions->size(),
         std::string(what).starts_with("train") ? "training" : "test", rows);
  }
  return std::move(*predictions);
}

}  // namespace

PredictionTable::PredictionTable(const Instance& instance, std::optional<Vector> test,
                                 std::optional<Vector> train)
    : instance_(instance), test_(std::move(test)), train_(std::move(train)) {}

Vector PredictionTable::predict(const Matrix& X) const {
  if (test_ && same_inputs(X, instance_.test.X)) return *test_;
  if (train_ && same_inputs(X, instance_.train.X)) return *train_;
  if (same_inputs(X, instance_.train.X)) {
    fail("judge: {}'s judge also scores the training inputs: pass predictions on them too",
         instance_.problem);
  }
  fail(
      "judge: {}'s judge asked for predictions on {} inputs that are not the instance's test "
      "inputs",
      instance_.problem, X.rows());
}

Json PredictionTable::to_json() const {
  return Json{{"kind", "prediction_table"}};
}

Metrics judge_outside(const Problem& problem, const Instance& instance, const OutsideFit& fit) {
  std::optional<Vector> test, train;
  if (fit.test_predictions)
    test = checked("predictions", fit.test_predictions, instance.test.size());
  if (fit.train_predictions)
    train = checked("train_predictions", fit.train_predictions, instance.train.size());
  Fit judged;
  if (test || train) {
    judged.predictor =
        std::make_shared<PredictionTable>(instance, std::move(test), std::move(train));
  }
  if (!fit.output.is_object()) fail("judge: output must be an object, got {}", fit.output.dump());
  judged.output = fit.output;
  return problem.judge(instance, judged);
}

RunRecord outside_record(const ResolvedGenerate& generated, const OutsideRun& run) {
  if (run.learner.empty()) fail("record: the learner name is empty");
  const Outcome status = parse_outcome_or_fail(run.status, "record: status");
  if (!run.provenance.is_object()) {
    fail("record: provenance must be an object, got {}", run.provenance.dump());
  }
  Json learner_params;
  if (const Learner* learner = learner_registry().find(run.learner)) {
    learner_params = learner->spec().resolve(run.learner_params).to_json();
  } else if (run.learner_params.is_object()) {
    learner_params = run.learner_params;
  } else {
    fail("record: {}: the configuration must be an object of name: value, got {}", run.learner,
         run.learner_params.dump());
  }
  Json config = run_config(generated, run.learner, learner_params, generated.threads, run.sweep);
  // A time the caller did not measure is stored as unknown (NULL), not as 0.
  RunRecord r = make_record(std::move(config), run.metrics, status, run.message, std::nan(""));
  r.provenance["outside"] = run.provenance;
  return r;
}

}  // namespace hardnets
