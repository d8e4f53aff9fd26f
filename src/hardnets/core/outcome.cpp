#include "hardnets/core/outcome.h"

#include <algorithm>
#include <array>
#include <ostream>

#include "hardnets/core/error.h"

namespace hardnets {

namespace {

constexpr std::array<OutcomeInfo, 6> kOutcomes = {{
    {Outcome::ok, "ok", "ok", true, "finished as designed"},
    {Outcome::diverged, "diverged", "diverged", false,
     "the learner's iterate became NaN or infinite"},
    {Outcome::time_limit, "time_limit", "timeout", true,
     "stopped by the time budget; the model reached so far is judged"},
    {Outcome::iteration_limit, "iteration_limit", "iteration_limit", true,
     "stopped by the learner's iteration cap before its convergence test passed; judged as it is"},
    {Outcome::oom, "oom", "oom", false, "killed for exceeding the run's memory budget"},
    {Outcome::error, "error", "error", false,
     "the learner or the run failed; the message says why"},
}};

}  // namespace

std::span<const OutcomeInfo> outcomes() {
  return kOutcomes;
}

const OutcomeInfo& outcome_info(Outcome outcome) {
  return kOutcomes[static_cast<std::size_t>(outcome)];
}

std::string_view outcome_text(Outcome outcome) {
  return outcome_info(outcome).text;
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  const auto it = std::find_if(kOutcomes.begin(), kOutcomes.end(),
                               [&](const OutcomeInfo& info) { return info.text == text; });
  if (it == kOutcomes.end()) return std::nullopt;
  return it->outcome;
}

std::string outcome_list() {
  std::string list;
  for (const OutcomeInfo& info : kOutcomes) {
    if (!list.empty()) list += ", ";
    list += info.text;
  }
  return list;
}

Outcome parse_outcome_or_fail(std::string_view text, std::string_view what) {
  if (const auto outcome = parse_outcome(text)) return *outcome;
  throw UserError(std::string(what) + ": unknown outcome '" + escaped(text) +
                  "'; known: " + outcome_list());
}

bool is_judged(Outcome outcome) {
  return outcome_info(outcome).judged;
}

std::ostream& operator<<(std::ostream& out, Outcome outcome) {
  return out << outcome_text(outcome);
}

}  // namespace hardnets
