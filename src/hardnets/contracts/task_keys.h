// Keys of a problem's public task (what it publishes beyond the data, never
// its truth) that learners read: each declared once, with its meaning, in
// this neutral layer that problems and learners both depend on.
//
// A learner that reads a task key reads it through its declaration here, so
// the key has one name and one meaning everywhere: "k" is a predicate's arity
// or a parity's support size on the problems that publish it, never a width.
#pragma once

#include <cstdint>
#include <string>

#include "hardnets/core/json.h"

namespace hardnets {

// One key of a task: its name, its JSON type ("integer", "number",
// "string", "boolean", "array", or "number or null") and its meaning. An
// optional key may be absent (a task publishes it only in some variants).
struct TaskKey {
  const char* name;
  const char* type;
  const char* meaning;
  bool optional = false;
};

// The hidden width of the network that labels the data (its number of hidden
// units per layer; the number of ReLUs for relu_reduction's training
// problems): the width a proper learner trains when asked for the task's own.
inline constexpr TaskKey kHiddenWidth{
    "hidden_width", "integer",
    "hidden units per layer of the network that labels the data (the width a proper learner "
    "trains)"};

// The task's value of an integer key, or a UserError that names the learner,
// what it was asked (`asked`, e.g. "width = 0"), the key and its meaning, and
// ends with `instead` (how to give the value by hand) when the task does not
// declare the key or declares something else.
std::int64_t task_integer(const Json& task, const TaskKey& key, const std::string& learner,
                          const std::string& asked, const std::string& instead);

}  // namespace hardnets
