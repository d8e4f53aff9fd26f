// The mip_relu learner (big-M MILP, CBC) against exact_relu on the same small
// instances (l1 and linf, k = 1, d = 1..2, n <= 20, bounds large enough to be
// inactive), the bound_active warning, the time limit and bad input.
#include "hardnets/learners/mip_relu.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;

Fit run(const std::string& learner, const Dataset& data, const std::vector<std::string>& args,
        double time_limit = std::numeric_limits<double>::infinity()) {
  const Learner& l = learner_registry().get(learner);
  LearnerContext ctx;
  ctx.time_limit_seconds = time_limit;
  return l.fit(data, l.spec().resolve(args), ctx);
}

Dataset random_data(Eigen::Index n, Eigen::Index d, Seed seed) {
  Dataset data;
  data.X.resize(n, d);
  data.y.resize(n);
  Rng rng(seed, stream_id("mip_relu_test.data"));
  rng.fill_normal({data.X.data(), static_cast<std::size_t>(data.X.size())});
  rng.fill_normal({data.y.data(), static_cast<std::size_t>(data.y.size())});
  return data;
}

// Tolerance 1e-6·(1 + OPT): both learners finish with a Clp LP on the winning
// cell at 1e-10 tolerances, so they agree far below this.
TEST(MipRelu, AgreesWithExactReluL1) {
  struct Case {
    int n, d;
    Seed seed;
  };
  for (const Case c : {Case{8, 1, 1}, Case{20, 1, 2}, Case{10, 2, 3}, Case{16, 2, 4}}) {
    const Dataset data = random_data(c.n, c.d, c.seed);
    const Fit exact = run("exact_relu", data, {"k=1", "loss=l1"});
    const Fit mip = run("mip_relu", data, {"k=1", "loss=l1", "weight_bound=10", "output_bound=10"});
    ASSERT_EQ(mip.status, Outcome::ok) << mip.message;
    ASSERT_TRUE(mip.stats.contains(metric::kOptLoss));
    const double opt = exact.stats.at(metric::kOptLoss);
    EXPECT_NEAR(mip.stats.at(metric::kOptLoss), opt, 1e-6 * (1 + opt))
        << "n=" << c.n << " d=" << c.d;
    EXPECT_EQ(mip.stats.at("bound_active"), 0.0);
    EXPECT_LE(mip.stats.at("lower_bound"), mip.stats.at("upper_bound") + 1e-9);
    // The predictor is the reported network.
    const Eigen::VectorXd r = mip.predictor->predict(data.X) - data.y;
    EXPECT_NEAR(r.cwiseAbs().sum(), mip.stats.at(metric::kOptLoss), 1e-9 * (1 + opt));
  }
}

TEST(MipRelu, AgreesWithExactReluLinfAndWithoutBias) {
  const Dataset data = random_data(12, 1, 7);
  for (const std::string bias : {"true", "false"}) {
    const Fit exact = run("exact_relu", data, {"k=1", "loss=linf", "output_bias=" + bias});
    const Fit mip = run("mip_relu", data, {"k=1", "loss=linf", "output_bias=" + bias});
    const double opt = exact.stats.at(metric::kOptLoss);
    EXPECT_NEAR(mip.stats.at(metric::kOptLoss), opt, 1e-6 * (1 + opt)) << "bias " << bias;
  }
}

// Homogeneous units (relu_reduction's class): the same optimum as exact_relu,
// and the network has no biases.
TEST(MipRelu, HomogeneousAgreesWithExactRelu) {
  const Dataset data = random_data(12, 2, 13);
  const std::vector<std::string> cls{"k=1", "loss=l1", "unit_bias=false", "output_bias=false"};
  const Fit exact = run("exact_relu", data, cls);
  const Fit mip = run("mip_relu", data, cls);
  ASSERT_EQ(mip.status, Outcome::ok) << mip.message;
  const double opt = exact.stats.at(metric::kOptLoss);
  EXPECT_NEAR(mip.stats.at(metric::kOptLoss), opt, 1e-6 * (1 + opt));
  const auto& net = dynamic_cast<const ReluNetPredictor&>(*mip.predictor).net();
  EXPECT_TRUE((net.layers()[0].b.array() == 0.0).all());
  EXPECT_EQ(net.layers()[1].b[0], 0.0);
}

TEST(MipRelu, TwoUnitsAgreeWithExactRelu) {
  const Dataset data = random_data(8, 1, 11);
  const Fit exact = run("exact_relu", data, {"k=2", "loss=l1"});
  const Fit mip = run("mip_relu", data, {"k=2", "loss=l1"});
  const double opt = exact.stats.at(metric::kOptLoss);
  EXPECT_NEAR(mip.stats.at(metric::kOptLoss), opt, 1e-6 * (1 + opt));
  EXPECT_EQ(mip.stats.at("sign_classes"), 3.0);
}

// y = 5 relu(3x + 1) needs |a|·|θ| = 15 > 1·1: the box is active, the loss is
// positive (exact_relu fits it exactly) and the message warns.
TEST(MipRelu, ReportsActiveBound) {
  Dataset data;
  data.X.resize(10, 1);
  data.y.resize(10);
  for (int i = 0; i < 10; ++i) {
    data.X(i, 0) = -1.0 + 0.25 * i;
    data.y[i] = 5.0 * std::max(0.0, 3.0 * data.X(i, 0) + 1.0);
  }
  const Fit exact = run("exact_relu", data, {"loss=l1"});
  EXPECT_NEAR(exact.stats.at(metric::kOptLoss), 0.0, 1e-9);
  const Fit tight = run("mip_relu", data, {"loss=l1", "weight_bound=1", "output_bound=1"});
  EXPECT_EQ(tight.stats.at("bound_active"), 1.0);
  EXPECT_GT(tight.stats.at(metric::kOptLoss), 1e-3);
  EXPECT_CONTAINS(tight.message, "box is active");
  const Fit loose = run("mip_relu", data, {"loss=l1", "weight_bound=10", "output_bound=10"});
  EXPECT_EQ(loose.stats.at("bound_active"), 0.0);
  EXPECT_NEAR(loose.stats.at(metric::kOptLoss), 0.0, 1e-6);
}

// A 10 ms budget on n = 40, d = 2 (seconds to prove): status timeout, the
// incumbent as upper bound, CBC's bound as lower bound, no opt_loss.
TEST(MipRelu, TimeLimitReportsBounds) {
  const Dataset data = random_data(40, 2, 5);
  const Fit fit = run("mip_relu", data, {"loss=l1"}, 0.01);
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_FALSE(fit.stats.contains(metric::kOptLoss));
  EXPECT_LE(fit.stats.at("lower_bound"), fit.stats.at("upper_bound"));
  EXPECT_GE(fit.stats.at("lower_bound"), 0.0);
  EXPECT_CONTAINS(fit.message, "upper bound");
}

TEST(MipRelu, BadInputIsUserError) {
  const Learner& l = learner_registry().get("mip_relu");
  const Dataset data = random_data(5, 1, 1);
  EXPECT_CONTAINS(user_error([&] { run("mip_relu", data, {"loss=square"}); }), "exact_relu");
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"k=0"}); });
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"weight_bound=0"}); });
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"weight_bound=-1"}); });
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"output_bound=0"}); });
  Dataset empty;
  empty.X.resize(0, 1);
  EXPECT_CONTAINS(user_error([&] { run("mip_relu", empty, {}); }), "empty");
  Dataset bad = data;
  bad.y[0] = std::nan("");
  user_error([&] { run("mip_relu", bad, {}); });
}

}  // namespace
}  // namespace hardnets
