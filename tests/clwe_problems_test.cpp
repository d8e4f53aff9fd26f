// Certificate and sampler-statistics tests for the Li–Zadik–Zampetakis 2025
// problems: clwe (standard, null, homogeneous, multiprecision), periodic_neuron,
// clwe_relu.
//
// Statistical tests use fixed seeds; each tolerance is a multiple (5 or 6) of
// the estimator's standard deviation at the stated sample size, so a correct
// sampler fails with probability below 1e-6 per check, and the named defects
// (wrong noise scale, missing mod 1, wrong pancake width, non-Gaussian
// orthogonal part) move the statistic by many standard deviations.
#include "hardnets/problems/clwe.h"

#include <gmpxx.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "clwe_test_util.h"
#include "hardnets/nets/periodic.h"
#include "test_util.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;
constexpr double kPi = std::numbers::pi;

using hardnets::testing::make;
using hardnets::testing::secret;

// A unit vector orthogonal to w (Gram–Schmidt on e_1 or e_2).
Vector orthogonal_unit(const Vector& w) {
  Vector v = Vector::Unit(w.size(), std::abs(w[0]) < 0.9 ? 0 : 1);
  v -= v.dot(w) * w;
  return v.normalized();
}

double mean(const Vector& v) {
  return v.mean();
}
double variance(const Vector& v) {
  return (v.array() - v.mean()).square().mean();
}

TEST(ClweProblem, LiftsReproduceTheProjectionExactly) {
  const Instance inst = make("clwe", {"d=6", "gamma=3", "beta=0.05"}, 3, {2000, 10});
  const Vector w = secret(inst);
  EXPECT_NEAR(w.norm(), 1.0, 1e-15);
  const auto k = inst.truth.at("k").get<std::vector<std::int64_t>>();
  const auto e = inst.truth.at("e").get<std::vector<double>>();
  const Vector proj = 3.0 * (inst.train.X * w);
  for (Eigen::Index i = 0; i < inst.train.size(); ++i) {
    ASSERT_GE(inst.train.y[i], 0.0);
    ASSERT_LT(inst.train.y[i], 1.0);
    // γ⟨w,x⟩ = z + k - e up to the rounding of u (|u| < 30 here).
    EXPECT_NEAR(proj[i],
                inst.train.y[i] + static_cast<double>(k[static_cast<std::size_t>(i)]) -
                    e[static_cast<std::size_t>(i)],
                1e-13);
  }
  // The noise has standard deviation β: 2000 draws estimate it to ±1.6%, tolerance 8%.
  const Vector ev = Eigen::Map<const Vector>(e.data(), static_cast<Eigen::Index>(e.size()));
  EXPECT_NEAR(std::sqrt(variance(ev)), 0.05, 0.004);
}

// z is uniform on [0,1) for γ ≳ 1 (bias e^{-2π²γ²}). Kolmogorov–Smirnov
// against U[0,1): the 1e-6 critical value is about 2.7/√n.
TEST(ClweProblem, MarginalOfZIsUniform) {
  const Instance inst = make("clwe", {"d=8", "gamma=4", "beta=0.01"}, 5, {100000, 0});
  std::vector<double> z(inst.train.y.data(), inst.train.y.data() + inst.train.size());
  std::sort(z.begin(), z.end());
  const double n = static_cast<double>(z.size());
  double ks = 0.0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    ks = std::max({ks, std::abs(z[i] - static_cast<double>(i) / n),
                   std::abs(z[i] - static_cast<double>(i + 1) / n)});
  }
  EXPECT_LT(ks, 2.7 / std::sqrt(n));
}

