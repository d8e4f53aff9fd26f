#include "hardnets/nets/relu_net.h"

#include <cmath>

#include "hardnets/core/error.h"

namespace hardnets {

ReluNet::ReluNet(const std::vector<int>& sizes) {
  if (sizes.size() < 2) throw std::logic_error("ReluNet needs at least input and output sizes");
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    layers_.push_back(
        {Eigen::MatrixXd::Zero(sizes[l + 1], sizes[l]), Eigen::VectorXd::Zero(sizes[l + 1])});
  }
}

std::vector<int> ReluNet::sizes() const {
  std::vector<int> s;
  if (layers_.empty()) return s;
  s.push_back(static_cast<int>(layers_[0].W.cols()));
  for (const auto& layer : layers_) s.push_back(static_cast<int>(layer.W.rows()));
  return s;
}

std::int64_t ReluNet::num_parameters() const {
  std::int64_t n = 0;
  for (const auto& layer : layers_) n += layer.W.size() + layer.b.size();
  return n;
}

Vector ReluNet::forward(const Matrix& X) const {
  if (X.cols() != input_dim()) {
    fail("network expects inputs of dimension {}, got {}", input_dim(), X.cols());
  }
  // Activations are kept as (units x samples) so each layer is one GEMM.
  Eigen::MatrixXd a = X.transpose();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Eigen::MatrixXd z = layers_[l].W * a;
    z.colwise() += layers_[l].b;
    a = (l + 1 < layers_.size()) ? Eigen::MatrixXd(z.cwiseMax(0.0)) : z;
  }
  return a.row(0).transpose();
}

double ReluNet::loss_and_gradient(const Matrix& X, const Vector& y,
                                  std::vector<DenseLayer>* gradient) const {
  const auto n = static_cast<double>(X.rows());
  const std::size_t L = layers_.size();
  std::vector<Eigen::MatrixXd> acts(L + 1);  // acts[l]: input of layer l (units x samples)
  std::vector<Eigen::MatrixXd> pre(L);       // pre-activations
  acts[0] = X.transpose();
  for (std::size_t l = 0; l < L; ++l) {
    pre[l] = layers_[l].W * acts[l];
    pre[l].colwise() += layers_[l].b;
    acts[l + 1] = (l + 1 < L) ? Eigen::MatrixXd(pre[l].cwiseMax(0.0)) : pre[l];
  }
  const Eigen::RowVectorXd residual = acts[L].row(0) - y.transpose();
  const double loss = residual.squaredNorm() / n;
  if (!gradient) return loss;
  gradient->assign(L, {});
  // d loss / d output = 2 r / n; back through each layer, masking by ReLU'.
  Eigen::MatrixXd delta = (2.0 / n) * residual;
  for (std::size_t l = L; l-- > 0;) {
    (*gradient)[l].W = delta * acts[l].transpose();
    (*gradient)[l].b = delta.rowwise().sum();
    if (l > 0) {
      delta = (layers_[l].W.transpose() * delta)
                  .cwiseProduct((pre[l - 1].array() > 0.0).cast<double>().matrix());
    }
  }
  return loss;
}

Eigen::VectorXd ReluNet::flat() const {
  Eigen::VectorXd theta(num_parameters());
  Eigen::Index k = 0;
  for (const auto& layer : layers_) {
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) theta[k++] = layer.W(i, j);
    }
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) theta[k++] = layer.b[i];
  }
  return theta;
}

void ReluNet::set_flat(const Eigen::VectorXd& theta) {
  if (theta.size() != num_parameters()) throw std::logic_error("set_flat: wrong size");
  Eigen::Index k = 0;
  for (auto& layer : layers_) {
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) layer.W(i, j) = theta[k++];
    }
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b[i] = theta[k++];
  }
}

void ReluNet::smooth(double tau, Rng& rng) {
  if (!(tau >= 0.0) || !std::isfinite(tau))
    fail("smoothing tau must be finite and >= 0, got {}", tau);
  if (tau == 0.0) return;
  Eigen::VectorXd theta = flat();
  Eigen::VectorXd noise(theta.size());
  rng.fill_normal({noise.data(), static_cast<std::size_t>(noise.size())});
  set_flat(theta + tau * noise);
}

Json ReluNet::to_json() const {
  Json layers = Json::array();
  for (const auto& layer : layers_) {
    Json W = Json::array();
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      Json row = Json::array();
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) row.push_back(layer.W(i, j));
      W.push_back(std::move(row));
    }
    Json b = Json::array();
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) b.push_back(layer.b[i]);
    layers.push_back({{"W", std::move(W)}, {"b", std::move(b)}});
  }
  return Json{{"type", "relu_net"}, {"sizes", sizes()}, {"layers", std::move(layers)}};
}

ReluNet ReluNet::from_json(const Json& json) {
  if (!json.is_object() || !json.contains("layers") || !json["layers"].is_array() ||
      json["layers"].empty()) {
    fail("network JSON must be an object with a non-empty array 'layers'");
  }
  ReluNet net;
  Eigen::Index in_dim = -1;
  for (std::size_t l = 0; l < json["layers"].size(); ++l) {
    const Json& lj = json["layers"][l];
    if (!lj.contains("W") || !lj["W"].is_array() || lj["W"].empty() || !lj.contains("b") ||
        !lj["b"].is_array()) {
      fail("network layer {}: needs a non-empty matrix 'W' and a vector 'b'", l);
    }
    const auto rows = static_cast<Eigen::Index>(lj["W"].size());
    const auto cols = static_cast<Eigen::Index>(lj["W"][0].size());
    if (cols == 0 || (in_dim >= 0 && cols != in_dim)) {
      fail("network layer {}: W has {} columns, expected {}", l, cols, in_dim);
    }
    if (static_cast<Eigen::Index>(lj["b"].size()) != rows) {
      fail("network layer {}: b has {} entries, W has {} rows", l, lj["b"].size(), rows);
    }
    DenseLayer layer{Eigen::MatrixXd(rows, cols), Eigen::VectorXd(rows)};
    for (Eigen::Index i = 0; i < rows; ++i) {
      const Json& row = lj["W"][i];
      if (!row.is_array() || static_cast<Eigen::Index>(row.size()) != cols) {
        fail("network layer {}: W row {} does not have {} numbers", l, i, cols);
      }
      for (Eigen::Index j = 0; j < cols; ++j) {
        if (!row[j].is_number()) fail("network layer {}: W[{}][{}] is not a number", l, i, j);
        layer.W(i, j) = row[j].get<double>();
      }
      if (!lj["b"][i].is_number()) fail("network layer {}: b[{}] is not a number", l, i);
      layer.b[i] = lj["b"][i].get<double>();
    }
    in_dim = rows;
    net.layers_.push_back(std::move(layer));
  }
  if (in_dim != 1) fail("network output layer must have 1 unit, has {}", in_dim);
  return net;
}

}  // namespace hardnets
