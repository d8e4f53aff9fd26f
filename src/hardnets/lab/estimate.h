// `hardnets estimate`: the predicted cost of the best known attacks on a
// problem's instance, from its parameters alone (docs/estimates.md).
//
// Each attack model (estimate/) maps the problem's parameters and the
// samples given (n_train) to a cost in the model's stated unit, the samples
// it needs, its memory and its predicted success probability with the
// samples given. The cheapest attack is the one of least log2_ops among
// those predicted to succeed. The inverse mode searches one integer
// parameter for the value at which that cost reaches 2^B.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/core/json.h"

namespace hardnets {

struct AttackEstimate {
  std::string attack;   // e.g. "primal_usvp"; the lab learner that runs it in `learner`
  std::string learner;  // the lab's implementation ("" when none)
  std::string model;    // what the numbers come from, with its citation
  std::string unit;     // what log2_ops counts
  // +inf until a model sets it: not applicable, or no attack found.
  double log2_ops = std::numeric_limits<double>::infinity();
  double samples = 0;  // needed for success probability 1/2
  double log2_memory = 0;
  // Predicted seconds on this machine, where a lab calibration exists (NaN
  // otherwise; null in JSON).
  double seconds = std::numeric_limits<double>::quiet_NaN();
  double success_probability = 0;  // with the samples given
  bool succeeds = false;           // success_probability >= 1/2
  std::string note;                // a caveat (a lower bound, not applicable, ...)
  // Outside the range the model was checked on (validated_range says which).
  bool extrapolated = false;
  std::string validated_range;
  Json details = Json::object();
  Json to_json() const;
};

struct EstimateRequest {
  std::string problem;
  Json problem_params = Json::object();
  std::int64_t n_train = 1000;
  std::string attack;  // "" = every model of the problem
};

struct EstimateReport {
  std::string problem;
  Json params;  // the full resolved parameters
  std::int64_t n_train = 0;
  std::vector<AttackEstimate> attacks;
  std::optional<std::size_t> cheapest;  // index into attacks
  // problem, params, n_train, attacks, cheapest (the attack's name or null).
  Json to_json() const;
};

// UserError for an unknown problem or parameter, a problem with no model,
// and an attack that does not apply to the problem (naming those that do).
EstimateReport estimate_costs(const EstimateRequest& request);
// The attack models for a problem ("" when it has none), for listings.
std::vector<std::string> estimate_attacks(const std::string& problem);

struct SolveRequest {
  // What the searched value must reach, the parameter growing:
  //   kBits: the cheapest attack's log2_ops >= target_bits (or none succeeds);
  //   kThreshold: base.attack is no longer predicted to succeed;
  //   kSeconds: base.attack's predicted seconds >= budget_seconds (or it fails).
  enum class Goal { kBits, kThreshold, kSeconds };
  EstimateRequest base;
  std::string param;  // an integer problem parameter
  double target_bits = 128;
  Goal goal = Goal::kBits;
  double budget_seconds = 0;
  // How the request at a searched value is made: by default base with the
  // parameter set to the value; a family whose other parameters follow the
  // searched one (gamma = 2 sqrt d, n_train = 4 d: challenge ladders) sets it.
  std::function<EstimateRequest(std::int64_t value)> at_value = nullptr;
};

// The request the front ends make: a seconds goal when budget_seconds is
// given, else a cost goal when target_bits is given or no attack is named
// (128 bits by default), else the named attack's threshold.
SolveRequest make_solve_request(EstimateRequest base, std::string param,
                                std::optional<double> target_bits,
                                std::optional<double> budget_seconds);

struct SolveResult {
  bool found = false;
  std::string param;        // the parameter searched
  std::string goal;         // the goal in words
  std::int64_t value = 0;   // the least value that reaches the goal
  std::int64_t below = 0;   // the largest value tried below it (not reaching it)
  std::string reason;       // when not found
  EstimateReport at_value;  // the estimate at `value` (at `below` when not found)
  // The estimate's object (problem, params, n_train, attacks, cheapest) with
  // "solved": {found, param, goal, value, below, reason}.
  Json to_json() const;
};

// Doubles the parameter from its given value until the goal is reached (or
// the parameter's maximum), then bisects; assumes the goal, once reached,
// stays reached as the parameter grows (stated in `reason` when the search
// ends without a value). UserError for a threshold or seconds goal without
// base.attack, and for targets <= 0.
SolveResult solve_for(const SolveRequest& request);

}  // namespace hardnets
