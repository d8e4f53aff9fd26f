// numerics/adam: hand-worked steps, the first-step sign property, the two
// evaluation forms against each other, and each form against the loop its
// caller ran before it moved here (bit for bit: results by seed depend on it).
#include "hardnets/numerics/adam.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace hardnets {
namespace {

constexpr AdamForm kForms[] = {AdamForm::kFolded, AdamForm::kTextbook};

// First step: m̂_1 = g and v̂_1 = g², so each coordinate moves by exactly
// -lr g / (|g| + ε), i.e. -lr sign(g) up to a relative ε/|g|, whatever the
// gradient's scale.
TEST(Adam, FirstStepMovesEachCoordinateByLrAgainstTheGradientsSign) {
  const std::vector<double> g{3.0, -0.02, 1e3, -7e-4, 1.0};
  const double lr = 0.01, eps = 1e-8;
  for (const AdamForm form : kForms) {
    Adam<double> adam(AdamSettings{0.9, 0.999, eps}, 5, form);
    std::vector<double> p(5, 1.0);
    adam.step(p.data(), g.data(), lr);
    EXPECT_EQ(adam.steps(), 1);
    for (std::size_t i = 0; i < g.size(); ++i) {
      const double sign = g[i] > 0 ? 1.0 : -1.0;
      EXPECT_NEAR(p[i], 1.0 - lr * sign, lr * eps / std::abs(g[i]) + 1e-15) << i;
      EXPECT_NEAR(p[i], 1.0 - lr * g[i] / (std::abs(g[i]) + eps), 1e-15) << i;
    }
  }
}

// Two steps with β1 = 1/2, β2 = 3/4, ε = 0, lr = 1, worked by hand.
//   coordinate 0, g = 2 then 4:
//     t=1: m = ½·2 = 1, v = ¼·4 = 1; m̂ = 1/(1-½) = 2, v̂ = 1/(1-¾) = 4; Δ = -2/2 = -1
//     t=2: m = ½·1 + ½·4 = 5/2, v = ¾·1 + ¼·16 = 19/4;
//          m̂ = (5/2)/(3/4) = 10/3, v̂ = (19/4)/(7/16) = 76/7; Δ = -(10/3)/√(76/7)
//   coordinate 1, g = -1 then 1:
//     t=1: m = -½, v = ¼; m̂ = -1, v̂ = 1; Δ = +1
//     t=2: m = -¼ + ½ = ¼, v = 3/16 + ¼ = 7/16; m̂ = (1/4)/(3/4) = 1/3,
//          v̂ = (7/16)/(7/16) = 1; Δ = -1/3
// The moments are dyadic, hence exact; the parameters within a few ulps.
TEST(Adam, TwoStepsMatchTheHandWorkedValues) {
  for (const AdamForm form : kForms) {
    Adam<double> adam(AdamSettings{0.5, 0.75, 0.0}, 2, form);
    std::vector<double> p{10.0, -3.0};
    const std::vector<double> g1{2.0, -1.0}, g2{4.0, 1.0};
    adam.step(p.data(), g1.data(), 1.0);
    EXPECT_DOUBLE_EQ(p[0], 9.0);
    EXPECT_DOUBLE_EQ(p[1], -2.0);
    adam.step(p.data(), g2.data(), 1.0);
    EXPECT_EQ(adam.first_moment()[0], 2.5);
    EXPECT_EQ(adam.second_moment()[0], 4.75);
    EXPECT_EQ(adam.first_moment()[1], 0.25);
    EXPECT_EQ(adam.second_moment()[1], 0.4375);
    EXPECT_DOUBLE_EQ(p[0], 9.0 - (10.0 / 3.0) / std::sqrt(76.0 / 7.0));
    EXPECT_DOUBLE_EQ(p[1], -2.0 - 1.0 / 3.0);
    EXPECT_EQ(adam.steps(), 2);
  }
}

// A constant gradient keeps m̂ = g and v̂ = g² at every step (the bias
// correction is exact for it), so every step is -lr g/(|g| + ε).
TEST(Adam, ConstantGradientStepsByLrEveryTime) {
  for (const AdamForm form : kForms) {
    Adam<double> adam(AdamSettings{}, 1, form);
    double p = 0.0;
    const double g = -0.3, lr = 0.05;
    for (int t = 1; t <= 50; ++t) {
      adam.step(&p, &g, lr);
      EXPECT_NEAR(p, t * lr * 0.3 / (0.3 + 1e-8), 1e-12 * t) << t;
    }
  }
}

Eigen::VectorXd gaussian(std::mt19937& rng, Eigen::Index n, double scale) {
  std::normal_distribution<double> normal(0.0, scale);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = normal(rng);
  return v;
}

// The forms are one update evaluated in two orders: over 200 steps of random
// gradients (fixed seed) they stay within 1e-12 of each other. Per step they
// differ by a few ulps of the step (≤ lr = 1e-3) and the differences do not
// feed back into the gradients here, so 200 steps accumulate at most ~1e-13.
TEST(Adam, FoldedAndTextbookFormsAgreeToRounding) {
  std::mt19937 rng(7);
  const Eigen::Index n = 37;
  Adam<double> folded(AdamSettings{}, n, AdamForm::kFolded);
  Adam<double> textbook(AdamSettings{}, n, AdamForm::kTextbook);
  Eigen::VectorXd a = gaussian(rng, n, 1.0), b = a;
  for (int t = 0; t < 200; ++t) {
    const Eigen::VectorXd g = gaussian(rng, n, 0.1 + t % 5);
    folded.step(a.data(), g.data(), 1e-3);
    textbook.step(b.data(), g.data(), 1e-3);
  }
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT((a - b).cwiseAbs().maxCoeff(), 0.0) << "the two orders should round differently";
}

// A 1500-parameter Adam (three chunks of 512, most coordinates in SIMD
// packets) against one one-parameter Adam per coordinate (all scalar). They
// agree to rounding but not bit for bit: Eigen's packet sqrt (EIGEN_FAST_MATH,
// on by default) is rsqrt14 refined by Newton steps, one for float and, on
// AVX-512, two for double, while scalar code takes the correctly rounded
// sqrt. The refined sqrt is within a few ulps (float: about 2^-22 relative,
// double: a few 2^-52), so the steps (about lr = 0.01 each) differ by a few
// ulps of 0.01 and five of them stay below the tolerances: 1e-7 for float
// parameters of size ~1 (their ulp is 1.2e-7: one-ulp differences pass),
// 1e-14 for double. This is why sgd's and tensor's results depend on the
// chunk size and buffer alignment, which numerics/adam keeps as they were.
TEST(Adam, SimdAndScalarCoordinatesAgreeToRounding) {
  std::mt19937 rng(11);
  const Eigen::Index n = 1500;
  const AdamSettings settings{0.8, 0.99, 1e-6};
  for (const AdamForm form : kForms) {
    Adam<double> whole(settings, n, form);
    Adam<float> whole_f(settings, n, form);
    std::vector<Adam<double>> single(static_cast<std::size_t>(n), Adam<double>(settings, 1, form));
    std::vector<Adam<float>> single_f(static_cast<std::size_t>(n), Adam<float>(settings, 1, form));
    Eigen::VectorXd a = gaussian(rng, n, 1.0), b = a;
    Eigen::VectorXf af = a.cast<float>(), bf = af;
    for (int t = 0; t < 5; ++t) {
      const Eigen::VectorXd g = gaussian(rng, n, 1.0);
      const Eigen::VectorXf gf = g.cast<float>();
      whole.step(a.data(), g.data(), 0.01);
      whole_f.step(af.data(), gf.data(), 0.01);
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        single[k].step(b.data() + i, g.data() + i, 0.01);
        single_f[k].step(bf.data() + i, gf.data() + i, 0.01);
      }
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      // The moments involve no sqrt: identical on both paths.
      ASSERT_EQ(whole.first_moment()[i], single[k].first_moment()[0]) << i;
      ASSERT_EQ(whole.second_moment()[i], single[k].second_moment()[0]) << i;
    }
    EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-14);
    EXPECT_LT((af - bf).cwiseAbs().maxCoeff(), 1.5e-7f);
  }
}

