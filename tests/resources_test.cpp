// Tests for the timers every learner shares (core/resources.h): Stopwatch and
// Deadline. Nothing here asserts a wall time: only that clocks do not run
// backwards, that an infinite budget never expires, and that a tiny budget
// expires once the clock has passed it (the test waits for that on the
// Deadline's own clock, so it holds on any machine, however loaded).
#include <gtest/gtest.h>

#include <limits>

#include "hardnets/core/resources.h"

namespace hardnets {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Spins until `clock` reads more than `seconds` (a steady clock always gets there).
template <class Clock>
void wait_past(const Clock& clock, double seconds) {
  while (!(clock.seconds() > seconds)) {
  }
}

TEST(Stopwatch, ReadingsStartAtZeroAndNeverDecrease) {
  const Stopwatch clock;
  double last = clock.seconds();
  EXPECT_GE(last, 0.0);
  for (int i = 0; i < 1000; ++i) {
    const double now = clock.seconds();
    EXPECT_GE(now, last);
    last = now;
  }
  EXPECT_GE(clock.cpu_seconds(), 0.0);
}

TEST(Deadline, InfiniteBudgetNeverExpires) {
  const Deadline by_default;
  const Deadline infinite(kInf);
  wait_past(by_default, 1e-4);
  wait_past(infinite, 1e-4);
  EXPECT_FALSE(by_default.expired());
  EXPECT_FALSE(infinite.expired());
}

TEST(Deadline, TinyBudgetExpiresOnlyOnceTimeHasPassed) {
  // Zero budget: expired as soon as the clock has moved at all, and stays so.
  const Deadline zero(0.0);
  wait_past(zero, 0.0);
  EXPECT_TRUE(zero.expired());
  EXPECT_TRUE(zero.expired());
  // A tiny budget: expired after the clock has passed it.
  const Deadline tiny(1e-4);
  wait_past(tiny, 1e-4);
  EXPECT_TRUE(tiny.expired());
}

TEST(Deadline, LargeBudgetHasNotExpiredYet) {
  // A budget of about 30 years cannot have passed while this test runs.
  const Deadline large(1e9);
  EXPECT_FALSE(large.expired());
  EXPECT_GE(large.seconds(), 0.0);
  EXPECT_LT(large.seconds(), 1e9);
}

}  // namespace
}  // namespace hardnets
