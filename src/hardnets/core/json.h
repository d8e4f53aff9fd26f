// The JSON type used for cards, configurations, truths and stored runs.
#pragma once

#include <nlohmann/json.hpp>

namespace hardnets {
using Json = nlohmann::ordered_json;
}  // namespace hardnets
