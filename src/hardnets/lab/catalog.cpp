#include "hardnets/lab/catalog.h"

#include <fmt/format.h>

#include "hardnets/lab/estimate.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

namespace {

Json schema_json(const TaskSchema& schema) {
  Json keys = Json::array();
  for (const TaskKey& key : schema.keys) {
    keys.push_back(Json{{"name", key.name},
                        {"type", key.type},
                        {"meaning", key.meaning},
                        {"optional", key.optional}});
  }
  Json out{{"name", schema.name}, {"meaning", schema.meaning}, {"keys", std::move(keys)}};
  if (schema.tag_key) out["tag"] = Json{{schema.tag_key, schema.tag_value}};
  return out;
}

Json need_json(const TaskNeed& need) {
  Json any_of = Json::array();
  for (const TaskSchema* schema : need.any_of) any_of.push_back(schema->name);
  return Json{{"any_of", std::move(any_of)}, {"because", need.because}, {"instead", need.instead}};
}

std::string schema_markdown(const TaskSchema& schema) {
  std::string out = fmt::format("Schema `{}`: {}", schema.name, schema.meaning);
  if (schema.tag_key) out += fmt::format(" (tag `{} = \"{}\"`)", schema.tag_key, schema.tag_value);
  out += ".\n\n| key | type | meaning |\n|---|---|---|\n";
  for (const TaskKey& key : schema.keys) {
    out += fmt::format("| `{}` | {} | {}{} |\n", key.name, key.type, key.meaning,
                       key.optional ? " (optional)" : "");
  }
  return out;
}

}  // namespace

Json describe(const std::string& name) {
  const Problem* problem = problem_registry().find(name);
  const Learner* learner = learner_registry().find(name);
  // Let the registry phrase the error with the known names.
  if (!problem && !learner) problem_registry().get(name);
  const ParamSpec& spec = problem ? problem->spec() : learner->spec();
  Json out{{"name", name},
           {"kind", problem ? "problem" : "learner"},
           {"summary", problem ? problem->summary() : learner->summary()},
           {"params", spec.describe()},
           {"references", citations_json(spec.references())}};
  if (problem) {
    if (spec.construction()) out["construction"] = construction_json(*spec.construction());
    out["publishes"] = Json::array();
    for (const TaskSchema* schema : problem->publishes())
      out["publishes"].push_back(schema_json(*schema));
    // The attack models `hardnets estimate` has for it (docs/estimates.md).
    out["estimates"] = estimate_attacks(name);
    if (const auto null = problem->null_hypothesis()) {
      out["null"] = Json{{"param", null->param},
                         {"value", null->value},
                         {"statistic", null->statistic},
                         {"smaller_is_planted", null->smaller_is_planted},
                         {"meaning", null->meaning}};
    }
  } else {
    out["needs"] = Json::array();
    for (const TaskNeed& need : learner->declared_needs()) out["needs"].push_back(need_json(need));
  }
  return out;
}

std::string nulls_markdown() {
  std::string out =
      "| problem | null | statistic (planted when) | the null instance |\n|---|---|---|---|\n";
  for (const auto& name : problem_registry().names()) {
    const auto null = problem_registry().get(name).null_hypothesis();
    if (!null) continue;
    out += fmt::format("| `{}` | `{} = {}` | `{}` ({}) | {} |\n", name, null->param, null->value,
                       null->statistic, null->smaller_is_planted ? "smaller" : "larger",
                       null->meaning);
  }
  return out;
}

std::string task_contract_markdown(const std::string& name) {
  const Problem* problem = problem_registry().find(name);
  const Learner* learner = learner_registry().find(name);
  if (!problem && !learner) problem_registry().get(name);
  std::string out;
  if (problem) {
    const TaskPublication published = problem->publishes();
    if (published.empty()) return "Task: none (learners see the data alone).\n";
    out = "Task (`task.json`; what a learner may read beyond the data, never the truth):\n";
    for (const TaskSchema* schema : published) out += "\n" + schema_markdown(*schema);
    return out;
  }
  const std::vector<TaskNeed> needs = learner->declared_needs();
  if (needs.empty()) return "Reads from the task: nothing (the data alone).\n";
  out = "Reads from the task (checked against the problem's task when a run is planned):\n\n";
  for (const TaskNeed& need : needs) {
    out +=
        fmt::format("- {}: reads schema `{}`", need.because, schema_names(need.any_of, "` or `"));
    out += need.instead.empty() ? ".\n" : fmt::format("; otherwise {}.\n", need.instead);
  }
  return out;
}

}  // namespace hardnets
