#include "hardnets/problems/teacher.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/SVD>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/nets/units.h"

namespace hardnets {
namespace {

const ProblemRegistration kRegisterTeacher{std::make_unique<TeacherProblem>()};

// Above this many flops (width · d · min(width, d)) the card skips the
// first-layer geometry (SVD and pairwise angles).
constexpr double kGeometryFlops = 2e9;

Eigen::MatrixXd row_normalised(const Eigen::MatrixXd& W) {
  Eigen::MatrixXd N = W;
  for (Eigen::Index i = 0; i < N.rows(); ++i) {
    const double norm = N.row(i).norm();
    if (norm > 0.0) N.row(i) /= norm;
  }
  return N;
}

// The smallest of the min(rows, cols) singular values.
double smallest_singular(const Eigen::MatrixXd& M) {
  Eigen::BDCSVD<Eigen::MatrixXd> svd(M);
  return svd.singularValues().minCoeff();
}

// Angle in degrees between two nonzero vectors, by atan2 (accurate near 0 and 180).
double angle_degrees(const Vector& a, const Vector& b) {
  const Vector u = a.normalized(), v = b.normalized();
  const double c = u.dot(v);
  const double s = (v - c * u).norm();
  return std::atan2(s, c) * 180.0 / std::numbers::pi;
}

// Sets row 1 of W at `degrees` to row 0, keeping its norm: the new direction
// is cos θ u_0 + sin θ e, e the unit part of row 1 orthogonal to u_0.
void set_pair_angle(Eigen::MatrixXd& W, double degrees) {
  const Vector u = W.row(0).transpose().normalized();
  const Vector w = W.row(1).transpose();
  Vector e = w - w.dot(u) * u;
  if (e.norm() == 0.0) fail("teacher: pair_angle: units 1 and 2 are parallel (measure zero)");
  e.normalize();
  const double theta = degrees * std::numbers::pi / 180.0;
  W.row(1) = (w.norm() * (std::cos(theta) * u + std::sin(theta) * e)).transpose();
}

// Rescales the smallest singular direction of the row-normalised first layer
// N = U S Vᵀ: N(s) = N + (s − s_min) u vᵀ, then renormalises the rows, and
// finds s by bisection so that the smallest singular value of rownorm(N(s))
// is `target`; each row keeps its original norm.
void set_min_singular(Eigen::MatrixXd& W, double target) {
  const Eigen::MatrixXd N = row_normalised(W);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(N, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::Index last = svd.singularValues().size() - 1;
  const double s0 = svd.singularValues()[last];
  const Vector u = svd.matrixU().col(last), v = svd.matrixV().col(last);
  auto shaped = [&](double s) { return row_normalised(N + (s - s0) * u * v.transpose()); };
  auto f = [&](double s) { return smallest_singular(shaped(s)); };
  double lo = 0.0, hi = s0;
  if (target > s0) {
    // Grow s until the target is bracketed; the other directions cap f.
    lo = s0;
    hi = 2.0 * s0 + 1.0;
    while (f(hi) < target) {
      lo = hi;
      hi *= 2.0;
      if (hi > 1e6) {
        fail(
            "teacher: min_singular = {} is above what rescaling the smallest singular direction "
            "can reach for this seed (use a smaller target)",
            target);
      }
    }
  }
  for (int it = 0; it < 200 && hi - lo > 1e-15 * std::max(1.0, hi); ++it) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < target ? lo : hi) = mid;
  }
  const double s = 0.5 * (lo + hi);
  const Eigen::MatrixXd R = shaped(s);
  if (std::abs(smallest_singular(R) - target) > 1e-10) {
    fail(
        "teacher: min_singular = {} could not be reached by rescaling the smallest singular "
        "direction (got {}); use another target or seed",
        target, smallest_singular(R));
  }
  for (Eigen::Index i = 0; i < W.rows(); ++i) W.row(i) = W.row(i).norm() * R.row(i);
}

}  // namespace

