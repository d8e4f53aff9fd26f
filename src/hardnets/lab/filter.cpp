#include "hardnets/lab/filter.h"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {

struct Clause {
  std::string key;
  std::string value;
  bool negate = false;
};

// The run's value for `key` as JSON, or nullopt when the run has no such field.
std::optional<Json> field(const RunRecord& r, const std::string& key) {
  if (key == "run_id") return Json(r.run_id);
  if (key == "problem") return Json(r.problem);
  if (key == "learner") return Json(r.learner);
  if (key == "status") return Json(std::string(outcome_text(r.status)));
  if (key == "seed") return Json(r.seed);
  if (key == "n_train") return Json(r.n_train);
  if (key == "n_test") return Json(r.n_test);
  if (key == "sweep")
    return r.config.contains("sweep") ? std::optional<Json>(r.config["sweep"]) : std::nullopt;
  auto lookup = [&](const char* side, const std::string& name) -> std::optional<Json> {
    if (r.config.contains(side) && r.config[side].contains(name)) return r.config[side][name];
    return std::nullopt;
  };
  if (key.rfind("problem.", 0) == 0) return lookup("problem_params", key.substr(8));
  if (key.rfind("learner.", 0) == 0) return lookup("learner_params", key.substr(8));
  if (auto v = lookup("problem_params", key)) return v;
  return lookup("learner_params", key);
}

bool matches(const Json& actual, const std::string& wanted) {
  if (actual.is_number()) {
    char* end = nullptr;
    const double w = std::strtod(wanted.c_str(), &end);
    if (end == wanted.c_str() || *end != '\0') return false;
    const double a = actual.get<double>();
    return a == w || std::abs(a - w) <= 1e-12 * std::max(std::abs(a), std::abs(w));
  }
  if (actual.is_boolean()) return (actual.get<bool>() ? "true" : "false") == wanted;
  if (actual.is_string()) return actual.get<std::string>() == wanted;
  return actual.dump() == wanted;
}

}  // namespace

RunFilter parse_where(const std::vector<std::string>& clauses) {
  if (clauses.empty()) return {};
  std::vector<Clause> parsed;
  for (const auto& text : clauses) {
    Clause c;
    auto pos = text.find("!=");
    if (pos != std::string::npos) {
      c.negate = true;
      c.key = text.substr(0, pos);
      c.value = text.substr(pos + 2);
    } else if ((pos = text.find('=')) != std::string::npos) {
      c.key = text.substr(0, pos);
      c.value = text.substr(pos + 1);
    }
    if (c.key.empty()) fail("--where must be key=value or key!=value, got '{}'", text);
    parsed.push_back(std::move(c));
  }
  return [parsed](const RunRecord& r) {
    for (const Clause& c : parsed) {
      const auto v = field(r, c.key);
      const bool hit = v && matches(*v, c.value);
      if (hit == c.negate) return false;
    }
    return true;
  };
}

}  // namespace hardnets
