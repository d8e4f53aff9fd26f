// What the library offers, by name: `hardnets describe` and the Python
// module's `hardnets.describe` read the same registered declarations.
#pragma once

#include <string>

#include "hardnets/core/json.h"

namespace hardnets {

// {"name", "kind": "problem" or "learner", "summary", "params": ParamSpec::describe()}
// for a registered problem or learner, with its task contract: a problem's
// "publishes" (each schema: name, meaning, tag, keys) or a learner's "needs"
// (Learner::declared_needs: any_of, because, instead). An unknown name is a
// UserError listing the known problems.
Json describe(const std::string& name);

// The same task contract as Markdown, for docs/problems.md and
// docs/learners.md (`hardnets describe NAME --task-markdown`).
std::string task_contract_markdown(const std::string& name);

// The declared nulls (Problem::null_hypothesis) as a Markdown table:
// `hardnets list nulls`, embedded in docs/reductions.md.
std::string nulls_markdown();

}  // namespace hardnets
