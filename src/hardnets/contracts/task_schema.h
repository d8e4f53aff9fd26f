// Task schemas: what a problem publishes beyond the data, declared key by key.
//
// A problem's public task (task.json; never its truth) is what attacks and
// proper learners read: a Goldreich PRG's predicate and seed length, a
// discrete-training instance's architecture, the hidden width of the network
// that labels the data. Each kind of task is declared once here as a
// TaskSchema (the identifying family, the keys with type and meaning), in the
// style of ParamSpec. A problem declares the schemas its task follows
// (Problem::publishes); a learner declares what it reads (Learner::needs:
// one of a list of schemas, possibly depending on its parameters). The lab
// checks the two against each other when a run or sweep is planned
// (task_contract_error), and the conformance suite checks every problem's
// generated task against its declaration (task_schema_errors), so a
// declaration cannot drift from what the code writes.
#pragma once

#include <string>
#include <vector>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/json.h"

namespace hardnets {

struct TaskSchema {
  const char* name;     // how problems and learners refer to it
  const char* meaning;  // one line for the docs
  // The key and value that identify a task of this schema ("family" =
  // "goldreich"); none (nullptr) for a schema of extra keys that tasks of
  // several kinds share, like the hidden width.
  const char* tag_key;
  const char* tag_value;
  std::vector<TaskKey> keys;  // besides the tag
};

// Every declared schema, in the order the docs list them.
const std::vector<const TaskSchema*>& task_schemas();
// The schema called `name`; nullptr when there is none.
const TaskSchema* find_task_schema(const std::string& name);

// The schemas, by name (each is also in task_schemas()).
const TaskSchema& hidden_width_schema();   // hidden_width
const TaskSchema& goldreich_schema();      // family = goldreich
const TaskSchema& parity_schema();         // family = parity
const TaskSchema& natural_ksat_schema();   // family = natural_ksat
const TaskSchema& dnnt_schema();           // format = dnnt
const TaskSchema& clwe_schema();           // family = clwe
const TaskSchema& lwe_schema();            // family = lwe
const TaskSchema& periodic_schema();       // family = periodic
const TaskSchema& prg_depth3_schema();     // family = prg_depth3
const TaskSchema& prg_depth2_schema();     // family = prg_depth2_smoothed
const TaskSchema& relu_training_schema();  // the training problem of relu_reduction

// What a problem's task follows: its schemas (the task has exactly their
// keys, tags included). Empty: the problem publishes no task.
using TaskPublication = std::vector<const TaskSchema*>;

// What a learner reads from the task with its parameters: one of `any_of`
// (empty: nothing), for the reason `because` (e.g. "width = 0 trains the
// task's hidden width") and, when the problem publishes none of them, what
// to do instead (`instead`, e.g. "pass -l width=M").
struct TaskNeed {
  TaskPublication any_of;
  std::string because;
  std::string instead;
  bool empty() const { return any_of.empty(); }
};

// Empty when `published` satisfies `need`; otherwise the message that
// refuses the pairing, naming the learner, the problem, the schemas needed
// and those published.
std::string task_contract_error(const std::string& problem, const TaskPublication& published,
                                const std::string& learner, const TaskNeed& need);

// The ways `task` (a generated instance's) departs from `published`: a key a
// schema declares that is missing or of another type, a tag of another value,
// a key that no published schema declares. Empty when it conforms.
std::vector<std::string> task_schema_errors(const TaskPublication& published, const Json& task);

// The schemas' names joined with " or " (for messages and docs).
std::string schema_names(const TaskPublication& schemas, const char* separator = " or ");

}  // namespace hardnets
