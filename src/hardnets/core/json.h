// The JSON type used for cards, configurations, truths and stored runs.
#pragma once

#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace hardnets {
using Json = nlohmann::ordered_json;

// A number as JSON, null when it is NaN or infinite (JSON has neither).
inline Json finite_or_null(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

// Named figures (Metrics) as a JSON object, non-finite values as null.
inline Json numbers_json(const std::map<std::string, double>& numbers) {
  Json out = Json::object();
  for (const auto& [key, value] : numbers) out[key] = finite_or_null(value);
  return out;
}
}  // namespace hardnets
