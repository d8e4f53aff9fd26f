// The Li–Zadik–Zampetakis reduction fed by CLWE samples (periodic_neuron and
// clwe_relu with source = reduction), the null label distributions
// (labels = null), the advantage metric and the problems' null hypotheses.
//
// Statistical checks use fixed seeds; each tolerance is stated where it is
// used (5 standard deviations of the estimator, so a correct sampler fails
// with probability below 1e-6 per check).
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <tuple>

#include <gtest/gtest.h>

#include "clwe_test_util.h"
#include "hardnets/nets/periodic.h"
#include "hardnets/problems/problem.h"
#include "test_util.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;
constexpr double kPi = std::numbers::pi;

using hardnets::testing::make;
using hardnets::testing::secret;

double correlation(const Vector& a, const Vector& b) {
  const Vector ca = a.array() - a.mean(), cb = b.array() - b.mean();
  return ca.dot(cb) / std::sqrt(ca.squaredNorm() * cb.squaredNorm());
}

// Pinned from the binary built at a95db94 (before source/labels/beta existed):
// `hardnets gen P --seed 7 --n-train 6 --n-test 3`. The defaults
// (source = network, labels = planted) must keep drawing exactly these.
TEST(ClweReduction, DefaultInstancesAreUnchanged) {
  const std::vector<double> neuron_train = {-0x1.e0e325b4ab475p-2, -0x1.f0b48c258a7c2p-1,
                                            0x1.f6efe1d150aecp-1,  0x1.3a249c228339dp-2,
                                            0x1.ff5cdf927b465p-1,  0x1.f6928940f7d59p-1};
  const std::vector<double> neuron_test = {-0x1.f7b9a593426c5p-1, 0x1.b5fb1282a6a62p-1,
                                           -0x1.849f36925732ap-1};
  const std::vector<double> relu_train = {0x1.52f70a7bfc041p-2, 0x1.f624e497311cdp-2,
                                          0x1.42f6c033e9538p-5, 0x1.84eb76983a7d2p-3,
                                          0x1.0ce328723a192p-8, 0x1.7062010bc64f8p-8};
  const std::vector<double> relu_test = {0x1.e844570f098c2p-2, 0x1.8500e432c1c00p-4,
                                         0x1.86671aa7afc21p-2};
  for (const auto& [problem, train, test] :
       {std::tuple{"periodic_neuron", neuron_train, neuron_test},
        std::tuple{"clwe_relu", relu_train, relu_test}}) {
    const Instance inst = make(problem, {}, 7, {6, 3});
    for (int i = 0; i < 6; ++i) EXPECT_EQ(inst.train.y[i], train[i]) << problem << " " << i;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(inst.test.y[i], test[i]) << problem << " " << i;
    // beta only matters for source = reduction.
    const Instance explicit_defaults =
        make(problem, {"source=network", "labels=planted", "beta=0.3"}, 7, {6, 3});
    EXPECT_EQ(explicit_defaults.train.y, inst.train.y) << problem;
    EXPECT_FALSE(inst.card.contains("tv_bound")) << problem;
  }
}