// kTextbook is tensor's refinement loop as it was written before it moved to
// numerics/adam; the same seed must give the same bits.
TEST(Adam, TextbookFormReproducesTensorsFormerLoopBitForBit) {
  std::mt19937 rng(3);
  const Eigen::Index n = 1029;  // several chunks and a ragged end
  Adam<double> adam(AdamSettings{}, n, AdamForm::kTextbook);
  Eigen::VectorXd theta = gaussian(rng, n, 1.0), reference = theta;
  Eigen::VectorXd m1 = Eigen::VectorXd::Zero(n), m2 = m1;
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 3e-3;
  for (std::int64_t step = 1; step <= 20; ++step) {
    const Eigen::VectorXd gflat = gaussian(rng, n, 0.5);
    adam.step(theta.data(), gflat.data(), lr);
    m1 = beta1 * m1 + (1.0 - beta1) * gflat;
    m2 = beta2 * m2 + (1.0 - beta2) * gflat.cwiseAbs2();
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double c2b = 1.0 - std::pow(beta2, static_cast<double>(step));
    reference.array() -= lr * (m1.array() / c1) / ((m2.array() / c2b).sqrt() + eps);
  }
  for (Eigen::Index i = 0; i < n; ++i) ASSERT_EQ(theta[i], reference[i]) << i;
}

