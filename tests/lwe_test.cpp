// Problem `lwe`: the certificate (b - A s = e exactly, e's law), the secret
// kinds, the uniform null, determinism, the judge, bad input, and the
// estimator reading its parameters.
#include "hardnets/problems/lwe.h"

#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "clwe_test_util.h"
#include "hardnets/lab/estimate.h"
#include "test_util.h"

namespace hardnets {
namespace {

using testing::make;
using testing::user_error;

std::vector<std::int64_t> ints(const Json& j) {
  return j.get<std::vector<std::int64_t>>();
}

// Residuals b - <a, s> mod q, centred.
std::vector<std::int64_t> residuals(const Instance& inst, const Dataset& d) {
  const std::int64_t q = inst.params.integer("q");
  const auto s = ints(inst.truth["secret"]);
  std::vector<std::int64_t> r;
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) {
    std::int64_t dot = 0;
    for (Eigen::Index j = 0; j < d.X.cols(); ++j) {
      dot = (dot + static_cast<std::int64_t>(d.X(i, j)) * (s[static_cast<std::size_t>(j)] % q)) % q;
    }
    r.push_back(centred_mod(static_cast<std::int64_t>(d.y[i]) - dot, q));
  }
  return r;
}

TEST(Lwe, CertificateResidualsAreTheErrorsAndTheirLawIsTheDiscreteGaussian) {
  const Instance inst = make("lwe", {"n=16", "q=3329", "sigma_e=3.2"}, 7, {5000, 1000});
  EXPECT_EQ(residuals(inst, inst.train), ints(inst.truth["train_errors"]));
  EXPECT_EQ(residuals(inst, inst.test), ints(inst.truth["test_errors"]));
  for (Eigen::Index i = 0; i < inst.train.y.size(); ++i) {
    ASSERT_GE(inst.train.y[i], 0);
    ASSERT_LT(inst.train.y[i], 3329);
    ASSERT_EQ(inst.train.y[i], std::floor(inst.train.y[i]));
  }
  // 5000 errors of a discrete Gaussian of width 3.2 (variance 10.24 to 1e-6
  // at this width): the sample mean has standard error 0.045 and the sample
  // variance 10.24 sqrt(2/5000) = 0.20; 5 standard errors each.
  const auto e = ints(inst.truth["train_errors"]);
  double mean = 0, var = 0;
  for (auto v : e) mean += static_cast<double>(v);
  mean /= static_cast<double>(e.size());
  for (auto v : e) var += (v - mean) * (v - mean);
  var /= static_cast<double>(e.size() - 1);
  EXPECT_NEAR(mean, 0.0, 5 * 0.045);
  EXPECT_NEAR(var, 10.24, 5 * 0.20);
}

TEST(Lwe, SecretKindsHaveTheirSupport) {
  const auto ternary = ints(make("lwe", {"n=200", "secret=ternary"}, 1, {5, 5}).truth["secret"]);
  EXPECT_EQ(std::set<std::int64_t>(ternary.begin(), ternary.end()),
            (std::set<std::int64_t>{-1, 0, 1}));
  const auto uniform =
      ints(make("lwe", {"n=200", "q=17", "secret=uniform"}, 1, {5, 5}).truth["secret"]);
  for (auto v : uniform) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 17);
  }
  EXPECT_GT(std::set<std::int64_t>(uniform.begin(), uniform.end()).size(), 10u);
  // Noiseless: the residuals are all zero.
  const Instance clean = make("lwe", {"n=8", "sigma_e=0"}, 3, {200, 10});
  for (auto r : residuals(clean, clean.train)) ASSERT_EQ(r, 0);
}

TEST(Lwe, TheNullIsUniformAndIndependentOfA) {
  // 10 bins of Z_3329 over 5000 labels: chi-square with 9 degrees of freedom
  // exceeds 27.88 with probability 0.001. The residuals of the planted secret
  // are then spread over Z_q: fewer than 2% within 2 sigma_e (chance (4 sigma
  // + 1)/q = 0.15%).
  const Instance inst = make("lwe", {"n=16", "labels=uniform"}, 5, {5000, 10});
  std::vector<double> bins(10, 0.0);
  for (Eigen::Index i = 0; i < inst.train.y.size(); ++i) {
    bins[static_cast<std::size_t>(inst.train.y[i] * 10 / 3329)] += 1;
  }
  double chi2 = 0;
  for (double c : bins) chi2 += (c - 500) * (c - 500) / 500;
  EXPECT_LT(chi2, 27.88);
  int close = 0;
  for (auto r : residuals(inst, inst.train)) close += std::abs(r) <= 2;
  EXPECT_LT(close, 100);
}

