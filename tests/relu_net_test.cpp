// ReluNet, the double-precision reference network: forward pass against a
// hand-written formula, backward pass against central finite differences,
// JSON round trip and validation, parameter smoothing.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets {
namespace {

ReluNet random_net(const std::vector<int>& sizes, Seed seed) {
  ReluNet net(sizes);
  Rng rng(seed, stream_id("relu_net_test"));
  Eigen::VectorXd theta(net.num_parameters());
  rng.fill_normal({theta.data(), static_cast<std::size_t>(theta.size())});
  net.set_flat(theta);
  return net;
}

Matrix random_inputs(Eigen::Index n, Eigen::Index d, Seed seed) {
  Matrix X(n, d);
  Rng rng(seed, stream_id("relu_net_test.inputs"));
  rng.fill_normal({X.data(), static_cast<std::size_t>(X.size())});
  return X;
}

// Gradient as one vector in the order of flat(): per layer W row-major, then b.
Eigen::VectorXd flatten(const std::vector<DenseLayer>& layers) {
  std::vector<double> out;
  for (const auto& layer : layers) {
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) out.push_back(layer.W(i, j));
    }
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) out.push_back(layer.b[i]);
  }
  return Eigen::Map<Eigen::VectorXd>(out.data(), static_cast<Eigen::Index>(out.size()));
}

TEST(ReluNet, ForwardMatchesHandWrittenFormula) {
  // f(x) = 2 relu(x0 - x1 + 0.5) - 3 relu(0.5 x0 + 2 x1 - 1) + 0.25.
  ReluNet net({2, 2, 1});
  net.layers()[0].W << 1.0, -1.0, 0.5, 2.0;
  net.layers()[0].b << 0.5, -1.0;
  net.layers()[1].W << 2.0, -3.0;
  net.layers()[1].b << 0.25;
  Matrix X(4, 2);
  X << 1.0, 0.0,  // both units active
      0.0, 2.0,   // only the second
      -1.0, 0.0,  // neither
      0.3, -0.7;  // only the first
  const auto relu = [](double v) { return std::max(v, 0.0); };
  const Vector f = net.forward(X);
  ASSERT_EQ(f.size(), 4);
  for (Eigen::Index i = 0; i < 4; ++i) {
    const double x0 = X(i, 0), x1 = X(i, 1);
    const double expected =
        2.0 * relu(x0 - x1 + 0.5) - 3.0 * relu(0.5 * x0 + 2.0 * x1 - 1.0) + 0.25;
    EXPECT_DOUBLE_EQ(f[i], expected) << "row " << i;
  }
  EXPECT_EQ(net.depth(), 2);
  EXPECT_EQ(net.num_parameters(), 9);
  EXPECT_EQ(net.sizes(), (std::vector<int>{2, 2, 1}));
}

TEST(ReluNet, ForwardRejectsWrongDimension) {
  const ReluNet net = random_net({3, 4, 1}, 1);
  EXPECT_THROW(net.forward(random_inputs(2, 5, 1)), UserError);
}

// The loss is piecewise polynomial in the parameters, so a central difference
// is exact up to rounding (about 1e-16 * loss / h ~ 1e-10) unless the step
// crosses a ReLU kink, which for Gaussian data and h = 1e-6 has negligible
// probability. 1e-6 relative to the gradient scale leaves a wide margin.
void check_gradient(const std::vector<int>& sizes, Seed seed) {
  const ReluNet net = random_net(sizes, seed);
  const Matrix X = random_inputs(11, sizes[0], seed);
  Vector y(11);
  Rng rng(seed, stream_id("relu_net_test.labels"));
  rng.fill_normal({y.data(), static_cast<std::size_t>(y.size())});

  std::vector<DenseLayer> gradient;
  const double loss = net.loss_and_gradient(X, y, &gradient);
  EXPECT_NEAR(loss, (net.forward(X) - y).squaredNorm() / 11.0, 1e-12 * loss);
  const Eigen::VectorXd analytic = flatten(gradient);
  const Eigen::VectorXd theta = net.flat();
  ASSERT_EQ(analytic.size(), theta.size());

  const Eigen::VectorXd numeric = testing::finite_difference_gradient(net, X, y);
  const double scale = analytic.cwiseAbs().maxCoeff();
  ASSERT_GT(scale, 0.0);
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    EXPECT_NEAR(analytic[k], numeric[k], 1e-6 * scale) << "parameter " << k;
  }
  EXPECT_LT((analytic - numeric).norm(), 1e-6 * analytic.norm());
}