// kFolded is the Adam branch of MlpOptimizer::step as it was written before it
// moved to numerics/adam (float, as sgd trains by default).
TEST(Adam, FoldedFormReproducesSgdsFormerKernelBitForBit) {
  std::mt19937 rng(5);
  const Eigen::Index n = 1029;
  const AdamSettings settings{0.9, 0.99, 1e-7};
  Adam<float> adam(settings, n, AdamForm::kFolded);
  Eigen::VectorXf params = gaussian(rng, n, 1.0).cast<float>(), reference = params;
  Eigen::VectorXf first = Eigen::VectorXf::Zero(n), second = first;
  for (std::int64_t steps = 1; steps <= 20; ++steps) {
    const Eigen::VectorXf gradient = gaussian(rng, n, 0.5).cast<float>();
    const double lr = 1e-3 * (1.0 + 0.1 * static_cast<double>(steps));
    adam.step(params.data(), gradient.data(), lr);
    const double t = static_cast<double>(steps);
    const double correction1 = 1.0 - std::pow(settings.beta1, t);
    const double correction2 = std::sqrt(1.0 - std::pow(settings.beta2, t));
    const float step_size = static_cast<float>(lr * correction2 / correction1);
    const float eps = static_cast<float>(settings.eps * correction2);
    const float b1 = static_cast<float>(settings.beta1), b2 = static_cast<float>(settings.beta2);
    for (Eigen::Index s = 0; s < n; s += 512) {
      const Eigen::Index c = std::min<Eigen::Index>(512, n - s);
      Eigen::Map<const Eigen::ArrayXf> g(gradient.data() + s, c);
      auto m = first.segment(s, c).array();
      auto v = second.segment(s, c).array();
      Eigen::Map<Eigen::ArrayXf> p(reference.data() + s, c);
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * g.square();
      p -= step_size * m / (v.sqrt() + eps);
    }
  }
  for (Eigen::Index i = 0; i < n; ++i) ASSERT_EQ(params[i], reference[i]) << i;
}

}  // namespace
}  // namespace hardnets