TEST(Lwe, DeterministicBySeed) {
  const Instance a = make("lwe", {"n=8"}, 11, {50, 20});
  const Instance b = make("lwe", {"n=8"}, 11, {50, 20}, 4);
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.train.y, b.train.y);
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_NE(make("lwe", {"n=8"}, 12, {50, 20}).train.y, a.train.y);
}

class TruePredictor : public Predictor {
 public:
  TruePredictor(std::vector<std::int64_t> s, std::int64_t q) : s_(std::move(s)), q_(q) {}
  Vector predict(const Matrix& X) const override {
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      std::int64_t dot = 0;
      for (Eigen::Index j = 0; j < X.cols(); ++j) {
        dot = (dot + static_cast<std::int64_t>(X(i, j)) * s_[static_cast<std::size_t>(j)]) % q_;
      }
      out[i] = static_cast<double>((dot + q_) % q_);
    }
    return out;
  }
  Json to_json() const override { return Json{{"type", "test"}}; }

 private:
  std::vector<std::int64_t> s_;
  std::int64_t q_;
};

TEST(Lwe, JudgeScoresTheSecretAndTheResidualAdvantage) {
  const Instance inst = make("lwe", {"n=16", "sigma_e=2"}, 2, {100, 4000});
  const Problem& p = problem_registry().get("lwe");
  Fit fit;
  fit.output["secret"] = inst.truth["secret"];
  fit.predictor = std::make_shared<TruePredictor>(ints(inst.truth["secret"]), 3329);
  const Metrics m = p.judge(inst, fit);
  EXPECT_EQ(m.at("success"), 1.0);
  // P(|e| <= 4) for a discrete Gaussian of width 2: sum_{|k|<=4} e^(-k^2/8) /
  // sum_k e^(-k^2/8) = 4.898 / 5.013 = 0.977 (4000 samples: standard error
  // 0.0024, so 0.012 is 5 of them); chance is 9/3329.
  EXPECT_NEAR(m.at("close_fraction"), 0.977, 0.012);
  EXPECT_NEAR(m.at("advantage"), m.at("close_fraction") - 9.0 / 3329, 1e-12);
  Fit wrong;
  auto s = ints(inst.truth["secret"]);
  s[0] += 1;
  wrong.output["secret"] = s;
  EXPECT_EQ(p.judge(inst, wrong).at("success"), 0.0);
}

TEST(Lwe, BadInputIsAClearError) {
  const ParamSpec& spec = problem_registry().get("lwe").spec();
  EXPECT_CONTAINS(user_error([&] { (void)spec.resolve(std::vector<std::string>{"q=1"}); }), "q");
  EXPECT_CONTAINS(user_error([&] { (void)spec.resolve(std::vector<std::string>{"n=5000"}); }), "n");
  EXPECT_CONTAINS(user_error([&] { (void)spec.resolve(std::vector<std::string>{"sigma_e=-1"}); }),
                  "sigma_e");
  EXPECT_CONTAINS(user_error([&] { (void)spec.resolve(std::vector<std::string>{"secret=foo"}); }),
                  "secret");
}

// The estimator reads lwe's parameters: the published Kyber512 figure.
TEST(Lwe, EstimatorReadsItsParameters) {
  const EstimateReport r = estimate_costs(
      {"lwe", Json{{"n", "512"}, {"q", "3329"}, {"sigma_s", "1.2247449"}, {"sigma_e", "1.2247449"}},
       512, ""});
  ASSERT_TRUE(r.cheapest.has_value());
  EXPECT_EQ(r.attacks[0].details["block_size"], 406);
}

}  // namespace
}  // namespace hardnets