Json first_layer_geometry(const Eigen::MatrixXd& W) {
  Json g = Json::object();
  const double rows = static_cast<double>(W.rows()), cols = static_cast<double>(W.cols());
  if (rows * cols * std::min(rows, cols) > kGeometryFlops || rows * rows * cols > kGeometryFlops) {
    g["skipped"] = "first layer too large for the SVD and pairwise angles";
    return g;
  }
  const Eigen::MatrixXd N = row_normalised(W);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(N);
  const Vector& sv = svd.singularValues();
  g["min_singular"] = sv.minCoeff();
  g["max_singular"] = sv.maxCoeff();
  g["condition"] = sv.minCoeff() > 0.0 ? sv.maxCoeff() / sv.minCoeff() : -1.0;
  if (W.rows() >= 2) {
    double min_angle = 180.0;
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
      for (Eigen::Index j = i + 1; j < W.rows(); ++j) {
        min_angle = std::min(min_angle, angle_degrees(W.row(i).transpose(), W.row(j).transpose()));
      }
    }
    g["min_angle_degrees"] = min_angle;
    g["angle_12_degrees"] = angle_degrees(W.row(0).transpose(), W.row(1).transpose());
  }
  return g;
}

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
  spec_.cite("daniely2020natural", "natural (random) weights")
      .construction(
          Construction::Source::kPaper,
          "the standard random-teacher setting; the smoothing and conditioning knobs are ours");
  spec_.integer("d", 8, 1, 100000, "input dimension")
      .integer("width", 4, 1, 65536, "hidden units per hidden layer")
      .integer("depth", 2, 1, 8,
               "weight layers: 1 = linear teacher, 2 = one hidden layer, 3 = two hidden layers")
      .choice("weights", "normal", {"normal", "uniform"},
              "weight law (Daniely–Vardi 2020's natural weights), variance scale^2 / fan_in")
      .real("scale", 1.0, 0.0, 1e6, "weight scale s: Var W_ij = s^2 / fan_in", true)
      .real("bias_scale", 0.0, 0.0, 1e6, "standard deviation of the biases (same law)")
      .real("tau", 0.0, 0.0, 1e6, "smoothing: add N(0, tau^2) to every parameter")
      .choice("inputs", "gaussian", {"gaussian", "hypercube", "sphere"},
              "input law: N(0, I_d), uniform on {-1, +1}^d, or uniform on the unit sphere "
              "S^{d-1}")
      .real("sigma", 0.0, 0.0, 1e6, "standard deviation of the Gaussian label noise")
      .real("min_singular", 0.0, 0.0, 1.0,
            "controlled degeneracy: target smallest singular value of the row-normalised first "
            "layer (rescales its smallest singular direction; needs 2 <= width <= d); 0 = off")
      .real("pair_angle", 0.0, 0.0, 180.0,
            "controlled degeneracy: angle in degrees of first-layer unit 2 to unit 1 (its norm "
            "kept; needs width >= 2); 0 = off",
            false, true)
      .choice("labels", "teacher", {"teacher", "independent"},
              "teacher: y = f*(x) + noise; independent: y = f*(x') + noise for an independent "
              "copy x' of the input (the same label law, independent of x: the distinguisher's "
              "null)");
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
  // Controlled degeneracy of the first layer, before smoothing (so that tau
  // smooths the degenerate network). Off at the defaults: nothing else moves.
  const double min_singular = params.real("min_singular");
  const double pair_angle = params.real("pair_angle");
  if (min_singular > 0.0 || pair_angle > 0.0) {
    Eigen::MatrixXd& W1 = net.layers()[0].W;
    if (min_singular > 0.0 && pair_angle > 0.0) {
      fail("teacher: set at most one of min_singular and pair_angle (each moves the other)");
    }
    if (depth < 2) {
      fail("teacher: min_singular and pair_angle shape the first hidden layer: need depth >= 2");
    }
    if (width < 2) {
      fail("teacher: min_singular and pair_angle need width >= 2 first-layer units, got {}", width);
    }
    if (pair_angle > 0.0) {
      if (d < 2) fail("teacher: pair_angle needs d >= 2, got {}", d);
      set_pair_angle(W1, pair_angle);
    } else {
      if (width > d) {
        fail(
            "teacher: min_singular needs width <= d (width = {} rows in dimension d = {} are "
            "linearly dependent: their width-th singular value is 0)",
            width, d);
      }
      set_min_singular(W1, min_singular);
    }
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

  // The null (labels = independent) labels each row by the teacher on an
  // independent input from its own stream: the label law is unchanged and
  // carries no information about the row's x.
  const bool independent = params.text("labels") == "independent";
  const auto labels_of = [&](const Matrix& X, const char* null_stream) {
    if (!independent) return forward_blocked(teacher, X, ctx.threads);
    const Matrix other = draw_inputs(law, X.rows(), d, root.substream(null_stream), ctx.threads);
    return forward_blocked(teacher, other, ctx.threads);
  };
  inst.train.X = draw_inputs(law, sizes.n_train, d, root.substream("train_inputs"), ctx.threads);
  inst.train.y = labels_of(inst.train.X, "train_null_inputs");
  add_noise(inst.train.y, sigma, root.substream("train_noise"));
  inst.test.X = draw_inputs(law, sizes.n_test, d, root.substream("test_inputs"), ctx.threads);
  Vector clean_test = labels_of(inst.test.X, "test_null_inputs");
  inst.test.y = clean_test;
  add_noise(inst.test.y, sigma, root.substream("test_noise"));

  inst.truth = Json{{"teacher", teacher.to_json()}, {"sigma", sigma}};
  // The width is a parameter of the problem, so publishing it reveals
  // nothing the user did not choose; it lets a proper learner train the
  // teacher's own width (sgd -l width=0).
  inst.task = Json{{kHiddenWidth.name, params.integer("width")}};
  inst.card = base_card(*this, params, seed, sizes);
  inst.card["teacher_parameters"] = teacher.num_parameters();
  inst.card["first_layer"] = first_layer_geometry(teacher.layers()[0].W);
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
  // A learner that reports recovered units (tensor's {"w", "b", "a"}) is also
  // scored on the parameters, after matching units and the w -> -w symmetry.
  if (teacher.depth() == 2 && fit.output.contains("w") && fit.output.contains("b") &&
      fit.output.contains("a")) {
    const Metrics params = units::parameter_error(teacher, fit.output);
    m.insert(params.begin(), params.end());
  }
  return m;
}

}  // namespace hardnets