// The reduction's examples are the clwe problem's samples through the link:
// with σ = 0, y = φ(z) bit for bit (z from clwe with the same seed, d, γ, β),
// and the label noise η is the network instance's (same stream), so the two
// instances differ exactly by φ(γ⟨w,x⟩ + e) − f(x).
TEST(ClweReduction, ExamplesAreClweSamplesThroughTheLink) {
  const Instance clwe = make("clwe", {"d=6", "gamma=3", "beta=0.02"}, 9, {3000, 500});
  const auto e = clwe.truth.at("e").get<std::vector<double>>();
  for (const std::string problem : {"periodic_neuron", "clwe_relu"}) {
    for (const std::string phi : {"tri", "cos"}) {
      const std::vector<std::string> base = {"d=6", "gamma=3", "beta=0.02", "phi=" + phi};
      auto with = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), base.begin(), base.end());
        return make(problem, extra, 9, {3000, 500});
      };
      const Instance clean = with({"source=reduction", "sigma=0"});
      const Instance noisy = with({"source=reduction", "sigma=0.05"});
      const Instance net_clean = with({"sigma=0"});
      const Instance net_noisy = with({"sigma=0.05"});
      const auto link = periodic::parse_link(phi);
      ASSERT_EQ(clean.train.X, clwe.train.X);
      ASSERT_EQ(clean.test.X, clwe.test.X);
      const double L = phi == "tri" ? 1.0 : 2 * kPi;
      const double eps = problem == "clwe_relu" && phi == "cos" ? 1e-3 : 0.0;  // sup_error
      const Vector u = 3.0 * (clean.train.X * secret(clean));
      for (Eigen::Index i = 0; i < clean.train.size(); ++i) {
        ASSERT_EQ(clean.train.y[i], periodic::apply(link, clwe.train.y[i])) << problem << phi;
        ASSERT_NEAR(noisy.train.y[i] - clean.train.y[i],
                    net_noisy.train.y[i] - net_clean.train.y[i], 1e-12);
        if (std::abs(u[i]) <= 3.0 * 3.0) {  // inside the cap |<w,x>| <= R = 3
          const double slack = L * std::abs(e[static_cast<std::size_t>(i)]) + eps + 1e-12;
          ASSERT_LE(std::abs(clean.train.y[i] - net_clean.train.y[i]), slack) << problem << phi;
        }
      }
      for (Eigen::Index i = 0; i < clean.test.size(); ++i) {
        ASSERT_EQ(clean.test.y[i], periodic::apply(link, clwe.test.y[i])) << problem << phi;
      }
      EXPECT_EQ(clean.task, net_clean.task);  // the task does not reveal the source
    }
  }
}

// TV(N(f, σ²), law of φ(u + e) + η) for e ~ N(0, β²), η ~ N(0, σ²), by
// quadrature: e on an 801-point grid over ±8β (normalised Gaussian weights,
// an exact discrete mixture whose E|e| is β√(2/π) to 1e-6), y on a 4001-point
// grid covering every component to ±9σ, TV = ½ Σ |p − q| Δy.
double quadrature_tv(periodic::Link link, double u, double f, double beta, double sigma) {
  constexpr int kE = 801, kY = 4001;
  std::vector<double> weight(kE), centre(kE);
  double total = 0.0, lo = f, hi = f;
  for (int k = 0; k < kE; ++k) {
    const double t = -8.0 + 16.0 * k / (kE - 1);
    weight[static_cast<std::size_t>(k)] = std::exp(-0.5 * t * t);
    total += weight[static_cast<std::size_t>(k)];
    centre[static_cast<std::size_t>(k)] = periodic::apply(link, u + beta * t);
    lo = std::min(lo, centre[static_cast<std::size_t>(k)]);
    hi = std::max(hi, centre[static_cast<std::size_t>(k)]);
  }
  lo -= 9 * sigma;
  hi += 9 * sigma;
  const double dy = (hi - lo) / (kY - 1);
  const double norm = 1.0 / (sigma * std::sqrt(2 * kPi));
  double tv = 0.0;
  for (int j = 0; j < kY; ++j) {
    const double y = lo + dy * j;
    double p = 0.0;
    for (int k = 0; k < kE; ++k) {
      const double r = (y - centre[static_cast<std::size_t>(k)]) / sigma;
      p += weight[static_cast<std::size_t>(k)] * std::exp(-0.5 * r * r);
    }
    p *= norm / total;
    const double r = (y - f) / sigma;
    tv += std::abs(p - norm * std::exp(-0.5 * r * r));
  }
  return 0.5 * tv * dy;
}

