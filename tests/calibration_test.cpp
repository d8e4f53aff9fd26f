// The estimator's calibration (estimate/calibration.h): parsing, the stale
// flag, malformed files, and the shipped file's shape. (That the shipped
// file regenerates byte for byte from its runs is the ctest
// calibration.regenerates_from_its_runs.)
#include "hardnets/estimate/calibration.h"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hardnets::estimate {
namespace {

const char* kSmall = R"({
  "git_revisions": ["abc"], "code_sha256": "h1",
  "delta": [{"beta": 2, "delta": 1.02, "runs": 3, "max_residual": 0.001},
            {"beta": 10, "delta": 1.016, "runs": 3, "max_residual": 0.002}],
  "seconds": {"c0": -1.0, "c1": 0.1, "c2": 0.5, "from_beta": 10, "rms_log_residual": 0.2,
              "max_ratio": 1.5, "beta_range": [10, 40], "dimension_range": [100, 200]},
  "lll_seconds": {"a": -10.0, "b": 2.0, "rms_log_residual": 0.1, "max_ratio": 1.2}})";

TEST(Calibration, ParsesTheFitsAndPredictsSecondsByHand) {
  const Calibration c = parse_calibration(kSmall, "h1");
  ASSERT_EQ(c.delta.size(), 2u);
  EXPECT_EQ(c.delta[1].beta, 10);
  EXPECT_DOUBLE_EQ(c.delta[1].delta, 1.016);
  EXPECT_FALSE(c.stale);
  // log t = -1 + 0.1 * 20 + 0.5 log 100 = 1 + 2.302585: t = e^3.302585 = 27.183.
  EXPECT_NEAR(c.seconds.seconds(100, 20), 27.1828, 1e-3);
  // LLL: log t = -10 + 2 log 100 = -0.78966: t = 0.45400.
  EXPECT_NEAR(c.lll_seconds.seconds(100), 0.454, 1e-3);
  EXPECT_TRUE(c.seconds.measured(150, 20));
  EXPECT_FALSE(c.seconds.measured(250, 20));
  EXPECT_FALSE(c.seconds.measured(150, 50));
}

TEST(Calibration, OtherAttackCodeMakesItStale) {
  EXPECT_TRUE(parse_calibration(kSmall, "h2").stale);
}

TEST(Calibration, MalformedFilesNameWhatIsWrong) {
  try {
    parse_calibration(R"({"delta": []})", "h");
    FAIL() << "accepted a file without seconds";
  } catch (const std::invalid_argument& e) {
    EXPECT_CONTAINS(std::string(e.what()), "seconds");
  }
  std::string unordered = kSmall;
  unordered.replace(unordered.find("\"beta\": 10"), 10, "\"beta\": 1 ");
  EXPECT_THROW(parse_calibration(unordered, "h1"), std::invalid_argument);
}

// The shipped file: block sizes increasing from 2, delta non-increasing and
// within the range BKZ reaches (LLL's ~1.022 down to Chen's 1.012 at 50),
// a seconds fit that grows with beta and the dimension.
TEST(Calibration, TheShippedFileIsWellFormed) {
  const Calibration& c = calibration();
  ASSERT_GE(c.delta.size(), 3u);
  EXPECT_EQ(c.delta.front().beta, 2);
  for (std::size_t i = 0; i < c.delta.size(); ++i) {
    EXPECT_GT(c.delta[i].delta, 1.011);
    EXPECT_LT(c.delta[i].delta, 1.025);
    if (i > 0) EXPECT_LE(c.delta[i].delta, c.delta[i - 1].delta);
  }
  EXPECT_GT(c.seconds.c1, 0.0);
  EXPECT_GT(c.seconds.c2, 0.0);
  EXPECT_EQ(c.code_sha256.size(), 64u);
}

}  // namespace
}  // namespace hardnets::estimate
