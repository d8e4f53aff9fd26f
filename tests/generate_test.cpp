#include "hardnets/lab/generate.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/core/dataset.h"
#include "test_util.h"

namespace hardnets {
namespace {

using testing::user_error;

GenerateRequest teacher_request() {
  return {"teacher", Json{{"d", 4}, {"width", "3"}}, 7, Sizes{30, 10}, 1};
}

TEST(Generate, ResolvesAgainstTheRegistry) {
  const ResolvedGenerate r = resolve_generate(teacher_request());
  EXPECT_EQ(r.problem->name(), "teacher");
  EXPECT_EQ(r.params.integer("d"), 4);
  EXPECT_EQ(r.params.integer("width"), 3);  // text values parse as `-p` does
  EXPECT_EQ(r.params.integer("depth"), 2);  // defaults filled in
  EXPECT_EQ(r.seed, 7u);
}

TEST(Generate, IsTheProblemsOwnGeneration) {
  const Instance ours = generate_instance(teacher_request());
  const Problem& problem = problem_registry().get("teacher");
  const Instance direct =
      problem.generate(problem.spec().resolve(Json{{"d", 4}, {"width", 3}}), 7, Sizes{30, 10}, {1});
  EXPECT_EQ(ours.train.X, direct.train.X);
  EXPECT_EQ(ours.test.y, direct.test.y);
  EXPECT_EQ(ours.card, direct.card);
}

TEST(Generate, BadRequestsAreUserErrors) {
  GenerateRequest r = teacher_request();
  r.problem = "nope";
  EXPECT_CONTAINS(user_error([&] { resolve_generate(r); }), "unknown problem 'nope'");
  r = teacher_request();
  r.params["d"] = 0;
  EXPECT_EQ(user_error([&] { resolve_generate(r); }),
            "teacher: parameter 'd' must be in [1, 100000], got 0");
  r = teacher_request();
  r.sizes.n_train = 0;
  EXPECT_CONTAINS(user_error([&] { resolve_generate(r); }), "--n-train must be in [1, ");
  r = teacher_request();
  r.threads = 0;
  EXPECT_EQ(user_error([&] { resolve_generate(r); }), "--threads must be at least 1, got 0");
}

TEST(Generate, WritesTheGenFolder) {
  testing::TempDir dir("generate");
  const Instance inst = generate_instance(teacher_request());
  write_instance(dir.path() / "sub", inst, {.csv = true});
  for (const char* name : {"X_train.npy", "y_train.npy", "X_test.npy", "y_test.npy", "card.json",
                           "truth.json", "train.csv", "test.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "sub" / name)) << name;
  }
  // A teacher's task is its hidden width (a parameter the user chose).
  std::ifstream task_file(dir.path() / "sub" / "task.json");
  ASSERT_TRUE(task_file.good());
  EXPECT_EQ(Json::parse(task_file), Json({{"hidden_width", inst.params.integer("width")}}));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "sub" / "train.tsv"));
  const Dataset back = load_dataset(dir.path() / "sub", "train");
  EXPECT_EQ(back.X, inst.train.X);
  EXPECT_EQ(back.y, inst.train.y);
}

TEST(Generate, DiscreteTrainingAlsoWritesTaskAndInstance) {
  testing::TempDir dir("generate-dnnt");
  const Instance inst = generate_instance({"dnnt_random", Json::object(), 1, Sizes{4, 2}, 1});
  write_instance(dir.path(), inst);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "task.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "instance.json"));
}

}  // namespace
}  // namespace hardnets