// The per-sample bound of the card, Lβ/(πσ) (uncapped, exact link), against
// the measured TV on sampled x over a (β, σ) grid. The quadrature's own
// error is below 1e-6 (checked: TV of identical laws, β = 0, is 0 to 1e-9);
// the bound must hold with that slack, be below 1 (non-vacuous) on part of
// the grid, and the measured TV must grow with β (the quadrature sees e).
TEST(ClweReduction, PerSampleTotalVariationIsWithinTheCardBound) {
  const std::vector<double> betas = {1e-3, 1e-2, 5e-2}, sigmas = {0.01, 0.05, 0.2};
  int non_vacuous = 0;
  for (const std::string phi : {"tri", "cos"}) {
    const auto link = periodic::parse_link(phi);
    for (const double sigma : sigmas) {
      double previous = 0.0;
      for (const double beta : betas) {
        const Instance inst =
            make("periodic_neuron",
                 {"d=4", "gamma=2", "phi=" + phi, "source=reduction",
                  "beta=" + std::to_string(beta), "sigma=" + std::to_string(sigma)},
                 3, {4, 0});
        const double bound = inst.card.at("tv_bound").at("per_sample").get<double>();
        const double L = phi == "tri" ? 1.0 : 2 * kPi;
        EXPECT_NEAR(bound, std::min(1.0, L * beta / (kPi * sigma)), 1e-12);
        non_vacuous += bound < 0.5;
        const Vector u = 2.0 * (inst.train.X * secret(inst));
        double worst = 0.0;
        for (Eigen::Index i = 0; i < u.size(); ++i) {
          const double tv = quadrature_tv(link, u[i], periodic::apply(link, u[i]), beta, sigma);
          EXPECT_LE(tv, bound + 1e-6) << phi << " beta " << beta << " sigma " << sigma;
          worst = std::max(worst, tv);
        }
        EXPECT_GT(worst, previous) << phi << " beta " << beta << " sigma " << sigma;
        std::cout << "[tv] " << phi << " beta=" << beta << " sigma=" << sigma
                  << " measured_max=" << worst << " bound=" << bound << "\n";
        previous = worst;
      }
    }
    EXPECT_LT(quadrature_tv(link, 0.3, periodic::apply(link, 0.3), 0.0, 0.05), 1e-9);
  }
  EXPECT_GE(non_vacuous, 6);  // e.g. beta = 1e-3 at every sigma, for both links
}

// Hand-worked card bound for clwe_relu (tri, R = 3, m = 100):
// p_R = erfc(3/√2) = 2.6998e-3, Lβ/(πσ) = 1e-3/(0.01π) = 3.1831e-2, so
// per_sample = 3.4531e-2, linear = min(1, 3.4531) = 1 and
// pinsker = 100·p_R + √(100/4)·(β/σ) = 0.26998 + 0.5 = 0.76998.
TEST(ClweReduction, CardBoundMatchesHandWorkedValues) {
  const Instance inst = make("clwe_relu", {"source=reduction"}, 1, {100, 10});
  const Json& tv = inst.card.at("tv_bound");
  const double tail = std::erfc(3.0 / std::sqrt(2.0));
  EXPECT_NEAR(tail, 2.6998e-3, 1e-7);
  EXPECT_NEAR(tv.at("per_sample").get<double>(), tail + 1e-3 / (0.01 * kPi), 1e-12);
  EXPECT_NEAR(tv.at("per_sample").get<double>(), 3.4531e-2, 1e-6);
  EXPECT_EQ(tv.at("linear").get<double>(), 1.0);
  EXPECT_NEAR(tv.at("pinsker").get<double>(), 0.76998, 1e-5);
  EXPECT_NEAR(tv.at("bound").get<double>(), 0.76998, 1e-5);
  EXPECT_EQ(tv.at("m").get<int>(), 100);
  // periodic_neuron: no cap, no tail term; σ = 0 makes the bound vacuous.
  const Instance neuron = make("periodic_neuron", {"source=reduction", "sigma=0"}, 1, {100, 0});
  EXPECT_EQ(neuron.card.at("tv_bound").at("bound").get<double>(), 1.0);
  const Instance exact =
      make("periodic_neuron", {"source=reduction", "sigma=0", "beta=0"}, 1, {100, 0});
  EXPECT_EQ(exact.card.at("tv_bound").at("bound").get<double>(), 0.0);
}