// The Fourier coefficient along the secret: E cos 2π(z - γ⟨w,x⟩) = e^{-2π²β²}
// for CLWE and 0 for null samples. Each cosine is bounded by 1, so the
// estimator's standard deviation is at most 1/√n = 0.0032; tolerance 0.016.
TEST(ClweProblem, FourierCoefficientAlongTheSecret) {
  for (const double beta : {0.0, 0.1, 0.2, 0.35}) {
    const Instance inst =
        make("clwe", {"d=5", "gamma=2.5", "beta=" + std::to_string(beta)}, 11, {100000, 0});
    const Vector proj = 2.5 * (inst.train.X * secret(inst));
    double c = 0.0;
    for (Eigen::Index i = 0; i < proj.size(); ++i)
      c += std::cos(2 * kPi * (inst.train.y[i] - proj[i]));
    c /= static_cast<double>(proj.size());
    EXPECT_NEAR(c, std::exp(-2 * kPi * kPi * beta * beta), 0.016) << "beta " << beta;
  }
  const Instance null =
      make("clwe", {"d=5", "gamma=2.5", "beta=0.1", "variant=null"}, 11, {100000, 0});
  const Vector proj = 2.5 * (null.train.X * secret(null));
  double c = 0.0;
  for (Eigen::Index i = 0; i < proj.size(); ++i)
    c += std::cos(2 * kPi * (null.train.y[i] - proj[i]));
  EXPECT_NEAR(c / 100000.0, 0.0, 0.016);
  // Null samples keep the inputs of the standard variant.
  const Instance standard = make("clwe", {"d=5", "gamma=2.5", "beta=0.1"}, 11, {100000, 0});
  EXPECT_EQ(null.train.X, standard.train.X);
  EXPECT_EQ(null.task.at("variant"), "clwe");  // the task does not reveal the null
}

// x is N(0, I_d): check the marginal along w and along a unit vector
// orthogonal to it (mean ± 6/√n, variance ± 6√(2/n)).
TEST(ClweProblem, InputsAreStandardGaussianAlongAndAcrossTheSecret) {
  for (const std::string variant : {"standard", "homogeneous"}) {
    const Instance inst =
        make("clwe", {"d=6", "gamma=3", "beta=0.05", "variant=" + variant}, 2, {50000, 0});
    const Vector w = secret(inst);
    const Vector across = inst.train.X * orthogonal_unit(w);
    const Vector along = inst.train.X * w;
    const double n = 50000.0;
    EXPECT_NEAR(mean(across), 0.0, 6 / std::sqrt(n)) << variant;
    EXPECT_NEAR(variance(across), 1.0, 6 * std::sqrt(2 / n)) << variant;
    EXPECT_NEAR(mean(along), 0.0, 6 / std::sqrt(n)) << variant;
    EXPECT_NEAR(variance(along), 1.0, 6 * std::sqrt(2 / n)) << variant;
    // Fourth moment of the orthogonal part: 3 for a Gaussian (std of the estimate √96/√n).
    EXPECT_NEAR((across.array() - mean(across)).pow(4).mean(), 3.0, 6 * std::sqrt(96 / n))
        << variant;
  }
}

// hCLWE pancakes: γ⟨w,x⟩ sits within ≈β of an integer, i.e. the layers are
// spaced ≈1/γ along w with thickness ≈β/γ. The residual γ⟨w,x⟩ - k = -e has
// standard deviation γβ/√(γ²+β²) (plus a tiny k-dependent shift).
TEST(ClweProblem, HomogeneousPancakesHaveTheStatedSpacingAndWidth) {
  const double gamma = 3.0, beta = 0.05;
  const Instance inst =
      make("clwe", {"d=4", "gamma=3", "beta=0.05", "variant=homogeneous"}, 8, {50000, 0});
  const Vector u = gamma * (inst.train.X * secret(inst));
  const auto k = inst.truth.at("k").get<std::vector<std::int64_t>>();
  Vector residual(u.size());
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    residual[i] = u[i] - static_cast<double>(k[static_cast<std::size_t>(i)]);
    EXPECT_EQ(inst.train.y[i], 0.0);
  }
  const double expected = gamma * beta / std::sqrt(gamma * gamma + beta * beta);
  // Std estimate from 5e4 draws: relative error 1/√(2n) = 0.3%; tolerance 2%.
  EXPECT_NEAR(std::sqrt(variance(residual)), expected, 0.02 * expected);
  // Pancakes are spaced 1/γ apart: nearest layer of ⟨w,x⟩ is round(u)/γ, and
  // the nearest integer to u is k (β ≪ 1/2) for all but a negligible fraction.
  int mismatched = 0;
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    mismatched += std::llround(u[i]) != k[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(mismatched, 0);  // P(|e| > 1/2) = P(|g| > 10) ≈ 1e-23 per sample
  EXPECT_NEAR(inst.card.at("pancake_spacing").get<double>(), 1.0 / gamma, 1e-3);
}

