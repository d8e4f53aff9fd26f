#include "hardnets/lab/estimate.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/estimate_models.h"
#include "hardnets/lab/generate.h"

namespace hardnets {

namespace {

using estimate_models::Model;

struct NamedModel {
  std::string attack;
  Model model;
};

using namespace estimate_models;

// The hyperedge attack `attack` on a lifted network (decode-then-attack).
Model lifted(Model attack) {
  return
      [attack](const Params& p, std::int64_t n_train) { return decode_then(attack, p, n_train); };
}

const std::map<std::string, std::vector<NamedModel>>& models() {
  static const std::map<std::string, std::vector<NamedModel>> table = {
      {"clwe", {{"primal_usvp", clwe_primal}, {"relation", clwe_relation}}},
      {"clwe_relu", {{"label_usvp", label_attack}}},
      {"periodic_neuron", {{"label_usvp", label_attack}}},
      {"lwe", {{"primal_usvp", lwe_primal}}},
      {"prg_hyperedge",
       {{"elimination", xor_elimination},
        {"guess_and_determine", p5_guess_determine},
        {"linearization", linearization},
        {"spectral", spectral}}},
      {"prg_depth3",
       {{"elimination", lifted(xor_elimination)},
        {"guess_and_determine", lifted(p5_guess_determine)},
        {"linearization", lifted(linearization)},
        {"spectral", lifted(spectral)}}},
      {"teacher", {{"exact_relu", exact_relu_teacher}}},
      {"relu_reduction",
       {{"exact_relu", exact_relu_reduction}, {"source_search", relu_source_search}}},
      {"dnnt_random",
       {{"brute_force", dnnt_brute_force}, {"dynamic_program", dnnt_dynamic_program}}},
      {"dnnt_reduction",
       {{"brute_force", dnnt_brute_force}, {"dynamic_program", dnnt_dynamic_program}}},
      {"sparse_parity",
       {{"elimination", parity_elimination},
        {"exhaustive", parity_exhaustive},
        {"bkw", parity_bkw},
        {"sgd", parity_sgd}}},
  };
  return table;
}

std::string names_of(const std::vector<NamedModel>& list) {
  std::string out;
  for (const NamedModel& m : list) out += (out.empty() ? "" : ", ") + m.attack;
  return out;
}

}  // namespace

Json AttackEstimate::to_json() const {
  return Json{{"attack", attack},
              {"learner", learner.empty() ? Json(nullptr) : Json(learner)},
              {"model", model},
              {"unit", unit},
              {"log2_ops", finite_or_null(log2_ops)},
              {"samples", finite_or_null(samples)},
              {"log2_memory", finite_or_null(log2_memory)},
              {"seconds", finite_or_null(seconds)},
              {"success_probability", success_probability},
              {"succeeds", succeeds},
              {"note", note},
              {"extrapolated", extrapolated},
              {"validated_range", validated_range},
              {"details", details}};
}

Json EstimateReport::to_json() const {
  Json list = Json::array();
  for (const AttackEstimate& a : attacks) list.push_back(a.to_json());
  return Json{{"problem", problem},
              {"params", params},
              {"n_train", n_train},
              {"attacks", list},
              {"cheapest", cheapest ? Json(attacks[*cheapest].attack) : Json(nullptr)}};
}

std::vector<std::string> estimate_attacks(const std::string& problem) {
  std::vector<std::string> out;
  if (auto it = models().find(problem); it != models().end()) {
    for (const NamedModel& m : it->second) out.push_back(m.attack);
  }
  return out;
}

EstimateReport estimate_costs(const EstimateRequest& request) {
  const ResolvedGenerate instance =
      resolve_generate({request.problem, request.problem_params, 1, {request.n_train, 1}, 1});
  const auto it = models().find(request.problem);
  if (it == models().end()) {
    std::string have;
    for (const auto& [name, list] : models()) have += (have.empty() ? "" : ", ") + name;
    fail("estimate: no cost model for problem '{}' yet (problems with one: {})", request.problem,
         have);
  }
  EstimateReport report;
  report.problem = request.problem;
  report.params = instance.params.to_json();
  report.n_train = request.n_train;
  for (const NamedModel& m : it->second) {
    if (!request.attack.empty() && m.attack != request.attack) continue;
    report.attacks.push_back(m.model(instance.params, request.n_train));
  }
  if (report.attacks.empty()) {
    fail("estimate: attack '{}' does not apply to problem '{}' (its attacks: {})", request.attack,
         request.problem, names_of(it->second));
  }
  for (std::size_t i = 0; i < report.attacks.size(); ++i) {
    const AttackEstimate& a = report.attacks[i];
    if (!a.succeeds || !std::isfinite(a.log2_ops)) continue;
    if (!report.cheapest || a.log2_ops < report.attacks[*report.cheapest].log2_ops) {
      report.cheapest = i;
    }
  }
  return report;
}

namespace {

// The estimate at `value` of the parameter.
EstimateReport estimate_at(const SolveRequest& request, std::int64_t value) {
  if (request.at_value) return estimate_costs(request.at_value(value));
  EstimateRequest r = request.base;
  r.problem_params[request.param] = std::to_string(value);
  return estimate_costs(r);
}

// Whether the estimate has reached the goal (see SolveRequest::Goal).
bool reached(const SolveRequest& request, const EstimateReport& e) {
  switch (request.goal) {
    case SolveRequest::Goal::kBits:
      return !e.cheapest || e.attacks[*e.cheapest].log2_ops >= request.target_bits;
    case SolveRequest::Goal::kThreshold:
      return !e.attacks.front().succeeds;
    case SolveRequest::Goal::kSeconds: {
      const AttackEstimate& a = e.attacks.front();
      return !a.succeeds || !(a.seconds < request.budget_seconds);
    }
  }
  return false;
}

std::string goal_text(const SolveRequest& request) {
  switch (request.goal) {
    case SolveRequest::Goal::kBits:
      return fmt::format("the cheapest attack costs at least 2^{}", request.target_bits);
    case SolveRequest::Goal::kThreshold:
      return fmt::format("{} is no longer predicted to succeed", request.base.attack);
    case SolveRequest::Goal::kSeconds:
      return fmt::format("{} takes at least {} s here (or fails)", request.base.attack,
                         request.budget_seconds);
  }
  return "";
}

void check_goal(const SolveRequest& request) {
  const bool one_attack = !request.base.attack.empty();
  if (request.goal != SolveRequest::Goal::kBits && !one_attack)
    fail("estimate --solve-for: a threshold or --budget-seconds needs --attack NAME");
  if (request.goal == SolveRequest::Goal::kBits && !(request.target_bits > 0))
    fail("--target-bits must be > 0, got {}", request.target_bits);
  if (request.goal == SolveRequest::Goal::kSeconds && !(request.budget_seconds > 0))
    fail("--budget-seconds must be > 0, got {}", request.budget_seconds);
}

}  // namespace

SolveRequest make_solve_request(EstimateRequest base, std::string param,
                                std::optional<double> target_bits,
                                std::optional<double> budget_seconds) {
  SolveRequest r;
  r.base = std::move(base);
  r.param = std::move(param);
  r.target_bits = target_bits.value_or(128.0);
  if (budget_seconds) {
    r.goal = SolveRequest::Goal::kSeconds;
    r.budget_seconds = *budget_seconds;
  } else if (!target_bits && !r.base.attack.empty()) {
    r.goal = SolveRequest::Goal::kThreshold;
  }
  return r;
}

SolveResult solve_for(const SolveRequest& request) {
  check_goal(request);
  const ResolvedGenerate instance = resolve_generate(
      {request.base.problem, request.base.problem_params, 1, {request.base.n_train, 1}, 1});
  const ParamDecl* decl = instance.problem->spec().find(request.param);
  if (!decl || decl->type != ParamType::kInt) {
    fail("estimate --solve-for: '{}' is not an integer parameter of {}", request.param,
         request.base.problem);
  }
  const std::int64_t max = std::isfinite(decl->max) ? static_cast<std::int64_t>(decl->max)
                                                    : std::numeric_limits<std::int64_t>::max() / 4;
  const auto at = [&](std::int64_t v) { return reached(request, estimate_at(request, v)); };
  SolveResult out;
  out.param = request.param;
  out.goal = goal_text(request);
  std::int64_t lo = instance.params.integer(request.param), hi = lo;
  if (at(lo)) {
    out.found = true;
    out.value = lo;
    out.at_value = estimate_at(request, lo);
    out.reason = fmt::format("already at {} = {}: {}", request.param, lo, out.goal);
    return out;
  }
  while (!at(hi)) {  // doubling: not reached at lo
    lo = hi;
    if (hi >= max) {
      out.below = lo;
      out.at_value = estimate_at(request, lo);  // the largest value tried
      out.reason = fmt::format("up to the parameter's maximum {} = {} it is never true that {}",
                               request.param, max, out.goal);
      return out;
    }
    hi = std::min(max, std::max<std::int64_t>(hi * 2, hi + 1));
  }
  while (hi - lo > 1) {  // not reached at lo, reached at hi
    const std::int64_t mid = lo + (hi - lo) / 2;
    (at(mid) ? hi : lo) = mid;
  }
  out.found = true;
  out.value = hi;
  out.below = lo;
  out.at_value = estimate_at(request, hi);
  return out;
}

Json SolveResult::to_json() const {
  Json out = at_value.to_json();
  out["solved"] = Json{{"found", found}, {"param", param},
                       {"goal", goal},   {"value", found ? Json(value) : Json(nullptr)},
                       {"below", below}, {"reason", reason}};
  return out;
}

}  // namespace hardnets

namespace hardnets::estimate_models {

// An estimate with its identity filled in: the attack, the lab learner that
// runs it ("" when none), the model with its citation, and its cost unit.
AttackEstimate make_estimate(std::string attack, std::string learner, std::string model,
                             std::string unit) {
  AttackEstimate out;
  out.attack = std::move(attack);
  out.learner = std::move(learner);
  out.model = std::move(model);
  out.unit = std::move(unit);
  return out;
}

void set_threshold(AttackEstimate& out, double given, double needed) {
  out.samples = needed;
  out.success_probability = given >= needed ? 1.0 : 0.0;
  out.succeeds = out.success_probability >= 0.5;
}

void append_note(AttackEstimate& out, const std::string& note) {
  out.note += (out.note.empty() ? "" : "; ") + note;
}

}  // namespace hardnets::estimate_models
