// How a fit, a run or a stored row ended: one typed outcome for learners,
// runs, the results store and the Python module.
//
// Each outcome has a fixed text form, the one the results store keeps (so
// databases written before the enum existed still read: "timeout" is the
// text of time_limit) and the one Python sees. Whether a result is judged
// follows from the outcome alone: a model stopped by a budget (time or
// iterations) is judged as it is; a diverged, killed or failed one is not.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hardnets {

enum class Outcome {
  ok,               // the learner finished as designed
  diverged,         // the learner's own iterate blew up (NaN/inf loss or weights)
  time_limit,       // stopped by its time budget; the model so far is judged
  iteration_limit,  // stopped by its iteration cap before its own convergence test passed
  oom,              // the run was killed for exceeding its memory budget
  error,            // the learner or the run failed (message says why)
};

struct OutcomeInfo {
  Outcome outcome;
  std::string_view name;     // the enumerator's name (time_limit)
  std::string_view text;     // stored and printed form (timeout)
  bool judged;               // whether the judge scores a result with this outcome
  std::string_view meaning;  // one line, for docs and --help
};

// Every outcome, in declaration order.
std::span<const OutcomeInfo> outcomes();
const OutcomeInfo& outcome_info(Outcome outcome);
std::string_view outcome_text(Outcome outcome);
// The outcome whose text is `text`; nullopt for anything else.
std::optional<Outcome> parse_outcome(std::string_view text);
// The same, or a UserError "`what`: unknown outcome 'x'; known: ok, ...".
Outcome parse_outcome_or_fail(std::string_view text, std::string_view what);
// "ok, diverged, timeout, iteration_limit, oom, error".
std::string outcome_list();
bool is_judged(Outcome outcome);
// Writes outcome_text (so test failures and logs show "timeout", not 2).
std::ostream& operator<<(std::ostream& out, Outcome outcome);

}  // namespace hardnets
