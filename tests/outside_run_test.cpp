#include "hardnets/lab/outside_run.h"

#include <cmath>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/lab/run.h"
#include "test_util.h"

namespace hardnets {
namespace {

using testing::user_error;

struct Generated {
  ResolvedGenerate request;
  Instance instance;
};

Generated teacher() {
  Generated g;
  g.request = resolve_generate({"teacher", Json{{"d", 3}}, 2, Sizes{40, 20}, 1});
  g.instance = generate_instance(g.request);
  return g;
}

TEST(OutsideRun, JudgesPredictionsWithTheProblemsJudge) {
  const Generated g = teacher();
  OutsideFit fit;
  fit.test_predictions = g.instance.test.y;
  Metrics m = judge_outside(*g.request.problem, g.instance, fit);
  EXPECT_EQ(m.at("mse"), 0.0);
  EXPECT_EQ(m.at("nmse"), 0.0);
  fit.test_predictions = Vector::Constant(20, g.instance.test.y.mean());
  m = judge_outside(*g.request.problem, g.instance, fit);
  EXPECT_NEAR(m.at("nmse"), 1.0, 1e-12);
  // The judge of a built-in learner with the same predictions says the same.
  const RunResult run =
      fit_and_judge(*g.request.problem, g.instance, learner_registry().get("ridge"),
                    learner_registry().get("ridge").spec().defaults(), 2, 1,
                    std::numeric_limits<double>::infinity());
  ASSERT_EQ(run.status, Outcome::ok);
  fit.test_predictions = run.fit.predictor->predict(g.instance.test.X);
  m = judge_outside(*g.request.problem, g.instance, fit);
  EXPECT_EQ(m.at("nmse"), run.metrics.at("nmse"));
  EXPECT_EQ(m.at("mse"), run.metrics.at("mse"));
}

TEST(OutsideRun, NoPredictionsNoRegressionMetrics) {
  const Generated g = teacher();
  EXPECT_TRUE(judge_outside(*g.request.problem, g.instance, {}).empty());
}

TEST(OutsideRun, PredictionsMustFitTheInstance) {
  const Generated g = teacher();
  OutsideFit fit;
  fit.test_predictions = Vector::Zero(19);
  EXPECT_EQ(user_error([&] { judge_outside(*g.request.problem, g.instance, fit); }),
            "judge: predictions has 19 values, expected one per test row (20)");
  const PredictionTable table(g.instance, Vector::Zero(20), std::nullopt);
  EXPECT_EQ(table.predict(g.instance.test.X), Vector(Vector::Zero(20)));
  const Matrix copy = g.instance.test.X;  // equal values are the same inputs
  EXPECT_EQ(table.predict(copy), Vector(Vector::Zero(20)));
  EXPECT_CONTAINS(user_error([&] { table.predict(g.instance.train.X); }),
                  "also scores the training inputs");
  EXPECT_CONTAINS(user_error([&] { table.predict(Matrix::Zero(5, 3)); }),
                  "not the instance's test inputs");
}

TEST(OutsideRun, RecordHasTheRunSchema) {
  const Generated g = teacher();
  OutsideRun run;
  run.learner = "torch_mlp";
  run.learner_params = Json{{"width", 64}};
  run.metrics = {{"nmse", 0.5}, {"seconds", 2.0}};
  run.provenance = Json{{"torch", "1.13"}};
  const RunRecord r = outside_record(g.request, run);
  EXPECT_EQ(r.problem, "teacher");
  EXPECT_EQ(r.learner, "torch_mlp");
  EXPECT_EQ(r.seed, 2);
  EXPECT_EQ(r.n_train, 40);
  EXPECT_EQ(r.n_test, 20);
  EXPECT_EQ(r.config["problem_params"], g.request.params.to_json());
  EXPECT_EQ(r.config["learner_params"], run.learner_params);
  EXPECT_FALSE(r.config.contains("sweep"));
  EXPECT_EQ(r.run_id, run_id_for(r.config));
  EXPECT_EQ(r.seconds, 2.0);
  EXPECT_TRUE(std::isnan(r.cpu_seconds));  // not measured: unknown
  EXPECT_EQ(r.provenance["outside"], run.provenance);
  EXPECT_TRUE(r.provenance.contains("git_revision"));
  run.sweep = "study";
  EXPECT_EQ(outside_record(g.request, run).config["sweep"], "study");
}

TEST(OutsideRun, ABuiltInLearnersRecordIsTheCliRow) {
  RunRequest request;
  request.problem = "teacher";
  request.learner = "ridge";
  request.problem_params = Json{{"d", 3}};
  request.seed = 2;
  request.sizes = {40, 20};
  const Generated g = teacher();
  OutsideRun run;
  run.learner = "ridge";
  EXPECT_EQ(outside_record(g.request, run).config, run_config(request));
  run.learner_params = Json{{"no_such", 1}};
  EXPECT_CONTAINS(user_error([&] { outside_record(g.request, run); }),
                  "ridge: unknown parameter 'no_such'");
}

TEST(OutsideRun, BadRecordsAreUserErrors) {
  const Generated g = teacher();
  OutsideRun run;
  EXPECT_EQ(user_error([&] { outside_record(g.request, run); }),
            "record: the learner name is empty");
  run.learner = "mine";
  run.status = "great";
  EXPECT_CONTAINS(user_error([&] { outside_record(g.request, run); }),
                  "record: status: unknown outcome 'great'");
  run.status = "ok";
  run.learner_params = Json::array();
  EXPECT_CONTAINS(user_error([&] { outside_record(g.request, run); }), "must be an object");
}

TEST(OutsideRun, RepeatsAreNewRuns) {
  testing::TempDir dir("outside");
  Store store(dir.path() / "runs.sqlite");
  const Generated g = teacher();
  OutsideRun run;
  run.learner = "mine";
  const RunRecord r = outside_record(g.request, run);
  EXPECT_EQ(append_new_run(store, r), r.run_id);
  EXPECT_EQ(append_new_run(store, r), r.run_id + "-2");
  EXPECT_EQ(append_new_run(store, r), r.run_id + "-3");
  EXPECT_EQ(store.size(), 3);
  EXPECT_TRUE(std::isnan(store.runs()[0].cpu_seconds));
}

}  // namespace
}  // namespace hardnets
