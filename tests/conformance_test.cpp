// The conformance suite: checks every registered problem and learner passes
// without a test of its own (as scikit-learn's check_estimator does). A new
// problem or learner is covered as soon as it is registered.
//
// Per problem: an instance is a pure function of (params, seed, sizes),
// bit-identical whatever the thread count; its data are finite, train and
// test agree in dimension, and task, truth and card are JSON objects (the
// card names the problem).
// Per learner: bad training data (NaN or infinite inputs or labels, no rows,
// rows and labels of different counts) is a UserError naming the learner,
// before any fitting.
//
// Per learner, fitted on a compatible problem chosen through the declared
// task contracts (compatible_problem): deterministic and thread-count
// invariant, a judged outcome with usable outputs, a zero time budget
// honoured, and no truth in what it reads.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"
#include "test_util.h"

namespace hardnets {
namespace {

constexpr double kNoTimeLimit = std::numeric_limits<double>::infinity();

Instance generate(const std::string& name, Seed seed, int threads) {
  const Problem& problem = problem_registry().get(name);
  const Params params = problem.spec().resolve(testing::small_params_of(name));
  return problem.generate(params, seed, {60, 25}, {threads});
}

bool same_bits(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a.data()[i]) != std::bit_cast<std::uint64_t>(b.data()[i])) {
      return false;
    }
  }
  return true;
}

bool same_data(const Instance& a, const Instance& b) {
  return same_bits(a.train.X, b.train.X) && same_bits(a.test.X, b.test.X) &&
         same_bits(Matrix(a.train.y.transpose()), Matrix(b.train.y.transpose())) &&
         same_bits(Matrix(a.test.y.transpose()), Matrix(b.test.y.transpose()));
}

class ConformanceProblem : public ::testing::TestWithParam<std::string> {};

TEST_P(ConformanceProblem, PureFunctionOfParamsSeedAndSizesWhateverTheThreads) {
  const Instance one = generate(GetParam(), 7, 1);
  const Instance again = generate(GetParam(), 7, 1);
  const Instance threaded = generate(GetParam(), 7, 3);
  for (const Instance* other : {&again, &threaded}) {
    EXPECT_TRUE(same_data(one, *other));
    EXPECT_EQ(one.task.dump(), other->task.dump());
    EXPECT_EQ(one.truth.dump(), other->truth.dump());
    EXPECT_EQ(one.card.dump(), other->card.dump());
  }
}

TEST_P(ConformanceProblem, InstanceIsWellFormed) {
  const Instance inst = generate(GetParam(), 7, 1);
  EXPECT_EQ(inst.problem, GetParam());
  EXPECT_GT(inst.train.size(), 0);
  EXPECT_EQ(inst.train.X.rows(), inst.train.y.size());
  EXPECT_EQ(inst.test.X.rows(), inst.test.y.size());
  if (!inst.test.empty()) EXPECT_EQ(inst.test.dim(), inst.train.dim());
  for (const Dataset* d : {&inst.train, &inst.test}) {
    EXPECT_TRUE(d->X.allFinite());
    EXPECT_TRUE(d->y.allFinite());
  }
  EXPECT_TRUE(inst.task.is_object());
  EXPECT_TRUE(inst.truth.is_object());
  ASSERT_TRUE(inst.card.is_object());
  EXPECT_EQ(inst.card.value("problem", ""), GetParam()) << inst.card.dump();
}