// labels = null: y = φ(u) + η with u uniform, independent of x. The
// correlation of y with the planted target φ(γ⟨w,x⟩) has standard deviation
// 1/√n = 0.0071 at n = 2e4 under independence; tolerance 0.035 (5 sd). The
// planted labels (σ = 0.01) correlate above 0.9, so the check can fail.
TEST(ClweReduction, NullLabelsAreIndependentOfTheSecret) {
  for (const std::string problem : {"periodic_neuron", "clwe_relu"}) {
    for (const std::string phi : {"tri", "cos"}) {
      const std::vector<std::string> base = {"d=5", "gamma=2", "phi=" + phi};
      auto with = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), base.begin(), base.end());
        return make(problem, extra, 4, {20000, 2000});
      };
      const Instance planted = with({"source=reduction"});
      const Instance null_red = with({"source=reduction", "labels=null"});
      const Instance null_net = with({"labels=null"});
      const auto link = periodic::parse_link(phi);
      const Vector target = (2.0 * (planted.train.X * secret(planted))).unaryExpr([link](double v) {
        return periodic::apply(link, v);
      });
      EXPECT_GT(correlation(planted.train.y, target), 0.9) << problem << phi;
      EXPECT_NEAR(correlation(null_red.train.y, target), 0.0, 0.035) << problem << phi;
      // Same inputs, same label marginal: mean of φ(U) is 1/4 (tri) or 0 (cos);
      // sd of the mean ≤ 0.71/√n = 0.005, tolerance 0.025.
      EXPECT_EQ(null_red.train.X, planted.train.X);
      EXPECT_NEAR(null_red.train.y.mean(), phi == "tri" ? 0.25 : 0.0, 0.025) << problem << phi;
      // Both sources give the same null (the null-CLWE phases).
      EXPECT_EQ(null_red.train.y, null_net.train.y) << problem << phi;
      EXPECT_EQ(null_red.test.y, null_net.test.y) << problem << phi;
      EXPECT_EQ(null_red.task, planted.task);
    }
  }
}

TEST(ClweReduction, NullHypothesesAndAdvantage) {
  for (const std::string problem : {"periodic_neuron", "clwe_relu"}) {
    const auto null = problem_registry().get(problem).null_hypothesis();
    ASSERT_TRUE(null.has_value());
    EXPECT_EQ(null->param, "labels");
    EXPECT_EQ(null->value, "null");
    EXPECT_EQ(null->statistic, "advantage");
    EXPECT_FALSE(null->smaller_is_planted);
    // The null value is a real parameter value.
    (void)make(problem, {null->param + "=" + null->value}, 1, {5, 5});
  }
  const auto clwe_null = problem_registry().get("clwe").null_hypothesis();
  ASSERT_TRUE(clwe_null.has_value());
  EXPECT_EQ(clwe_null->param, "variant");
  EXPECT_EQ(clwe_null->value, "null");
  EXPECT_EQ(clwe_null->statistic, "advantage");

  // clwe: the Fourier advantage of the true direction is e^{-2π²β²}; on the
  // null 0. Cosines are bounded by 1: sd ≤ 1/√n_test = 0.01; tolerance 0.05.
  for (const std::string variant : {"standard", "null"}) {
    const Instance inst =
        make("clwe", {"d=4", "gamma=2", "beta=0.1", "variant=" + variant}, 5, {10, 10000});
    const Vector w = secret(inst);
    Fit fit;
    fit.output["w"] = std::vector<double>(w.data(), w.data() + w.size());
    const Metrics m = problem_registry().get("clwe").judge(inst, fit);
    EXPECT_NEAR(m.at("advantage"), variant == "null" ? 0.0 : std::exp(-2 * kPi * kPi * 0.01), 0.05)
        << variant;
    EXPECT_EQ(problem_registry().get("clwe").judge(inst, Fit{}).at("advantage"), 0.0);
  }
  // Label problems: advantage = 1 - nmse; without a predictor 0.
  const Instance inst = make("periodic_neuron", {"d=3"}, 2, {10, 50});
  const Metrics none = problem_registry().get("periodic_neuron").judge(inst, Fit{});
  EXPECT_EQ(none.at("advantage"), 0.0);
}

TEST(ClweReduction, BadInputIsAClearError) {
  const Problem& p = problem_registry().get("periodic_neuron");
  EXPECT_CONTAINS(
      user_error([&] { (void)p.spec().resolve(std::vector<std::string>{"source=lattice"}); }),
      "source");
  EXPECT_CONTAINS(
      user_error([&] { (void)p.spec().resolve(std::vector<std::string>{"beta=-0.1"}); }), "beta");
  EXPECT_CONTAINS(user_error([&] {
                    (void)problem_registry()
                        .get("clwe_relu")
                        .spec()
                        .resolve(std::vector<std::string>{"labels=uniform"});
                  }),
                  "labels");
  EXPECT_CONTAINS(user_error([&] { (void)p.spec().resolve(std::vector<std::string>{"beta=2"}); }),
                  "beta");
}

}  // namespace
}  // namespace hardnets
