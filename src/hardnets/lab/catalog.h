// What the library offers, by name: `hardnets describe` and the Python
// module's `hardnets.describe` read the same registered declarations.
#pragma once

#include <string>

#include "hardnets/core/json.h"

namespace hardnets {

// {"name", "kind": "problem" or "learner", "summary", "params": ParamSpec::describe()}
// for a registered problem or learner; an unknown name is a UserError listing
// the known problems.
Json describe(const std::string& name);

}  // namespace hardnets
