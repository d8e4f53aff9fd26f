// core/options: typed option structs bound to a ParamSpec; and the learner
// base's checks around fit_impl (validate, context), seen through the
// test-only learners.
#include "hardnets/core/options.h"

#include <gtest/gtest.h>

#include "hardnets/lab/run.h"
#include "hardnets/learners/learner.h"
#include "test_learners.h"
#include "test_util.h"

namespace hardnets {
namespace {

struct Example {
  int count = -1;
  std::int64_t big = -1;
  double rate = -1;
  bool on = false;
  std::string mode, label;
};

OptionSpec<Example> example_spec() {
  OptionSpec<Example> spec("example");
  spec.integer("count", &Example::count, 3, 0, 10, "a count")
      .integer("big", &Example::big, 1'000'000'000'000, 0, 2'000'000'000'000, "a big one")
      .real("rate", &Example::rate, 0.5, 0.0, 1.0, "a rate")
      .flag("on", &Example::on, true, "a flag")
      .choice("mode", &Example::mode, "a", {"a", "b"}, "a choice")
      .text("label", &Example::label, "x", "a text");
  return spec;
}

TEST(OptionSpec, DefaultsFillEveryField) {
  const OptionSpec<Example> spec = example_spec();
  const Example o = spec.read(spec.params().defaults());
  EXPECT_EQ(o.count, 3);
  EXPECT_EQ(o.big, 1'000'000'000'000);
  EXPECT_EQ(o.rate, 0.5);
  EXPECT_TRUE(o.on);
  EXPECT_EQ(o.mode, "a");
  EXPECT_EQ(o.label, "x");
}

TEST(OptionSpec, AssignmentsAreReadIntoTheirFields) {
  const OptionSpec<Example> spec = example_spec();
  const Example o = spec.read(spec.params().resolve(
      std::vector<std::string>{"count=7", "rate=0.25", "on=false", "mode=b", "label=yes"}));
  EXPECT_EQ(o.count, 7);
  EXPECT_EQ(o.rate, 0.25);
  EXPECT_FALSE(o.on);
  EXPECT_EQ(o.mode, "b");
  EXPECT_EQ(o.label, "yes");
}

TEST(OptionSpec, TheParamSpecIsTheUsualOneWithItsChecks) {
  const OptionSpec<Example> spec = example_spec();
  ASSERT_EQ(spec.params().decls().size(), 6u);
  EXPECT_EQ(spec.params().decls()[0].name, "count");
  EXPECT_CONTAINS(
      testing::user_error([&] { spec.params().resolve(std::vector<std::string>{"count=11"}); }),
      "count");
  EXPECT_CONTAINS(
      testing::user_error([&] { spec.params().resolve(std::vector<std::string>{"mode=c"}); }),
      "mode");
}

Dataset tiny() {
  Dataset d;
  d.X = Matrix::Constant(4, 2, 1.0);
  d.y = Vector::LinSpaced(4, 0.0, 1.0);
  return d;
}

// Learner::validate runs inside the base's fit and when a run is planned.
TEST(LearnerBase, CrossParameterChecksRunInFitAndAtPlanTime) {
  const Learner& learner = learner_registry().get("test_allocate");
  const Params bad = learner.spec().resolve(std::vector<std::string>{"mb=5", "max_mb=4"});
  EXPECT_CONTAINS(testing::user_error([&] { learner.fit(tiny(), bad, LearnerContext{}); }),
                  "test_allocate: mb = 5 exceeds max_mb = 4");
  RunRequest request;
  request.problem = "teacher";
  request.learner = "test_allocate";
  request.learner_params = Json{{"mb", 5}, {"max_mb", 4}};
  EXPECT_CONTAINS(testing::user_error([&] { resolve_run(request); }), "exceeds max_mb");
}

TEST(LearnerBase, BadContextIsAUserErrorNamingTheLearner) {
  const Learner& learner = learner_registry().get("test_sleep");
  LearnerContext ctx;
  ctx.threads = 0;
  EXPECT_CONTAINS(testing::user_error([&] { learner.fit(tiny(), learner.spec().defaults(), ctx); }),
                  "test_sleep: threads must be at least 1");
  ctx.threads = 1;
  ctx.time_limit_seconds = -1;
  EXPECT_CONTAINS(testing::user_error([&] { learner.fit(tiny(), learner.spec().defaults(), ctx); }),
                  "test_sleep: the time limit");
}

// The deadline the base starts is the one the learner sees: a zero budget
// stops test_sleep at its first check with outcome time_limit.
TEST(LearnerBase, TheDeadlineStartsFromTheTimeLimit) {
  const Learner& learner = learner_registry().get("test_sleep");
  LearnerContext ctx;
  ctx.time_limit_seconds = 0;
  const Params params = learner.spec().resolve(std::vector<std::string>{"seconds=30"});
  const Fit fit = learner.fit(tiny(), params, ctx);
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_TRUE(fit.predictor);
}

}  // namespace
}  // namespace hardnets
