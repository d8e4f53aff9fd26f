// Problem `teacher`: a random ReLU teacher network (the teacher–student setting).
//
// A teacher f* of depth L (weight layers) and hidden width m on inputs of
// dimension d is drawn with "natural" weights (Daniely–Vardi 2020):
//   normal:  W_ij ~ N(0, s^2 / fan_in)
//   uniform: W_ij ~ U[-r, r], r = s sqrt(3 / fan_in)   (same variance)
// biases with standard deviation `bias_scale` under the same law, then
// optionally smoothed (every parameter + N(0, tau^2), the smoothed analysis of
// Daniely–Srebro–Vardi 2023). Controlled degeneracy (docs/problems.md,
// `teacher`): `pair_angle` = θ sets first-layer unit 2 at angle θ to unit 1
// (norm kept); `min_singular` = t rescales the smallest singular direction of
// the row-normalised first layer N = rownorm(W_1) = U S Vᵀ, N(s) = N + (s − s_min) u vᵀ, so that
// s_min(rownorm(N(s))) = t (s by bisection; rows keep their norms). Both act
// before the smoothing, so tau > 0 smooths the degenerate network; at 0 they
// are off and the teacher is bit-identical to the plain one. Inputs are x ~ N(0, I_d), uniform on
// {-1, +1}^d or uniform on the unit sphere S^{d-1} (a normalised Gaussian row), and labels are y =
// f*(x) + N(0, sigma^2). Depth 1 is a linear teacher (the easy control).
//
// The truth is the teacher network; the judge reports test mse/nmse and
// `net_distance` = E[(f̂(x) - f*(x))^2] / Var f*(x) on the noiseless test labels.
// The distinguishing null (labels = independent) labels each row by f* on an
// independent input: the same label law, independent of x; a learner's test
// nmse is then >= 1 in expectation, so smaller nmse means planted.
#pragma once

#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

class TeacherProblem : public Problem {
 public:
  TeacherProblem();
  std::string name() const override { return "teacher"; }
  TaskPublication publishes() const override { return {&hidden_width_schema()}; }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"labels", "independent", "nmse", true,
                          "labels of the same teacher on independent inputs: the label law "
                          "kept, no dependence on x"};
  }

  // The teacher network alone (weights drawn and smoothed), for tests.
  static ReluNet make_teacher(const Params& params, Seed seed);

 private:
  ParamSpec spec_;
};

// The card's geometry of a first-layer weight matrix (rows = units), after
// normalising its rows: min_singular, max_singular, condition (their ratio)
// over the min(rows, cols) singular values, min_angle_degrees over all pairs
// of rows and angle_12_degrees (rows 0 and 1). {"skipped": why} when large.
Json first_layer_geometry(const Eigen::MatrixXd& W);

// Evaluates `net` on every row of X in fixed blocks of rows, spread over
// `threads`: the block size never depends on the thread count, so neither do
// the results.
Vector forward_blocked(const ReluNet& net, const Matrix& X, int threads);

// n input rows of dimension d, law "gaussian" (N(0, I_d)), "hypercube"
// (uniform ±1) or "sphere" (uniform on S^{d-1}: the Gaussian row i divided by
// its norm). Row i uses its own words of `base`, so any thread may draw it.
Matrix draw_inputs(const std::string& law, Eigen::Index n, Eigen::Index d, Rng base, int threads);
// y_i += sigma * N(0, 1), the i-th normal from words [2i, 2i+2) of `base`.
void add_noise(Vector& y, double sigma, Rng base);

}  // namespace hardnets