// Multiprecision z: the decimal strings agree with the binary64 z, and with a
// higher-precision run of the same instance to the lower run's precision.
TEST(ClweProblem, MultiprecisionSamplesAreConsistentAcrossPrecisions) {
  const Instance low = make("clwe", {"d=6", "gamma=3", "beta=1e-40", "precision=200"}, 4, {20, 0});
  const Instance high = make("clwe", {"d=6", "gamma=3", "beta=1e-40", "precision=400"}, 4, {20, 0});
  const auto zl = low.task.at("z_mp").get<std::vector<std::string>>();
  const auto zh = high.task.at("z_mp").get<std::vector<std::string>>();
  ASSERT_EQ(zl.size(), 20u);
  mpfr_t a, b, diff;
  mpfr_inits2(400, a, b, diff, static_cast<mpfr_ptr>(nullptr));
  for (std::size_t i = 0; i < zl.size(); ++i) {
    ASSERT_EQ(mpfr_set_str(a, zl[i].c_str(), 10, MPFR_RNDN), 0) << zl[i];
    ASSERT_EQ(mpfr_set_str(b, zh[i].c_str(), 10, MPFR_RNDN), 0) << zh[i];
    EXPECT_EQ(mpfr_get_d(a, MPFR_RNDN), low.train.y[static_cast<Eigen::Index>(i)]);
    mpfr_sub(diff, a, b, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    // 200 bits ≈ 1.6e-60 relative; allow accumulated rounding in the d-term dot product.
    EXPECT_LT(mpfr_get_d(diff, MPFR_RNDN), 1e-57) << i;
    // A binary64 run differs by about 1e-16: the noise floor the MPFR mode removes.
  }
  mpfr_clears(a, b, diff, static_cast<mpfr_ptr>(nullptr));
  EXPECT_EQ(low.train.X, high.train.X);
  const Instance plain = make("clwe", {"d=6", "gamma=3", "beta=1e-40"}, 4, {20, 0});
  EXPECT_FALSE(plain.task.contains("z_mp"));
  EXPECT_LT((plain.train.y - low.train.y).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(ClweProblem, InstancesDoNotDependOnThreadsAndShareTheSecretAcrossProblems) {
  const Instance one = make("clwe", {"d=7", "beta=0.01"}, 21, {3000, 500}, 1);
  const Instance two = make("clwe", {"d=7", "beta=0.01"}, 21, {3000, 500}, 2);
  EXPECT_EQ(one.train.X, two.train.X);
  EXPECT_EQ(one.train.y, two.train.y);
  EXPECT_EQ(one.test.y, two.test.y);
  const Instance neuron = make("periodic_neuron", {"d=7"}, 21, {3000, 0});
  const Instance relu = make("clwe_relu", {"d=7"}, 21, {3000, 0});
  EXPECT_EQ(secret(one), secret(neuron));
  EXPECT_EQ(secret(one), secret(relu));
  EXPECT_EQ(one.train.X, relu.train.X);
}

TEST(PeriodicNeuron, LabelsAreTheLinkPlusNoiseOfTheStatedSize) {
  for (const std::string phi : {"cos", "tri"}) {
    const Instance clean =
        make("periodic_neuron", {"d=5", "gamma=2", "sigma=0", "phi=" + phi}, 6, {20000, 0});
    const Instance noisy =
        make("periodic_neuron", {"d=5", "gamma=2", "sigma=0.1", "phi=" + phi}, 6, {20000, 0});
    const Vector u = 2.0 * (clean.train.X * secret(clean));
    const auto link = periodic::parse_link(phi);
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      ASSERT_NEAR(clean.train.y[i], periodic::apply(link, u[i]), 1e-15);
    }
    // Noise std estimate: relative error 0.5% at n = 2e4; tolerance 3%.
    EXPECT_NEAR(std::sqrt(variance(noisy.train.y - clean.train.y)), 0.1, 0.003) << phi;
  }
}

// The certificate of the hard network: the one-hidden-layer ReLU network
// equals tri(clip(γ⟨w,x⟩, -γR, γR)) to 1e-12, with the stated width.
TEST(ClweRelu, NetworkEqualsTheCappedTriangleWave) {
  struct Case {
    double gamma, R;
    int width;  // 4γR + 1 when γR ∈ ½Z, else 2 + #(½Z ∩ (-γR, γR))
  };
  const std::vector<Case> cases = {
      {8, 3, 97}, {2, 1.25, 11}, {1.3, 2.1, 13}, {0.3, 1.0, 3}, {16, 3.5, 225}};
  for (const Case& c : cases) {
    const std::string tag = "gamma=" + std::to_string(c.gamma) + " R=" + std::to_string(c.R);
    const Instance inst =
        make("clwe_relu",
             {"d=6", "sigma=0", "gamma=" + std::to_string(c.gamma), "R=" + std::to_string(c.R)}, 13,
             {5000, 0});
    const ReluNet net = ReluNet::from_json(inst.truth.at("network"));
    EXPECT_EQ(net.sizes()[1], c.width) << tag;
    EXPECT_EQ(inst.card.at("width").get<int>(), c.width) << tag;
    const Vector u = c.gamma * (inst.train.X * secret(inst));
    // Inputs scaled by 3 reach far beyond the cap too.
    const Matrix wide = 3.0 * inst.train.X;
    const Vector u_wide = 3.0 * u;
    const Vector f_wide = net.forward(wide);
    const double T = c.gamma * c.R;
    double worst = 0.0, worst_wide = 0.0;
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      worst = std::max(worst, std::abs(inst.train.y[i] - periodic::tri(std::clamp(u[i], -T, T))));
      worst_wide =
          std::max(worst_wide, std::abs(f_wide[i] - periodic::tri(std::clamp(u_wide[i], -T, T))));
    }
    // Floating point: 1e-12 up to γR = 24 (the scale, width 97). The
    // output layer adds ~4γR terms of size up to 2(|u| + γR) that cancel, so
    // the rounding error grows like width · (|u| + γR) · 2^-52; the wide
    // inputs and the γR = 56 case are held to 4 times that bound.
    const double bound = c.width * 2.0 * (u.cwiseAbs().maxCoeff() + T) * 0x1p-52;
    EXPECT_LT(worst, T <= 24 ? 1e-12 : std::max(1e-12, 4 * bound)) << tag;
    const double bound_wide = c.width * 2.0 * (u_wide.cwiseAbs().maxCoeff() + T) * 0x1p-52;
    EXPECT_LT(worst_wide, 4 * bound_wide) << tag;

    // Exactly, in rational arithmetic: every hidden unit has weight vector γw
    // (bit for bit), and the network's piecewise-linear function of u equals
    // tri(clip(u, -T, T)) at every knot and beyond both ends. Two piecewise-
    // linear functions with the same breakpoints that agree there and have
    // the same (zero) slope outside are equal everywhere.
    const auto& hidden = net.layers()[0];
    const auto& out = net.layers()[1];
    const Vector w = secret(inst);
    for (Eigen::Index j = 0; j < hidden.W.rows(); ++j) {
      ASSERT_EQ(Vector(hidden.W.row(j).transpose()), Vector(c.gamma * w)) << tag;
    }
    auto exact_net = [&](const mpq_class& v) {
      mpq_class value(out.b[0]);
      for (Eigen::Index j = 0; j < hidden.W.rows(); ++j) {
        const mpq_class pre = v + mpq_class(hidden.b[j]);
        if (pre > 0) value += mpq_class(out.W(0, j)) * pre;
      }
      return value;
    };
    auto exact_tri = [&](mpq_class v) {
      const mpq_class cap(T);
      if (v > cap) v = cap;
      if (v < -cap) v = -cap;
      mpq_class shifted = v + mpq_class(1, 2);
      mpz_class nearest;
      mpz_fdiv_q(nearest.get_mpz_t(), shifted.get_num_mpz_t(), shifted.get_den_mpz_t());
      mpq_class r = v - mpq_class(nearest);
      return r < 0 ? mpq_class(-r) : r;
    };
    std::vector<mpq_class> points = {mpq_class(-T) - 1, mpq_class(T) + 1, mpq_class(T) + 1000};
    for (Eigen::Index j = 0; j < hidden.W.rows(); ++j) points.push_back(mpq_class(-hidden.b[j]));
    for (const mpq_class& v : points) EXPECT_EQ(exact_net(v), exact_tri(v)) << tag << " at " << v;
  }
}

// The cap changes the target on |⟨w,x⟩| > R, mass 2Φ̄(R); binomial std of the
// empirical fraction at n = 2e5 is ≤ 1.2e-4; tolerance 6 std.
TEST(ClweRelu, CapTailMassMatchesTheGaussianTail) {
  const Instance inst = make("clwe_relu", {"d=4", "gamma=2", "R=2.5", "sigma=0"}, 17, {200000, 0});
  const Vector along = inst.train.X * secret(inst);
  const double outside = (along.array().abs() > 2.5).cast<double>().mean();
  const double mass = inst.card.at("tail_mass").get<double>();
  EXPECT_NEAR(mass, std::erfc(2.5 / std::sqrt(2.0)), 1e-15);
  EXPECT_NEAR(outside, mass, 6 * std::sqrt(mass / 200000.0));
  // For γ = 2, γ⟨w,x⟩ mod 1 is uniform up to e^{-8π²}, so f is a mixture:
  // with probability 1 - p the triangle wave of a uniform phase (mean 1/4,
  // variance 1/48), with probability p the constant tri(γR) = tri(5) = 0.
  // Std of the variance estimate at n = 2e5 is ≈ 4e-5; tolerance 2e-4.
  const double p = mass, v = periodic::tri(5.0);
  EXPECT_NEAR(variance(inst.train.y), (1 - p) / 48.0 + p * (1 - p) * (0.25 - v) * (0.25 - v), 2e-4);
}

TEST(ClweRelu, InterpolatedCosineMeetsItsStatedSupError) {
  for (const double eps : {1e-2, 1e-3}) {
    const Instance inst =
        make("clwe_relu",
             {"d=3", "gamma=2", "R=2", "sigma=0", "phi=cos", "sup_error=" + std::to_string(eps)}, 5,
             {20000, 0});
    EXPECT_LE(inst.card.at("sup_error").get<double>(), eps);
    const Vector u = 2.0 * (inst.train.X * secret(inst));
    double worst = 0.0;
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      worst = std::max(
          worst, std::abs(inst.train.y[i] - periodic::capped(periodic::Link::kCos, u[i], 4.0)));
    }
    EXPECT_LE(worst, eps + 1e-12);
    EXPECT_GT(worst, eps / 20);  // the interpolation is not accidentally exact
  }
}

