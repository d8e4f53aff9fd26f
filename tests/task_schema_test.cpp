// The task contracts (contracts/task_schema.h): a task is checked against the
// schemas its problem declares, and a learner's need against a publication.
#include "hardnets/contracts/task_schema.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hardnets {
namespace {

Json parity_task() {
  return Json{{"family", "parity"}, {"n", 16}, {"k", 3}, {"noise", 0.0}};
}

TEST(TaskSchema, AConformingTaskHasNoErrors) {
  EXPECT_TRUE(task_schema_errors({&parity_schema()}, parity_task()).empty());
  // Two schemas: the union of their keys.
  Json both = parity_task();
  both["hidden_width"] = 4;
  EXPECT_TRUE(task_schema_errors({&parity_schema(), &hidden_width_schema()}, both).empty());
  // An optional key may be absent.
  const Json dnnt{{"format", "dnnt"},     {"d", 2},           {"hidden", {2}},
                  {"activation", "relu"}, {"domain", {0, 1}}, {"loss", "square"}};
  EXPECT_TRUE(task_schema_errors({&dnnt_schema()}, dnnt).empty());
}

TEST(TaskSchema, EachDepartureIsNamed) {
  Json missing = parity_task();
  missing.erase("k");
  EXPECT_EQ(task_schema_errors({&parity_schema()}, missing),
            std::vector<std::string>{"schema parity: key 'k' is missing"});
  Json wrong_type = parity_task();
  wrong_type["n"] = "sixteen";
  EXPECT_EQ(task_schema_errors({&parity_schema()}, wrong_type),
            std::vector<std::string>{
                "schema parity: key 'n' must be integer (input bits n), got \"sixteen\""});
  Json extra = parity_task();
  extra["hidden_width"] = 4;
  EXPECT_EQ(task_schema_errors({&parity_schema()}, extra),
            std::vector<std::string>{
                "key 'hidden_width' is published but declared by no schema of parity"});
  Json tag = parity_task();
  tag["family"] = "goldreich";
  EXPECT_EQ(
      task_schema_errors({&parity_schema()}, tag),
      std::vector<std::string>{"schema parity: 'family' must be \"parity\", got \"goldreich\""});
  EXPECT_EQ(task_schema_errors({&parity_schema()}, Json::array()),
            std::vector<std::string>{"the task is not a JSON object"});
}

TEST(TaskSchema, ContractNamesLearnerProblemAndBothSides) {
  const TaskNeed width{
      {&hidden_width_schema()}, "width = 0 trains the task's hidden width", "pass -l width=M"};
  EXPECT_EQ(task_contract_error("teacher", {&hidden_width_schema()}, "sgd", width), "");
  EXPECT_EQ(task_contract_error("sparse_parity", {&parity_schema()}, "sgd", width),
            "learner 'sgd' reads a hidden_width task (width = 0 trains the task's hidden width), "
            "but problem 'sparse_parity' publishes a parity task; pass -l width=M");
  EXPECT_EQ(task_contract_error("clwe", {}, "sgd", width),
            "learner 'sgd' reads a hidden_width task (width = 0 trains the task's hidden width), "
            "but problem 'clwe' publishes no task; pass -l width=M");
  // One of several schemas suffices; a learner that needs nothing pairs with anything.
  const TaskNeed either{{&goldreich_schema(), &parity_schema()}, "the linear system", ""};
  EXPECT_EQ(task_contract_error("sparse_parity", {&parity_schema()}, "gf2", either), "");
  EXPECT_EQ(task_contract_error("teacher", {&hidden_width_schema()}, "gf2", either),
            "learner 'gf2' reads a goldreich or parity task (the linear system), but problem "
            "'teacher' publishes a hidden_width task");
  EXPECT_EQ(task_contract_error("teacher", {}, "ridge", TaskNeed{}), "");
}

TEST(TaskSchema, EverySchemaIsRegisteredOnceWithDistinctKeys) {
  std::set<std::string> names;
  for (const TaskSchema* s : task_schemas()) {
    EXPECT_TRUE(names.insert(s->name).second) << s->name;
    EXPECT_EQ(find_task_schema(s->name), s);
    std::set<std::string> keys;
    for (const TaskKey& k : s->keys) {
      EXPECT_TRUE(keys.insert(k.name).second) << s->name << "." << k.name;
      EXPECT_TRUE(std::string(k.meaning).size() > 0) << s->name << "." << k.name;
    }
  }
  EXPECT_EQ(find_task_schema("no_such_schema"), nullptr);
}

}  // namespace
}  // namespace hardnets