// The task has exactly the keys of the schemas the problem declares
// (Problem::publishes), of the declared types, tags included; no declared
// schemas: an empty task. So what `needs` is checked against is what the
// learner gets.
TEST_P(ConformanceProblem, TaskFollowsItsDeclaredSchemas) {
  const Problem& problem = problem_registry().get(GetParam());
  const Instance inst = generate(GetParam(), 7, 1);
  const TaskPublication published = problem.publishes();
  if (published.empty()) {
    EXPECT_TRUE(inst.task.empty()) << inst.task.dump();
    return;
  }
  for (const TaskSchema* schema : published) {
    ASSERT_TRUE(schema);
    EXPECT_EQ(find_task_schema(schema->name), schema) << schema->name << " is not registered";
  }
  for (const std::string& error : task_schema_errors(published, inst.task)) {
    ADD_FAILURE() << GetParam() << ": " << error << "\n  task: " << inst.task.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Every, ConformanceProblem, ::testing::ValuesIn(problem_registry().names()),
                         [](const auto& info) { return info.param; });

class ConformanceLearner : public ::testing::TestWithParam<std::string> {};

// A small well-formed training set, then one defect at a time.
std::map<std::string, Dataset> bad_training_sets() {
  Dataset good;
  good.X = Matrix::Constant(8, 3, 1.0);
  good.X.col(0) = Vector::LinSpaced(8, -1.0, 1.0);
  good.y = Vector::LinSpaced(8, 0.0, 1.0);
  std::map<std::string, Dataset> bad;
  bad["nan_input"] = good;
  bad["nan_input"].X(2, 1) = std::numeric_limits<double>::quiet_NaN();
  bad["inf_input"] = good;
  bad["inf_input"].X(5, 0) = -std::numeric_limits<double>::infinity();
  bad["nan_label"] = good;
  bad["nan_label"].y[3] = std::numeric_limits<double>::quiet_NaN();
  bad["inf_label"] = good;
  bad["inf_label"].y[0] = std::numeric_limits<double>::infinity();
  bad["empty"] = Dataset{};
  bad["row_count"] = good;
  bad["row_count"].y.conservativeResize(7);
  return bad;
}

TEST_P(ConformanceLearner, BadTrainingDataIsAUserErrorNamingTheLearner) {
  const Learner& learner = learner_registry().get(GetParam());
  const Params params = learner.spec().defaults();
  for (const auto& [defect, data] : bad_training_sets()) {
    try {
      learner.fit(data, params, LearnerContext{});
      ADD_FAILURE() << GetParam() << " fitted a training set with " << defect;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(GetParam()), std::string::npos)
          << defect << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << defect << ": not a UserError: " << e.what();
    }
  }
}

// The problem a learner is fitted on: with no declared need, the plain
// regression problem `teacher`; otherwise the first registered problem
// (alphabetical) whose publication satisfies the need with the learner's
// default parameters, found through the contracts alone.
std::string compatible_problem(const Learner& learner) {
  const TaskNeed need = learner.needs(learner.spec().defaults());
  if (need.empty()) return "teacher";
  // teacher first when it serves (the plain regression problem, small at
  // its defaults), then the others alphabetically.
  std::vector<std::string> names = problem_registry().names();
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& name) { return name == "teacher"; });
  for (const std::string& name : names) {
    const Problem& problem = problem_registry().get(name);
    if (task_contract_error(name, problem.publishes(), learner.name(), need).empty()) return name;
  }
  return "";
}

struct FitOnProblem {
  Instance instance;
  Fit fit;
};

FitOnProblem fit_on_compatible_problem(const std::string& learner_name, int threads,
                                       double time_limit_seconds) {
  const Learner& learner = learner_registry().get(learner_name);
  const std::string problem = compatible_problem(learner);
  EXPECT_FALSE(problem.empty()) << learner_name
                                << ": no registered problem publishes what it needs";
  const testing::LearnerTestSetup setup = testing::learner_test_setup(learner_name);
  std::vector<std::string> problem_params = testing::small_params_of(problem);
  problem_params.insert(problem_params.end(), setup.problem_params.begin(),
                        setup.problem_params.end());
  const Problem& generator = problem_registry().get(problem);
  FitOnProblem out{
      generator.generate(generator.spec().resolve(problem_params), 7, {setup.n_train, 25}, {1}),
      {}};
  LearnerContext ctx;
  ctx.task = out.instance.task;
  ctx.seed = 11;
  ctx.threads = threads;
  ctx.time_limit_seconds = time_limit_seconds;
  out.fit = learner.fit(out.instance.train, learner.spec().resolve(setup.learner_params), ctx);
  return out;
}

// A learner's own statistics without the ones that measure time (those
// differ between two otherwise identical fits).
Json deterministic_stats(const Fit& fit) {
  Json stats = Json::object();
  for (const auto& [key, value] : fit.stats) {
    if (key.find("seconds") != std::string::npos || key.find("time") != std::string::npos) {
      continue;
    }
    stats[key] = std::isnan(value) ? Json("nan") : Json(value);
  }
  return stats;
}