TEST(ClweJudge, CosineIsSignedOnlyWhereTheSignIsDetermined) {
  Instance inst = make("clwe", {"d=3"}, 1, {10, 0});
  const Vector w = secret(inst);
  Fit fit;
  fit.output["w"] = std::vector<double>{-2 * w[0], -2 * w[1], -2 * w[2]};
  fit.output["found"] = true;
  Metrics m = problem_registry().get("clwe").judge(inst, fit);
  EXPECT_NEAR(m["cosine"], -1.0, 1e-12);
  EXPECT_EQ(m["success"], 0.0);
  EXPECT_EQ(m["found"], 1.0);
  Instance pancakes = make("clwe", {"d=3", "variant=homogeneous"}, 1, {10, 0});
  const Vector wp = secret(pancakes);
  fit.output["w"] = std::vector<double>{-wp[0], -wp[1], -wp[2]};
  m = problem_registry().get("clwe").judge(pancakes, fit);
  EXPECT_NEAR(m["cosine"], 1.0, 1e-12);
  EXPECT_EQ(m["success"], 1.0);
  fit.output = Json::object();
  m = problem_registry().get("clwe").judge(inst, fit);
  EXPECT_EQ(m["success"], 0.0);
  EXPECT_EQ(m["found"], 0.0);
}

