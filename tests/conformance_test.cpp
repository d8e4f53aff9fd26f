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
// Not yet here (docs/architecture.md, "Not yet"): fitting each learner on a
// compatible problem chosen through declared task contracts (determinism,
// thread invariance, the time budget, the outcome), which needs the task
// schemas declared first.
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

INSTANTIATE_TEST_SUITE_P(Every, ConformanceLearner, ::testing::ValuesIn(learner_registry().names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hardnets
