#include "hardnets/lab/catalog.h"

#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

Json describe(const std::string& name) {
  const Problem* problem = problem_registry().find(name);
  const Learner* learner = learner_registry().find(name);
  // Let the registry phrase the error with the known names.
  if (!problem && !learner) problem_registry().get(name);
  const ParamSpec& spec = problem ? problem->spec() : learner->spec();
  return Json{{"name", name},
              {"kind", problem ? "problem" : "learner"},
              {"summary", problem ? problem->summary() : learner->summary()},
              {"params", spec.describe()}};
}

}  // namespace hardnets
