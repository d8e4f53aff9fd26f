#include "hardnets/problems/teacher.h"

#include <cmath>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"

namespace hardnets {
namespace {

const ProblemRegistration kRegisterTeacher{std::make_unique<TeacherProblem>()};

}  // namespace

// Draws n input rows; row i uses words [i * words_per_row, ...) of its stream,
// so rows can be generated in any order by any thread.
Matrix draw_inputs(const std::string& law, Eigen::Index n, Eigen::Index d, Rng base, int threads) {
  Matrix X(n, d);
  // "sphere" normalises the Gaussian row: row i of the sphere law is row i
  // of the Gaussian law divided by its norm (same words of the stream).
  const bool sphere = law == "sphere";
  const bool gaussian = law == "gaussian" || sphere;
  const std::uint64_t words_per_row = gaussian ? 2 * ((d + 1) / 2) : d;
  parallel_for(n, threads, [&](std::int64_t begin, std::int64_t end) {
    Rng rng = base;
    for (std::int64_t i = begin; i < end; ++i) {
      rng.seek(static_cast<std::uint64_t>(i) * words_per_row);
      double* row = X.row(i).data();
      if (gaussian) {
        rng.fill_normal({row, static_cast<std::size_t>(d)});
        if (sphere) {
          const double norm = X.row(i).norm();
          // A zero Gaussian row has probability 0; map it to e_1, not NaN.
          if (norm > 0.0) {
            X.row(i) /= norm;
          } else {
            X(i, 0) = 1.0;
          }
        }
      } else {
        for (Eigen::Index j = 0; j < d; ++j) row[j] = rng.sign();
      }
    }
  });
  return X;
}

void add_noise(Vector& y, double sigma, Rng base) {
  if (sigma == 0.0) return;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    base.seek(2 * static_cast<std::uint64_t>(i));
    y[i] += sigma * base.normal();
  }
}

Vector forward_blocked(const ReluNet& net, const Matrix& X, int threads) {
  constexpr std::int64_t kBlock = 256;
  const std::int64_t n = X.rows();
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  Vector y(n);
  parallel_for(blocks, threads, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b) {
      const std::int64_t start = b * kBlock, count = std::min(kBlock, n - start);
      y.segment(start, count) = net.forward(X.middleRows(start, count));
    }
  });
  return y;
}

TeacherProblem::TeacherProblem() : spec_("teacher") {
  spec_.integer("d", 8, 1, 100000, "input dimension")
      .integer("width", 4, 1, 65536, "hidden units per hidden layer")
      .integer("depth", 2, 1, 8,
               "weight layers: 1 = linear teacher, 2 = one hidden layer, 3 = two hidden layers")
      .choice("weights", "normal", {"normal", "uniform"},
              "weight law (seed 001's natural weights), variance scale^2 / fan_in")
      .real("scale", 1.0, 0.0, 1e6, "weight scale s: Var W_ij = s^2 / fan_in", true)
      .real("bias_scale", 0.0, 0.0, 1e6, "standard deviation of the biases (same law)")
      .real("tau", 0.0, 0.0, 1e6, "smoothing: add N(0, tau^2) to every parameter")
      .choice("inputs", "gaussian", {"gaussian", "hypercube", "sphere"},
              "input law: N(0, I_d), uniform on {-1, +1}^d, or uniform on the unit sphere "
              "S^{d-1}")
      .real("sigma", 0.0, 0.0, 1e6, "standard deviation of the Gaussian label noise");
}

std::string TeacherProblem::summary() const {
  return "random ReLU teacher network with natural (normal/uniform) weights, optional "
         "smoothing, Gaussian, hypercube or sphere inputs, Gaussian label noise";
}

ReluNet TeacherProblem::make_teacher(const Params& params, Seed seed) {
  const int d = static_cast<int>(params.integer("d"));
  const int width = static_cast<int>(params.integer("width"));
  const int depth = static_cast<int>(params.integer("depth"));
  std::vector<int> sizes{d};
  for (int l = 1; l < depth; ++l) sizes.push_back(width);
  sizes.push_back(1);
  ReluNet net(sizes);

  const bool uniform = params.text("weights") == "uniform";
  const double scale = params.real("scale");
  const double bias_scale = params.real("bias_scale");
  Rng rng = Rng(seed, stream_id("teacher")).substream("weights");
  // Draws one value of unit variance under the chosen law.
  auto unit = [&]() { return uniform ? std::sqrt(3.0) * rng.uniform(-1.0, 1.0) : rng.normal(); };
  for (auto& layer : net.layers()) {
    const double w_std = scale / std::sqrt(static_cast<double>(layer.W.cols()));
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) layer.W(i, j) = w_std * unit();
    }
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b[i] = bias_scale * unit();
  }
  Rng smoothing = Rng(seed, stream_id("teacher")).substream("smoothing");
  net.smooth(params.real("tau"), smoothing);
  return net;
}

Instance TeacherProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                  const GenerateContext& ctx) const {
  check_sizes(name(), sizes);
  const Eigen::Index d = params.integer("d");
  if (static_cast<double>(d) * static_cast<double>(sizes.n_train + sizes.n_test) > 2e9) {
    fail("teacher: d * (n_train + n_test) = {} values is too large (limit 2e9)",
         static_cast<double>(d) * static_cast<double>(sizes.n_train + sizes.n_test));
  }
  Instance inst;
  inst.problem = name();
  inst.params = params;
  inst.seed = seed;
  const ReluNet teacher = make_teacher(params, seed);
  const Rng root(seed, stream_id("teacher"));
  const std::string& law = params.text("inputs");
  const double sigma = params.real("sigma");

  inst.train.X = draw_inputs(law, sizes.n_train, d, root.substream("train_inputs"), ctx.threads);
  inst.train.y = forward_blocked(teacher, inst.train.X, ctx.threads);
  add_noise(inst.train.y, sigma, root.substream("train_noise"));
  inst.test.X = draw_inputs(law, sizes.n_test, d, root.substream("test_inputs"), ctx.threads);
  Vector clean_test = forward_blocked(teacher, inst.test.X, ctx.threads);
  inst.test.y = clean_test;
  add_noise(inst.test.y, sigma, root.substream("test_noise"));

  inst.truth = Json{{"teacher", teacher.to_json()}, {"sigma", sigma}};
  inst.card = base_card(*this, params, seed, sizes);
  inst.card["teacher_parameters"] = teacher.num_parameters();
  inst.card["label_std_train"] =
      std::sqrt((inst.train.y.array() - inst.train.y.mean()).square().mean());
  return inst;
}

Metrics TeacherProblem::judge(const Instance& instance, const Fit& fit) const {
  if (!fit.predictor || instance.test.empty()) return {};
  const Vector pred = fit.predictor->predict(instance.test.X);
  Metrics m = regression_metrics(instance.test, pred);
  if (!instance.truth.contains("teacher")) return m;
  const ReluNet teacher = ReluNet::from_json(instance.truth["teacher"]);
  m[metric::kNetDistance] = normalized_mse(pred, forward_blocked(teacher, instance.test.X, 1));
  return m;
}

}  // namespace hardnets