// Same seed, same data: the same outcome, message, statistics, output and
// predictions (bit for bit), whether fitted on one thread or three.
TEST_P(ConformanceLearner, FitIsDeterministicWhateverTheThreads) {
  const FitOnProblem one = fit_on_compatible_problem(GetParam(), 1, kNoTimeLimit);
  const FitOnProblem again = fit_on_compatible_problem(GetParam(), 1, kNoTimeLimit);
  const FitOnProblem threaded = fit_on_compatible_problem(GetParam(), 3, kNoTimeLimit);
  for (const FitOnProblem* other : {&again, &threaded}) {
    EXPECT_EQ(one.fit.status, other->fit.status);
    EXPECT_EQ(one.fit.message, other->fit.message);
    EXPECT_EQ(deterministic_stats(one.fit).dump(), deterministic_stats(other->fit).dump());
    EXPECT_EQ(one.fit.output.dump(), other->fit.output.dump());
    ASSERT_EQ(bool(one.fit.predictor), bool(other->fit.predictor));
    if (one.fit.predictor) {
      const Matrix& X = one.instance.test.X;
      EXPECT_TRUE(same_bits(Matrix(one.fit.predictor->predict(X).transpose()),
                            Matrix(other->fit.predictor->predict(X).transpose())));
    }
  }
}

// On its compatible problem with default parameters a learner ends in a
// judged outcome, and what it returns is usable: predictions for every test
// row, finite (or NaN where it abstains), and a JSON description.
TEST_P(ConformanceLearner, FitsItsCompatibleProblemWithDeclaredOutputs) {
  const FitOnProblem run = fit_on_compatible_problem(GetParam(), 1, kNoTimeLimit);
  EXPECT_TRUE(is_judged(run.fit.status)) << outcome_text(run.fit.status) << ": " << run.fit.message;
  EXPECT_TRUE(run.fit.predictor || !run.fit.output.empty());
  EXPECT_TRUE(run.fit.output.is_object());
  if (run.fit.predictor) {
    const Vector predictions = run.fit.predictor->predict(run.instance.test.X);
    EXPECT_EQ(predictions.size(), run.instance.test.size());
    EXPECT_FALSE(predictions.array().isInf().any());
    EXPECT_TRUE(run.fit.predictor->to_json().is_object());
  }
}

// A budget already spent when the fit starts (0 s) is honoured: the fit
// returns (it does not run to completion regardless) with a judged outcome
// — time_limit for a learner that checks its deadline, ok for one that is
// done before its first check — or a UserError naming the learner when it
// has nothing at all to return within the budget. Never another exception.
TEST_P(ConformanceLearner, AZeroTimeBudgetIsHonoured) {
  try {
    const FitOnProblem run = fit_on_compatible_problem(GetParam(), 1, 0.0);
    EXPECT_TRUE(is_judged(run.fit.status))
        << outcome_text(run.fit.status) << ": " << run.fit.message;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam()), std::string::npos) << e.what();
  }
}

// What a learner cannot read: LearnerContext carries the public task alone,
// and the task is checked against its declared schemas
// (ConformanceProblem.TaskFollowsItsDeclaredSchemas), so no truth can reach
// a fit. Here: the compatible problem's task shares no key with its truth.
TEST_P(ConformanceLearner, ItsTaskCarriesNoTruth) {
  const Learner& learner = learner_registry().get(GetParam());
  const Instance inst = generate(compatible_problem(learner), 7, 1);
  for (const auto& [key, value] : inst.truth.items()) {
    if (inst.task.contains(key)) {
      EXPECT_NE(inst.task[key].dump(), value.dump()) << key << " is in both task and truth";
    }
  }
}

// What the docs list (declared_needs) covers what a run with default
// parameters is checked for (needs(defaults)).
TEST_P(ConformanceLearner, ItsDefaultNeedIsDeclared) {
  const Learner& learner = learner_registry().get(GetParam());
  const TaskNeed need = learner.needs(learner.spec().defaults());
  if (need.empty()) return;
  bool declared = false;
  for (const TaskNeed& listed : learner.declared_needs()) {
    declared |= listed.any_of == need.any_of && listed.because == need.because;
  }
  EXPECT_TRUE(declared) << GetParam() << ": needs " << schema_names(need.any_of)
                        << " with its defaults but declared_needs does not list it";
}

INSTANTIATE_TEST_SUITE_P(Every, ConformanceLearner, ::testing::ValuesIn(learner_registry().names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hardnets
