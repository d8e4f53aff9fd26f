// core/outcome: the text forms are the store's (old databases keep reading),
// parsing inverts them, and judged-ness is what the lab relies on.
#include "hardnets/core/outcome.h"

#include <sstream>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hardnets {
namespace {

TEST(Outcome, TextFormsAreTheStoredOnes) {
  EXPECT_EQ(outcome_text(Outcome::ok), "ok");
  EXPECT_EQ(outcome_text(Outcome::diverged), "diverged");
  EXPECT_EQ(outcome_text(Outcome::time_limit), "timeout");  // what version-1 stores hold
  EXPECT_EQ(outcome_text(Outcome::iteration_limit), "iteration_limit");
  EXPECT_EQ(outcome_text(Outcome::oom), "oom");
  EXPECT_EQ(outcome_text(Outcome::error), "error");
  EXPECT_EQ(outcome_list(), "ok, diverged, timeout, iteration_limit, oom, error");
}

TEST(Outcome, ParsingInvertsTheTextForm) {
  for (const OutcomeInfo& info : outcomes()) {
    EXPECT_EQ(parse_outcome(info.text), info.outcome) << info.text;
    EXPECT_EQ(&outcome_info(info.outcome), &info);
  }
  EXPECT_FALSE(parse_outcome("time_limit").has_value());  // the enum name is not the text
  EXPECT_FALSE(parse_outcome("OK").has_value());
  EXPECT_FALSE(parse_outcome("").has_value());
}

TEST(Outcome, AnUnknownTextIsAUserErrorNamingItEscaped) {
  const std::string message = testing::user_error([] {
    parse_outcome_or_fail(
        "cr\xff"
        "ashed",
        "record: status");
  });
  EXPECT_NE(message.find("record: status: unknown outcome 'cr"), std::string::npos) << message;
  EXPECT_EQ(message.find('\xff'), std::string::npos) << "raw bytes are never echoed";
  EXPECT_NE(message.find("known: ok, diverged"), std::string::npos) << message;
}

TEST(Outcome, ModelsStoppedByABudgetAreJudgedFailuresAreNot) {
  EXPECT_TRUE(is_judged(Outcome::ok));
  EXPECT_TRUE(is_judged(Outcome::time_limit));
  EXPECT_TRUE(is_judged(Outcome::iteration_limit));
  EXPECT_FALSE(is_judged(Outcome::diverged));
  EXPECT_FALSE(is_judged(Outcome::oom));
  EXPECT_FALSE(is_judged(Outcome::error));
}

TEST(Outcome, StreamsAsItsText) {
  std::ostringstream out;
  out << Outcome::time_limit;
  EXPECT_EQ(out.str(), "timeout");
}

}  // namespace
}  // namespace hardnets