TEST(ReluNet, GradientMatchesFiniteDifferencesDepth2) {
  check_gradient({4, 6, 1}, 3);
}
TEST(ReluNet, GradientMatchesFiniteDifferencesDepth3) {
  check_gradient({3, 5, 4, 1}, 5);
}

TEST(ReluNet, FlatRoundTrip) {
  ReluNet net = random_net({3, 4, 2, 1}, 7);
  const Eigen::VectorXd theta = net.flat();
  EXPECT_EQ(theta.size(), net.num_parameters());
  EXPECT_EQ(theta[0], net.layers()[0].W(0, 0));
  EXPECT_EQ(theta[1], net.layers()[0].W(0, 1));  // W is row-major in flat()
  EXPECT_EQ(theta[12], net.layers()[0].b[0]);
  ReluNet copy({3, 4, 2, 1});
  copy.set_flat(theta);
  EXPECT_EQ(copy.flat(), theta);
}

TEST(ReluNet, JsonRoundTripIsExact) {
  const ReluNet net = random_net({5, 7, 3, 1}, 11);
  const Json json = net.to_json();
  EXPECT_EQ(json["sizes"], Json({5, 7, 3, 1}));
  // Through text, as `fit --out` stores it: doubles must survive exactly.
  const ReluNet back = ReluNet::from_json(Json::parse(json.dump()));
  EXPECT_EQ(back.sizes(), net.sizes());
  EXPECT_EQ(back.flat(), net.flat());
  const Matrix X = random_inputs(6, 5, 2);
  EXPECT_EQ(back.forward(X), net.forward(X));
}

TEST(ReluNet, FromJsonRejectsMalformedNetworks) {
  const Json good = random_net({2, 3, 1}, 1).to_json();
  const auto rejects = [](const Json& json) {
    EXPECT_THROW(ReluNet::from_json(json), UserError) << json.dump();
  };
  rejects(Json::array());
  rejects(Json{{"layers", Json::array()}});
  rejects(Json{{"layers", 3}});
  {
    Json j = good;
    j["layers"][0].erase("b");
    rejects(j);
  }
  {
    Json j = good;
    j["layers"][0]["b"].push_back(1.0);  // b longer than W has rows
    rejects(j);
  }
  {
    Json j = good;
    j["layers"][0]["W"][1].push_back(1.0);  // ragged W
    rejects(j);
  }
  {
    Json j = good;
    j["layers"][0]["W"][0][0] = "one";  // not a number
    rejects(j);
  }
  {
    Json j = good;
    j["layers"][1]["W"][0].push_back(0.0);  // 4 inputs, but layer 0 has 3 outputs
    rejects(j);
  }
  {
    Json j = good;
    j["layers"].erase(1);  // the last layer has 3 units, not 1
    rejects(j);
  }
  EXPECT_NO_THROW(ReluNet::from_json(good));
}

TEST(ReluNet, SmoothAddsGaussianNoiseOfTheRightScale) {
  const ReluNet base = random_net({40, 100, 1}, 13);  // 4201 parameters
  const double tau = 0.3;
  ReluNet a = base, b = base, c = base;
  Rng rng_a(21, stream_id("smooth")), rng_b(21, stream_id("smooth")),
      rng_c(22, stream_id("smooth"));
  a.smooth(tau, rng_a);
  b.smooth(tau, rng_b);
  c.smooth(tau, rng_c);
  EXPECT_EQ(a.flat(), b.flat());  // same stream, same noise
  EXPECT_NE(a.flat(), c.flat());

  const Eigen::VectorXd noise = a.flat() - base.flat();
  const auto n = static_cast<double>(noise.size());
  const double mean = noise.mean();
  const double std = std::sqrt((noise.array() - mean).square().sum() / (n - 1));
  // Sampling error of the std is tau / sqrt(2n) ~ 1.1% of tau; of the mean, tau / sqrt(n).
  EXPECT_NEAR(std, tau, 0.05 * tau);
  EXPECT_NEAR(mean, 0.0, 5.0 * tau / std::sqrt(n));

  ReluNet unchanged = base;
  Rng rng(1, 1);
  unchanged.smooth(0.0, rng);
  EXPECT_EQ(unchanged.flat(), base.flat());
  EXPECT_THROW(unchanged.smooth(-1.0, rng), UserError);
  EXPECT_THROW(unchanged.smooth(std::nan(""), rng), UserError);
}

}  // namespace
}  // namespace hardnets