TEST(ClweProblem, BadParametersAreClearErrors) {
  const Problem& clwe = problem_registry().get("clwe");
  EXPECT_NE(user_error([&] {
              (void)clwe.spec().resolve(std::vector<std::string>{"gamma=0"});
            }).find("gamma"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              (void)clwe.spec().resolve(std::vector<std::string>{"gamma=-1"});
            }).find("gamma"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              (void)clwe.spec().resolve(std::vector<std::string>{"beta=-0.1"});
            }).find("beta"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              (void)make("clwe", {"variant=homogeneous", "precision=200"}, 1, {5, 0});
            }).find("variant = standard"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              (void)make("clwe_relu", {"gamma=1000", "R=1000"}, 1, {5, 0});
            }).find("max_width"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              (void)make("clwe", {}, 1, {0, 0});
            }).find("--n-train"),
            std::string::npos);
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// End to end: a pure recovery attack (no predictor, only a recovered
// direction) is judged and stored with cosine and success.
TEST(ClweCli, RecoveryAttacksAreJudgedWithoutAPredictor) {
  const auto r = testing::run_cli(
      "run clwe lll_primal -p d=8 -p beta=1e-3 --n-train 32 --n-test 0 --seed 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json record = Json::parse(r.output);
  EXPECT_EQ(record.at("metrics").at("success"), 1.0) << r.output;
  EXPECT_GT(record.at("metrics").at("cosine").get<double>(), 0.99) << r.output;
  EXPECT_EQ(record.at("card").at("convention").get<std::string>().rfind("standard-normal", 0), 0u);
}

}  // namespace
}  // namespace hardnets
