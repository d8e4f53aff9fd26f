// Stages 6 and 7 of the `tensor` learner (tensor.h): the network built on the
// recovered units. Ridge regression on the features {ReLU(⟨ŵ_i,x⟩ + b̂_i)} ∪
// {x, 1} (the intercept is not penalised) sets the output weights and a linear
// term β·x, written as ReLU(β·x) - ReLU(-β·x), so the network has width m + 2;
// optionally mini-batch Adam then trains the whole network from there.
#pragma once

#include <cstdint>

#include "hardnets/core/dataset.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/nets/units.h"

namespace hardnets::tensor {

struct RidgeFit {
  Eigen::VectorXd theta;  // [output weights (m), β (d), intercept]; not finite: singular system
  ReluNet net;            // d → m + 2 → 1
};
// min_θ (1/n)‖Fθ - y‖² + ridge ‖θ without the intercept‖², F = features of X:
// one pass for the normal equations, then an LDLᵀ solve. Thread-count
// independent.
RidgeFit ridge_network(const Matrix& X, const Vector& y, const units::Units& units, double ridge,
                       int threads);

// Mean squared error of f on (X, y), summed in fixed row blocks.
double train_loss(const ReluNet& f, const Matrix& X, const Vector& y, int threads);

struct AdamRefineSettings {
  double lr = 1e-3;
  Eigen::Index batch = 1024;  // rows per step, consecutive, in order
  std::int64_t epochs = 0;
};
// Full passes of Adam (numerics/adam, textbook form, default β1, β2, ε) on the
// square loss of `net`, mini-batches of consecutive rows in order
// (deterministic); the clock is read before each epoch and the refinement
// stops there once it exceeds `time_limit`. Returns the epochs completed.
std::int64_t adam_refine(ReluNet& net, const Matrix& X, const Vector& y,
                         const AdamRefineSettings& settings, const Stopwatch& clock,
                         double time_limit);

}  // namespace hardnets::tensor
