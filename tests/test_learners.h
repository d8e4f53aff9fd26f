// Test-only learners, registered in the test binary alone (never in the CLI):
// they provoke the failures the lab must survive without real heavy work.
//   test_sleep     sleeps `seconds` (in 1 ms steps), stopping with outcome
//                  time_limit when `honour_deadline` and ctx.deadline expires;
//   test_crash     `how` = none (a plain fit), throw (std::runtime_error),
//                  user_error (UserError), abort (SIGABRT), diverge (outcome
//                  diverged with a predictor);
//   test_allocate  allocates and touches `mb` MiB before a plain fit
//                  (validate: mb <= max_mb, the cross-parameter hook).
// A plain fit predicts the mean label, as `mean` does. With their defaults
// all three are well-behaved learners, so the conformance suite covers them
// like any other.
#pragma once

#include <string>

namespace hardnets::testing {

// The names above; referencing this keeps the registrations linked in.
inline constexpr const char* kTestLearners[] = {"test_sleep", "test_crash", "test_allocate"};
bool is_test_learner(const std::string& name);

}  // namespace hardnets::testing
