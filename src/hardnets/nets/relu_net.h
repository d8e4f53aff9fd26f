// Dense ReLU networks of any depth.
//
// f(x) = W_L σ(W_{L-1} ... σ(W_1 x + b_1) ... + b_{L-1}) + b_L, σ = ReLU,
// scalar linear output. "Depth" follows the learning-theory papers: the number
// of weight layers L, so a depth-2 network has one hidden layer. Layer sizes
// are {d, h_1, ..., h_{L-1}, 1}.
//
// This double-precision class is the reference: teachers are built from it,
// it is what `fit --out` saves, and its backward pass is checked against
// finite differences. The sgd learner trains with its own single-precision
// kernels and hands back a ReluNet.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "hardnets/contracts/fit.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"
#include "hardnets/core/rng.h"

namespace hardnets {

struct DenseLayer {
  Eigen::MatrixXd W;  // out x in
  Eigen::VectorXd b;  // out
};

class ReluNet {
 public:
  ReluNet() = default;
  // Zero-initialised network with the given layer sizes {d, h_1, ..., 1}.
  explicit ReluNet(const std::vector<int>& sizes);

  int input_dim() const { return layers_.empty() ? 0 : static_cast<int>(layers_[0].W.cols()); }
  int depth() const { return static_cast<int>(layers_.size()); }
  std::vector<int> sizes() const;
  std::int64_t num_parameters() const;
  const std::vector<DenseLayer>& layers() const { return layers_; }
  std::vector<DenseLayer>& layers() { return layers_; }

  // Outputs for every row of X (n x d).
  Vector forward(const Matrix& X) const;

  // Mean squared error (1/n) Σ (f(x_i) - y_i)^2 and, if `gradient` is not
  // null, its gradient with respect to every parameter (same shapes).
  double loss_and_gradient(const Matrix& X, const Vector& y,
                           std::vector<DenseLayer>* gradient) const;

  // All parameters as one vector (layer by layer: W row-major, then b).
  Eigen::VectorXd flat() const;
  void set_flat(const Eigen::VectorXd& theta);

  // Parameter smoothing: adds i.i.d. N(0, tau^2) to every weight and bias,
  // drawn once from `rng` in the order of flat().
  void smooth(double tau, Rng& rng);

  // {"sizes": [...], "layers": [{"W": [[...]...], "b": [...]}, ...]}.
  Json to_json() const;
  // Validates shapes and values; UserError naming the problem otherwise.
  static ReluNet from_json(const Json& json);

 private:
  std::vector<DenseLayer> layers_;
};

// A ReluNet as a learner's predictor.
class ReluNetPredictor : public Predictor {
 public:
  explicit ReluNetPredictor(ReluNet net) : net_(std::move(net)) {}
  Vector predict(const Matrix& X) const override { return net_.forward(X); }
  Json to_json() const override { return Json{{"type", "relu_net"}, {"net", net_.to_json()}}; }
  const ReluNet& net() const { return net_; }

 private:
  ReluNet net_;
};

}  // namespace hardnets
