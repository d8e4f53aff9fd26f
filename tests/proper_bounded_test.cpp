// The `proper_bounded` learner: the net's size against its formula and a
// brute-force count, learning a planted ReLU on the sphere, the restricted
// search against exact optima (exact_relu at d = 2, the closed-form bounded
// optimum at d = 1), dimension reductions, the candidate budget, thread
// independence and bad input.
#include "hardnets/learners/proper_bounded.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/SVD>

#include "test_util.h"

#include "hardnets/core/rng.h"
#include "hardnets/problems/teacher.h"

namespace hardnets {
namespace {

using proper_bounded::BallLattice;
using testing::user_error;

const Learner& learner() {
  return learner_registry().get("proper_bounded");
}

Fit run(const Dataset& data, const std::vector<std::string>& args, int threads = 1) {
  LearnerContext ctx;
  ctx.seed = 7;
  ctx.threads = threads;
  return learner().fit(data, learner().spec().resolve(args), ctx);
}

// y = a* relu(w*·x) + N(0, σ²) with x uniform on the sphere.
Dataset planted(Eigen::Index n, const Vector& w, double a, double sigma, Seed seed) {
  Dataset data;
  data.X = draw_inputs("sphere", n, w.size(), Rng(seed, stream_id("proper_test.inputs")), 1);
  data.y = a * (data.X * w).cwiseMax(0.0);
  Rng noise(seed, stream_id("proper_test.noise"));
  for (Eigen::Index i = 0; i < n; ++i) data.y[i] += sigma * noise.normal();
  return data;
}

double mse(const Predictor& f, const Dataset& data) {
  return (f.predict(data.X) - data.y).squaredNorm() / static_cast<double>(data.size());
}

// #{z ∈ Z^dim : ‖z‖² <= q} by plain nested loops over the box.
std::uint64_t brute_count(int dim, std::int64_t q, std::vector<std::vector<std::int64_t>>* out) {
  const auto s = static_cast<std::int64_t>(std::floor(std::sqrt(static_cast<double>(q))));
  std::vector<std::int64_t> z(static_cast<std::size_t>(dim), -s);
  std::uint64_t count = 0;
  while (true) {
    std::int64_t norm2 = 0;
    for (auto v : z) norm2 += v * v;
    if (norm2 <= q) {
      ++count;
      if (out) out->push_back(z);
    }
    int t = dim - 1;
    while (t >= 0 && z[static_cast<std::size_t>(t)] == s) z[static_cast<std::size_t>(t--)] = -s;
    if (t < 0) return count;
    ++z[static_cast<std::size_t>(t)];
  }
}

// The lattice's counting and random access against nested loops (whose
// odometer order is the same lexicographic order).
TEST(ProperBounded, BallLatticeMatchesBruteForce) {
  for (int dim = 1; dim <= 4; ++dim) {
    for (std::int64_t q : {0, 1, 2, 5, 10, 17}) {
      std::vector<std::vector<std::int64_t>> points;
      const std::uint64_t expected = brute_count(dim, q, &points);
      const auto lattice = BallLattice::make(dim, q);
      ASSERT_TRUE(lattice.has_value());
      ASSERT_EQ(lattice->size(), expected) << "dim " << dim << " q " << q;
      for (std::uint64_t i = 0; i < expected; ++i) {
        ASSERT_EQ(lattice->point(i), points[i]) << "dim " << dim << " q " << q << " rank " << i;
      }
    }
  }
  EXPECT_EQ(BallLattice::make(2, 7)->size(), 21u);  // the 5x5 box without its corners (±2, ±2)
  EXPECT_FALSE(BallLattice::make(10, 100'000'000).has_value());  // too costly to count
}

// ε = √2/2, A = 1, d' = 2 (hand count): the grid step is h = ε/(A√2) = 1/2
// and the radius (1 + ε/2)/h = 2.707, so z ∈ Z² with ‖z‖² <= 7.33: the 5x5
// box minus its 4 corners (±2, ±2) = 21 points. The output grid for k = 1 has
// step ε/2 = 0.354 and ⌊1/0.354⌋ = 2: a ∈ {0, ±0.354, ±0.707}, 5 values; for
// k = 2 the step is ε/4 and ⌊1/0.177⌋ = 5: 2·5² + 2·5 + 1 = 61 vectors.
TEST(ProperBounded, NetPointsEqualTheFormula) {
  Vector w(2);
  w << 0.6, 0.8;
  const Dataset data = planted(300, w, 1.0, 0.1, 1);
  const std::string eps = "epsilon=" + fmt::format("{:.17g}", std::sqrt(0.5));
  const Fit one = run(data, {eps, "val_fraction=0"});
  ASSERT_EQ(one.status, Outcome::ok) << one.message;
  EXPECT_EQ(one.stats.at("dim"), 2.0);
  EXPECT_EQ(one.stats.at("ball_points"), 21.0);
  EXPECT_EQ(one.stats.at("output_points"), 5.0);
  EXPECT_EQ(one.stats.at("net_points"), 21.0 * 5.0);
  EXPECT_NEAR(one.stats.at("net_theory"), std::pow(6.0 / std::sqrt(0.5), 2), 1e-9);
  const Fit two = run(data, {eps, "val_fraction=0", "k=2"});
  ASSERT_EQ(two.status, Outcome::ok) << two.message;
  EXPECT_EQ(two.stats.at("output_points"), 61.0);
  EXPECT_EQ(two.stats.at("net_points"), 21.0 * 20.0 / 2.0 * 61.0);

  // The general formula binom(N, k)·|output grid| with N counted by brute
  // force, for a few ε, A, k at d' = 3.
  Vector w3(3);
  w3 << 0.6, 0.0, 0.8;
  const Dataset data3 = planted(200, w3, 1.0, 0.1, 2);
  for (const auto& [e, A, k] : std::vector<std::tuple<double, double, int>>{
           {0.7, 1.0, 1}, {0.45, 2.0, 1}, {1.1, 1.5, 2}, {1.6, 1.0, 3}}) {
    const double h = e / (A * std::sqrt(3.0));
    const double radius = (1.0 + e / (2.0 * A)) / h;
    const auto q = static_cast<std::int64_t>(std::floor(radius * radius));
    const auto N = static_cast<double>(brute_count(3, q, nullptr));
    const auto M = static_cast<std::int64_t>(std::floor(A / (e / (2.0 * k))));
    double outputs = 0;
    // #{u ∈ Z^k : Σ|u_j| <= M} by nested loops.
    for (std::int64_t u1 = -M; u1 <= M; ++u1) {
      for (std::int64_t u2 = (k >= 2 ? -M : 0); u2 <= (k >= 2 ? M : 0); ++u2) {
        for (std::int64_t u3 = (k >= 3 ? -M : 0); u3 <= (k >= 3 ? M : 0); ++u3) {
          outputs += std::abs(u1) + std::abs(u2) + std::abs(u3) <= M;
        }
      }
    }
    double tuples = 1;
    for (int i = 0; i < k; ++i) tuples = tuples * (N - i) / (i + 1);
    const Fit fit = run(data3, {fmt::format("epsilon={}", e), fmt::format("output_bound={}", A),
                                fmt::format("k={}", k), "val_fraction=0"});
    ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
    EXPECT_EQ(fit.stats.at("ball_points"), N) << e << " " << A << " " << k;
    EXPECT_EQ(fit.stats.at("output_points"), outputs) << e << " " << A << " " << k;
    EXPECT_EQ(fit.stats.at("net_points"), tuples * outputs) << e << " " << A << " " << k;
    EXPECT_NEAR(fit.stats.at("net_theory"), std::pow(6.0 * A / e, 3),
                1e-9 * std::pow(6 * A / e, 3));
  }
}

// Realizable, x uniform on S^2, ‖w*‖ = 1, a* = 1, ε = 0.25. Some candidate is
// within ε of f* everywhere on the ball (sup-norm bound ε·R, R = 1), so its
// loss on any sample is at most ε² = 0.0625: that is the tolerance on the
// validation and test losses (docs/learners.md, `proper_bounded`). The
// measured losses are about 7e-4 (the net is much finer than the worst case
// in the directions that matter); predicting 0 costs E f*² = 1/6, and a
// wrong lift or sign costs more, so the test separates.
TEST(ProperBounded, LearnsAPlantedReluOnTheSphereToEpsilon) {
  Vector w(3);
  w << 2.0, -1.0, 2.0;
  w /= 3.0;
  const Dataset train = planted(2000, w, 1.0, 0.0, 3);
  const Dataset test = planted(2000, w, 1.0, 0.0, 4);
  const double eps = 0.25;
  const Fit fit = run(train, {"epsilon=0.25"});
  ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
  EXPECT_LE(fit.stats.at("val_loss"), eps * eps);
  EXPECT_LE(mse(*fit.predictor, test), eps * eps);
  // The unit found points along w*.
  Vector got(3);
  for (int j = 0; j < 3; ++j) got[j] = fit.output["units"][0]["w"][j].get<double>();
  const double a = fit.output["units"][0]["a"].get<double>();
  EXPECT_GT(a, 0.0);
  EXPECT_GT(got.dot(w) / got.norm(), 0.95);
}

// Tiny m: exact_relu over homogeneous units without output bias solves the
// same class without the norm bounds, so its optimum OPT is a lower bound for
// the restricted search, and equals the bounded optimum when its network
// satisfies them (checked: a·relu(θ·x) is in the class iff |a|·‖θ‖ <= A).
// Then √L_net <= √OPT + ε·R (R = max ‖x_i‖ = 1): the net's resolution.
TEST(ProperBounded, TinySampleVersusExactRelu) {
  const Learner& exact = learner_registry().get("exact_relu");
  Vector w(2);
  w << 0.48, -0.64;  // ‖w*‖ = 0.8
  for (double sigma : {0.0, 0.1}) {
    const Dataset data = planted(12, w, 1.0, sigma, 5);
    LearnerContext ctx;
    const Fit best = exact.fit(data,
                               exact.spec().resolve(std::vector<std::string>{
                                   "k=1", "output_bias=false", "unit_bias=false"}),
                               ctx);
    const double opt = best.stats.at("opt_loss") / 12.0;
    const auto& unit = best.output["units"][0];
    const double theta_norm = std::hypot(unit["w"][0].get<double>(), unit["w"][1].get<double>());
    ASSERT_LE(theta_norm, 1.0) << "the exact optimum must lie in the bounded class (A = 1)";
    ASSERT_EQ(unit["sign"].get<int>(), 1);
    if (sigma == 0.0) {
      EXPECT_LT(opt, 1e-20);  // realizable
    }
    for (double eps : {0.4, 0.2, 0.1, 0.05}) {
      const Fit fit = run(data, {fmt::format("epsilon={}", eps), "val_fraction=0"});
      ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
      const double loss = fit.stats.at("train_loss");
      EXPECT_NEAR(loss, mse(*fit.predictor, data), 1e-12);  // the lifted network
      EXPECT_GE(loss, opt - 1e-12) << "sigma " << sigma << " eps " << eps;
      EXPECT_LE(std::sqrt(loss), std::sqrt(opt) + eps * 1.0 + 1e-12)
          << "sigma " << sigma << " eps " << eps;
    }
    // search=exact is that same exact_relu run, in the reduced (here: the
    // same, full-rank) space.
    const Fit ex = run(data, {"search=exact", "val_fraction=0"});
    EXPECT_NEAR(ex.stats.at("train_loss"), mse(*ex.predictor, data), 1e-12);
    EXPECT_NEAR(ex.stats.at("train_loss"), opt, 1e-12);
  }
}

// At d = 1 the class a·relu(w x), |w| <= 1, |a| <= A is {c·relu(s x) : s = ±1,
// |c| <= A}, whose optimum is closed-form: c = clip(zᵀy / zᵀz, -A, A) with
// z = relu(s x). The search is >= it and within the resolution bound.
TEST(ProperBounded, OneDimensionAgainstTheClosedFormBoundedOptimum) {
  Dataset data;
  data.X.resize(30, 1);
  data.y.resize(30);
  Rng rng(11, stream_id("proper_test.d1"));
  for (int i = 0; i < 30; ++i) {
    data.X(i, 0) = rng.uniform(-1.0, 1.0);
    data.y[i] = 1.7 * std::max(0.0, -data.X(i, 0)) + 0.3 * rng.normal();
  }
  // Binding (the unconstrained slope is about 1.7) and off the output grids
  // of the ε below, so the bound is approached, not met exactly.
  const double A = 1.234;
  double opt = std::numeric_limits<double>::infinity();
  for (double s : {1.0, -1.0}) {
    const Vector z = (s * data.X.col(0)).cwiseMax(0.0);
    const double c = std::clamp(z.dot(data.y) / z.squaredNorm(), -A, A);
    opt = std::min(opt, (c * z - data.y).squaredNorm() / 30.0);
  }
  const double R = data.X.cwiseAbs().maxCoeff();
  for (double eps : {0.5, 0.1, 0.02}) {
    const Fit fit =
        run(data, {fmt::format("epsilon={}", eps), "output_bound=1.234", "val_fraction=0"});
    ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
    const double loss = fit.stats.at("train_loss");
    EXPECT_GE(loss, opt - 1e-12) << eps;
    EXPECT_LE(std::sqrt(loss), std::sqrt(opt) + eps * R + 1e-12) << eps;
    if (eps <= 0.1) {
      EXPECT_GT(loss, opt) << "the bounded optimum is not on this net";
    }
  }
}

TEST(ProperBounded, SpanReductionIsExactAndJlUsesTheTargetDimension) {
  // d = 10 > m = 6: span has rank 6 and the lifted network reproduces the
  // reduced one's loss on the training points.
  Vector w = Vector::Zero(10);
  w[0] = 0.6;
  w[3] = -0.8;
  const Dataset small = planted(6, w, 1.0, 0.0, 6);
  const Fit span = run(small, {"epsilon=1.5", "val_fraction=0"});
  EXPECT_EQ(span.stats.at("dim"), 6.0);
  EXPECT_NEAR(span.stats.at("train_loss"), mse(*span.predictor, small), 1e-12);
  // The lifted weights lie in the span of the inputs: orthogonal to its complement.
  Vector got(10);
  for (int j = 0; j < 10; ++j) got[j] = span.output["units"][0]["w"][j].get<double>();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(small.X, Eigen::ComputeFullV);
  EXPECT_LT((svd.matrixV().rightCols(4).transpose() * got).norm(), 1e-10);
  // jl: d' = dim, and the lifted network's predictions equal the reduced ones.
  const Dataset big = planted(500, w, 1.0, 0.0, 7);
  const Fit jl = run(big, {"reduce=jl", "dim=3", "epsilon=0.5", "val_fraction=0"});
  EXPECT_EQ(jl.stats.at("dim"), 3.0);
  EXPECT_NEAR(jl.stats.at("train_loss"), mse(*jl.predictor, big), 1e-12);
  EXPECT_EQ(jl.output["units"][0]["w_reduced"].size(), 3u);
}

// A budget below the net's size: the finest coarser net that fits is searched
// completely, with status timeout and a message.
TEST(ProperBounded, BudgetCoarsensTheNetWithStatusTimeout) {
  Vector w(3);
  w << 0.0, 0.6, 0.8;
  const Dataset data = planted(500, w, 1.0, 0.05, 8);
  const Fit full = run(data, {"epsilon=0.2"});
  ASSERT_EQ(full.status, Outcome::ok);
  const double total = full.stats.at("net_points");
  const Fit cut =
      run(data,
          {"epsilon=0.2", fmt::format("max_candidates={}", static_cast<std::int64_t>(total / 10))});
  EXPECT_EQ(cut.status, Outcome::time_limit);
  EXPECT_CONTAINS(cut.message, "max_candidates");
  EXPECT_GT(cut.stats.at("epsilon_searched"), 0.2);
  EXPECT_LE(cut.stats.at("net_points"), std::floor(total / 10));
  EXPECT_EQ(cut.stats.at("net_points"), cut.stats.at("candidates"));
  EXPECT_EQ(cut.stats.at("time_limited"), 1.0);
  ASSERT_NE(cut.predictor, nullptr);
  EXPECT_LT(mse(*cut.predictor, data), 0.05);  // still a sensible network
}

// The time limit is read between rounds of 64 blocks of 256 ball points: a
// net of 25,000 points has two rounds, and a zero limit stops after the first.
TEST(ProperBounded, TimeLimitStopsWithTheBestSoFar) {
  Vector w(3);
  w << 0.0, 0.6, 0.8;
  const Dataset data = planted(300, w, 1.0, 0.05, 10);
  LearnerContext ctx;
  ctx.time_limit_seconds = 0.0;
  const Fit fit =
      learner().fit(data, learner().spec().resolve(std::vector<std::string>{"epsilon=0.1"}), ctx);
  ASSERT_GT(fit.stats.at("ball_points"), 64.0 * 256);  // more than one round
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_CONTAINS(fit.message, "time limit");
  EXPECT_EQ(fit.stats.at("net_points"), 64.0 * 256 * fit.stats.at("output_points"));
  EXPECT_LT(fit.stats.at("net_points"), fit.stats.at("candidates"));
  ASSERT_NE(fit.predictor, nullptr);
}

TEST(ProperBounded, ResultsDoNotDependOnThreads) {
  Vector w(3);
  w << 0.6, 0.0, -0.8;
  const Dataset data = planted(400, w, 0.9, 0.2, 9);
  for (const char* k : {"k=1", "k=2"}) {
    const std::vector<std::string> args{k, "epsilon=0.6", "shortlist=5"};
    const Fit one = run(data, args, 1);
    for (int threads : {2, 3}) {
      const Fit many = run(data, args, threads);
      EXPECT_EQ(one.output, many.output) << k << " " << threads;
      EXPECT_EQ(one.stats, many.stats) << k << " " << threads;
    }
  }
}

TEST(ProperBounded, BadInputGivesClearErrors) {
  Dataset empty;
  empty.X.resize(0, 2);
  EXPECT_CONTAINS(user_error([&] { run(empty, {}); }), "proper_bounded: the training set is empty");
  Dataset data;
  data.X = Matrix::Ones(4, 2) * 0.5;
  data.y = Vector::Ones(2);
  EXPECT_CONTAINS(user_error([&] { run(data, {}); }), "4 input rows but 2 labels");
  data.y = Vector::Ones(4);
  data.X(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_CONTAINS(user_error([&] { run(data, {}); }), "NaN");
  data.X(0, 0) = 0.5;
  EXPECT_CONTAINS(user_error([&] { run(data, {"k=4"}); }), "k");
  EXPECT_CONTAINS(user_error([&] { run(data, {"epsilon=0"}); }), "epsilon");
  // A net with fewer points than units.
  EXPECT_CONTAINS(user_error([&] { run(data, {"k=2", "epsilon=100"}); }), "lower epsilon");
}

}  // namespace
}  // namespace hardnets
