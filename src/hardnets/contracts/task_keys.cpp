#include "hardnets/contracts/task_keys.h"

#include "hardnets/core/error.h"

namespace hardnets {

std::int64_t task_integer(const Json& task, const TaskKey& key, const std::string& learner,
                          const std::string& asked, const std::string& instead) {
  if (!task.is_object() || !task.contains(key.name)) {
    fail("{}: {} takes the {} from the task, but this problem's task declares no '{}' ({}); {}",
         learner, asked, key.name, key.name, key.meaning, instead);
  }
  const Json& value = task.at(key.name);
  if (!value.is_number_integer()) {
    fail("{}: the task's '{}' must be an {} ({}), got {}; {}", learner, key.name, key.type,
         key.meaning, escaped(value.dump()), instead);
  }
  return value.get<std::int64_t>();
}

}  // namespace hardnets
