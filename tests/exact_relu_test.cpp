// The exact_relu learner against independent oracles: a dense grid over the
// direction of (w, b) at d = 1, multi-start sgd, planted realizable data,
// Cover's count, brute force over all 2^n sign patterns (l1, linf), thread
// independence, budgets and bad input.
#include "hardnets/learners/exact_relu.h"

#include <cmath>
#include <numbers>
#include <set>
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

using exact_relu::Loss;
using hardnets::testing::user_error;

const Learner& exact() {
  return learner_registry().get("exact_relu");
}

Fit run(const Dataset& data, const std::vector<std::string>& args, int threads = 1) {
  LearnerContext ctx;
  ctx.threads = threads;
  return exact().fit(data, exact().spec().resolve(args), ctx);
}

Dataset random_data(Eigen::Index n, Eigen::Index d, Seed seed) {
  Dataset data;
  data.X.resize(n, d);
  data.y.resize(n);
  Rng rng(seed, stream_id("exact_relu_test.data"));
  rng.fill_normal({data.X.data(), static_cast<std::size_t>(data.X.size())});
  rng.fill_normal({data.y.data(), static_cast<std::size_t>(data.y.size())});
  return data;
}

// Labels of a random network Σ_j a_j relu(w_j·x + b_j) (+ c).
Dataset planted(Eigen::Index n, int d, int k, Seed seed) {
  Dataset data = random_data(n, d, seed);
  ReluNet net({d, k, 1});
  Rng rng(seed, stream_id("exact_relu_test.teacher"));
  Eigen::VectorXd theta(net.num_parameters());
  rng.fill_normal({theta.data(), static_cast<std::size_t>(theta.size())});
  net.set_flat(theta);
  data.y = net.forward(data.X);
  return data;
}

// Best square loss over a grid of directions (w, b) = (cos φ, sin φ) at d = 1,
// with the output weight a (and bias c) solved exactly: positive homogeneity
// makes the direction the only nonlinear parameter.
double grid_square(const Dataset& data, bool bias, int steps) {
  double best = 1e300;
  const Eigen::Index n = data.size();
  for (int s = 0; s < steps; ++s) {
    const double phi = 2 * std::numbers::pi * s / steps;
    const Eigen::VectorXd h =
        (std::cos(phi) * data.X.col(0).array() + std::sin(phi)).max(0.0).matrix();
    double loss;
    if (bias) {
      const double hm = h.mean(), ym = data.y.mean();
      const Eigen::VectorXd hc = h.array() - hm, yc = data.y.array() - ym;
      const double hh = hc.squaredNorm();
      const double a = hh > 0 ? hc.dot(yc) / hh : 0.0;
      loss = (yc - a * hc).squaredNorm();
    } else {
      const double hh = h.squaredNorm();
      const double a = hh > 0 ? h.dot(data.y) / hh : 0.0;
      loss = (data.y - a * h).squaredNorm();
    }
    best = std::min(best, loss);
    (void)n;
  }
  return best;
}

TEST(ExactRelu, CoverCountFormula) {
  // Σ_{i<d+1} 2·C(n−1, i), the number of sign patterns of n points in general
  // position in R^d cut by hyperplanes through the origin (Cover 1965).
  EXPECT_EQ(exact_relu::cover_count(10, 1), 20);
  EXPECT_EQ(exact_relu::cover_count(10, 2), 92);
  EXPECT_EQ(exact_relu::cover_count(20, 3), 2320);
  EXPECT_EQ(exact_relu::cover_count(50, 3), 39300);
  EXPECT_EQ(exact_relu::cover_count(200, 2), 39802);
  EXPECT_EQ(exact_relu::cover_count(3, 5), 8);  // all 2^n patterns when n <= d + 1
}

TEST(ExactRelu, PatternCountEqualsCoverInGeneralPosition) {
  for (const int d : {1, 2, 3}) {
    for (const int n : {2, 5, 12, 30}) {
      const Dataset data = random_data(n, d, 100 * d + n);
      const auto one = exact_relu::enumerate_patterns(data.X, 1);
      EXPECT_TRUE(one.complete);
      EXPECT_EQ(static_cast<double>(one.patterns.size()), exact_relu::cover_count(n, d))
          << "d=" << d << " n=" << n;
      const auto two = exact_relu::enumerate_patterns(data.X, 2);
      EXPECT_EQ(one.patterns.bits, two.patterns.bits) << "order must not depend on threads";
    }
  }
}

// Degenerate data (duplicates, a 3x3 integer grid with collinear triples, a
// line in R^2): the enumerated patterns equal those hit by 200000 random
// directions θ (cells of these arrangements are wide: each is hit).
TEST(ExactRelu, PatternsOfDegenerateDataMatchRandomDirections) {
  std::vector<Matrix> cases;
  Matrix dup(6, 1);
  dup << 0, 0, 1, 1, 2, 2;
  cases.push_back(dup);
  Matrix grid(9, 2);
  for (int i = 0; i < 9; ++i) grid.row(i) << i % 3, i / 3;
  cases.push_back(grid);
  Matrix line(5, 2);
  for (int i = 0; i < 5; ++i) line.row(i) << i, 2 * i + 1;
  cases.push_back(line);
  Matrix cube(9, 3);
  for (int i = 0; i < 8; ++i) cube.row(i) << i % 2, (i / 2) % 2, i / 4;
  cube.row(8) << 0.5, 0.5, 0.5;
  cases.push_back(cube);
  for (const Matrix& X : cases) {
    const auto en = exact_relu::enumerate_patterns(X, 2);
    std::set<std::string> found;
    for (std::size_t p = 0; p < en.patterns.size(); ++p) {
      std::string s;
      for (int i = 0; i < X.rows(); ++i) s += en.patterns.active(p, i) ? '1' : '0';
      found.insert(s);
    }
    EXPECT_EQ(found.size(), en.patterns.size()) << "duplicates";
    std::set<std::string> sampled;
    Rng rng(7, stream_id("exact_relu_test.directions"));
    Eigen::VectorXd theta(X.cols() + 1);
    for (int t = 0; t < 200000; ++t) {
      rng.fill_normal({theta.data(), static_cast<std::size_t>(theta.size())});
      std::string s;
      for (int i = 0; i < X.rows(); ++i) {
        s += X.row(i).dot(theta.head(X.cols())) + theta[X.cols()] > 0 ? '1' : '0';
      }
      sampled.insert(s);
    }
    EXPECT_EQ(found, sampled) << "X =\n" << X;
  }
}

// Homogeneous units (unit_bias = false): n central hyperplanes in general
// position in R^d have 2 Σ_{i<d} binom(n-1, i) cells (Cover's count for d-1).
TEST(ExactRelu, HomogeneousPatternCountEqualsCentralCover) {
  for (const int d : {2, 3, 4}) {
    for (const int n : {3, 7, 15}) {
      const Dataset data = random_data(n, d, 300 * d + n);
      const auto en = exact_relu::enumerate_patterns(data.X, 2, 1e300, INT64_MAX, false);
      EXPECT_TRUE(en.complete);
      EXPECT_EQ(static_cast<double>(en.patterns.size()), exact_relu::cover_count(n, d - 1))
          << "d=" << d << " n=" << n;
    }
  }
}

// Antipodal pairs ±x (one hyperplane each), a zero row and collinear rows:
// the central cells equal those hit by random directions w (no bias).
TEST(ExactRelu, HomogeneousPatternsOfDegenerateDataMatchRandomDirections) {
  Matrix X(9, 3);
  X << 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 1, 1, 1, -1, -1, -1, 0, 0, 0;
  const auto en = exact_relu::enumerate_patterns(X, 1, 1e300, INT64_MAX, false);
  std::set<std::string> found, sampled;
  for (std::size_t p = 0; p < en.patterns.size(); ++p) {
    std::string s;
    for (int i = 0; i < X.rows(); ++i) s += en.patterns.active(p, i) ? '1' : '0';
    found.insert(s);
  }
  EXPECT_EQ(found.size(), en.patterns.size()) << "duplicates";
  Rng rng(8, stream_id("exact_relu_test.directions"));
  Eigen::VectorXd w(3);
  for (int t = 0; t < 100000; ++t) {
    rng.fill_normal({w.data(), 3});
    std::string s;
    for (int i = 0; i < X.rows(); ++i) s += X.row(i).dot(w) > 0 ? '1' : '0';
    sampled.insert(s);
  }
  EXPECT_EQ(found, sampled);
  // Rank 1: a line through the origin has two half-lines.
  Matrix line(3, 2);
  line << 1, 2, -2, -4, 0.5, 1;
  const auto two = exact_relu::enumerate_patterns(line, 1, 1e300, INT64_MAX, false);
  ASSERT_EQ(two.patterns.size(), 2U);
  EXPECT_NE(two.patterns.active(0, 0), two.patterns.active(1, 0));
  EXPECT_EQ(two.patterns.active(0, 0), two.patterns.active(0, 2));
  EXPECT_NE(two.patterns.active(0, 0), two.patterns.active(0, 1));
}

// A unit bias is a homogeneous unit on (x, 1): the two classes must give the
// same optimum (k = 1, 2; square and l1 losses).
TEST(ExactRelu, HomogeneousOnLiftedDataEqualsAffine) {
  for (const int k : {1, 2}) {
    for (const std::string loss : {"square", "l1"}) {
      const Dataset data = random_data(7, 2, 40 + k);
      Dataset lifted = data;
      lifted.X = exact_relu::lift_inputs(data.X, true);
      const Fit affine = run(data, {"k=" + std::to_string(k), "loss=" + loss});
      const Fit central =
          run(lifted, {"k=" + std::to_string(k), "loss=" + loss, "unit_bias=false"});
      EXPECT_NEAR(affine.stats.at(metric::kOptLoss), central.stats.at(metric::kOptLoss),
                  1e-8 * (1 + affine.stats.at(metric::kOptLoss)))
          << "k=" << k << " loss=" << loss;
    }
  }
}

// Homogeneous single ReLU a[w·x]_+ at d = 2 against a dense grid over the
// direction of w (a solved exactly, both signs): exact <= grid <= exact + tol.
TEST(ExactRelu, HomogeneousMatchesDenseGridAtD2) {
  for (const Seed seed : {1, 2, 3}) {
    Dataset data = random_data(25, 2, 500 + seed);
    data.X.row(3).setZero();  // a zero input: every unit outputs 0 there
    const Fit fit = run(data, {"unit_bias=false", "output_bias=false"});
    const double exact_loss = fit.stats.at(metric::kOptLoss);
    double best = 1e300;
    const int steps = 200000;
    for (int s = 0; s < steps; ++s) {
      const double phi = 2 * std::numbers::pi * s / steps;
      const Eigen::VectorXd h =
          (std::cos(phi) * data.X.col(0).array() + std::sin(phi) * data.X.col(1).array())
              .max(0.0)
              .matrix();
      const double hh = h.squaredNorm();
      const double a = hh > 0 ? h.dot(data.y) / hh : 0.0;
      best = std::min(best, (data.y - a * h).squaredNorm());
    }
    // The grid step 3e-5 rad moves a loss of O(n) by O(1e-3) at most.
    EXPECT_LE(exact_loss, best + 1e-9) << "seed " << seed;
    EXPECT_NEAR(exact_loss, best, 1e-3) << "seed " << seed;
    const auto net = exact_relu::network_loss(data.X, data.y, {}, 0.0, Loss::kSquare, false);
    EXPECT_NEAR(net, data.y.squaredNorm(), 1e-12);
    // The reported network has no biases.
    for (const auto& unit : fit.output.at("units")) EXPECT_EQ(unit.at("b").get<double>(), 0.0);
  }
}

// A pitfall of pattern enumeration: unconstrained per-pattern least squares gives
// 1.0 here; the true optimum of a[wx + b]_+ (no output bias) is 2.0.
TEST(ExactRelu, SignConstraintsMatterOnThePitfallExample) {
  Dataset data;
  data.X.resize(3, 1);
  data.X << -1, 0, 1;
  data.y.resize(3);
  data.y << 1, -1, 1;
  const Fit fit = run(data, {"output_bias=false"});
  EXPECT_NEAR(fit.stats.at(metric::kOptLoss), 2.0, 1e-12);
  EXPECT_NEAR(fit.stats.at(metric::kTrainLoss), 2.0 / 3, 1e-12);
}

// Equal to a grid of 200000 directions to the grid's resolution (loss change
// per step is O(step) ~ 3e-5·scale: 1e-3 allowed), and never beaten by it by
// more than 1e-9.
TEST(ExactRelu, MatchesDenseGridAtD1) {
  for (Seed seed = 1; seed <= 20; ++seed) {
    for (const bool bias : {true, false}) {
      const Dataset data = random_data(3 + static_cast<Eigen::Index>(seed % 6), 1, seed);
      const Fit fit = run(data, {bias ? "output_bias=true" : "output_bias=false"});
      const double opt = fit.stats.at(metric::kOptLoss);
      const double grid = grid_square(data, bias, 200000);
      EXPECT_GE(grid, opt - 1e-9) << "seed " << seed << " bias " << bias;
      EXPECT_LE(grid, opt + 1e-3) << "seed " << seed << " bias " << bias;
      // The returned network achieves opt_loss.
      const Vector r = fit.predictor->predict(data.X) - data.y;
      EXPECT_NEAR(r.squaredNorm(), opt, 1e-12 * (1 + opt));
      EXPECT_LT(fit.stats.at("kkt_residual"), 1e-8);
    }
  }
}

TEST(ExactRelu, NeverBeatenByMultiStartSgd) {
  const Learner& sgd = learner_registry().get("sgd");
  for (const int k : {1, 2}) {
    const Dataset data = random_data(10, 2, 40 + k);
    const double opt = run(data, {fmt::format("k={}", k)}, 2).stats.at(metric::kOptLoss);
    for (Seed start = 0; start < 4; ++start) {
      LearnerContext ctx;
      ctx.seed = start;
      const Fit fit = sgd.fit(data,
                              sgd.spec().resolve(std::vector<std::string>{
                                  "depth=2", fmt::format("width={}", k), "epochs=400", "batch=10",
                                  "lr=0.01", "val_fraction=0", "patience=0", "precision=double"}),
                              ctx);
      // sgd's network is a member of the class: its summed loss is >= OPT.
      const Vector r = fit.predictor->predict(data.X) - data.y;
      EXPECT_GE(r.squaredNorm(), opt - 1e-9) << "k=" << k << " start " << start;
    }
  }
}

TEST(ExactRelu, TwoUnitsNeverWorseThanOne) {
  for (Seed seed = 1; seed <= 4; ++seed) {
    for (const int d : {1, 2}) {
      const Dataset data = random_data(d == 1 ? 14 : 8, d, seed);
      for (const char* loss : {"loss=square", "loss=l1"}) {
        const double one = run(data, {"k=1", loss}).stats.at(metric::kOptLoss);
        const double two = run(data, {"k=2", loss}).stats.at(metric::kOptLoss);
        EXPECT_LE(two, one + 1e-9) << "seed " << seed << " d " << d << " " << loss;
      }
    }
  }
}

TEST(ExactRelu, PlantedRealizableDataHaveZeroLoss) {
  for (Seed seed = 1; seed <= 5; ++seed) {
    const Dataset one = planted(25, 2, 1, seed);
    const Fit f1 = run(one, {"k=1"});
    EXPECT_LE(f1.stats.at(metric::kOptLoss), 1e-9) << seed;
    EXPECT_LT(f1.stats.at("kkt_residual"), 1e-8);
    const Dataset two = planted(12, seed % 2 ? 1 : 2, 2, seed);
    const Fit f2 = run(two, {"k=2"}, 2);
    EXPECT_LE(f2.stats.at(metric::kOptLoss), 1e-9) << seed;
    // l1 and linf are zero as well (LP tolerance).
    EXPECT_LE(run(one, {"k=1", "loss=l1"}).stats.at(metric::kOptLoss), 1e-7);
    EXPECT_LE(run(one, {"k=1", "loss=linf"}).stats.at(metric::kOptLoss), 1e-8);
  }
}

// All 2^n activation sets (realizable or not: a closed "cell" of an
// unrealizable set is a face of real cells, so its optimum is still achieved
// by a network) and both signs: the minimum equals the enumerated optimum.
double brute_force(const Dataset& data, int k, Loss loss, bool bias) {
  const int n = static_cast<int>(data.size());
  std::vector<exact_relu::Unit> items;
  for (int mask = 0; mask < (1 << n); ++mask) {
    for (const int sign : {1, -1}) {
      exact_relu::Unit u;
      u.pattern = {static_cast<std::uint64_t>(mask)};
      u.sign = sign;
      items.push_back(u);
    }
  }
  double best = 1e300;
  if (k == 1) {
    for (const auto& it : items) {
      best = std::min(best, exact_relu::solve_cell(data.X, data.y, {it}, loss, bias).loss);
    }
  } else {
    for (std::size_t a = 0; a < items.size(); ++a) {
      for (std::size_t b = a + 1; b < items.size(); ++b) {
        best = std::min(
            best, exact_relu::solve_cell(data.X, data.y, {items[a], items[b]}, loss, bias).loss);
      }
    }
  }
  return best;
}

TEST(ExactRelu, LpLossesAgreeWithBruteForceOverAllPatterns) {
  // Clp solves to ~1e-10: agreement to 1e-7 relative.
  for (Seed seed = 1; seed <= 3; ++seed) {
    for (const int d : {1, 2}) {
      const Dataset data = random_data(6, d, 10 * seed + d);
      for (const auto& [name, loss] :
           {std::pair{"l1", Loss::kL1}, std::pair{"linf", Loss::kLinf}}) {
        for (const bool bias : {true, false}) {
          const double opt = run(data, {fmt::format("loss={}", name),
                                        bias ? "output_bias=true" : "output_bias=false"})
                                 .stats.at(metric::kOptLoss);
          const double brute = brute_force(data, 1, loss, bias);
          EXPECT_NEAR(opt, brute, 1e-7 * (1 + brute)) << name << " d " << d << " seed " << seed;
        }
      }
    }
  }
  const Dataset small = random_data(4, 1, 99);
  for (const auto& [name, loss] : {std::pair{"l1", Loss::kL1}, std::pair{"linf", Loss::kLinf},
                                   std::pair{"square", Loss::kSquare}}) {
    const double opt = run(small, {"k=2", fmt::format("loss={}", name)}).stats.at(metric::kOptLoss);
    const double brute = brute_force(small, 2, loss, true);
    EXPECT_NEAR(opt, brute, 1e-7 * (1 + brute)) << name << " k=2";
  }
}

TEST(ExactRelu, SquareLossAgreesWithBruteForceOverAllPatterns) {
  for (Seed seed = 1; seed <= 4; ++seed) {
    const Dataset data = random_data(7, 2, 50 + seed);
    const double opt = run(data, {}).stats.at(metric::kOptLoss);
    EXPECT_NEAR(opt, brute_force(data, 1, Loss::kSquare, true), 1e-9 * (1 + opt));
  }
}

TEST(ExactRelu, ResultIndependentOfThreads) {
  const Dataset data = random_data(40, 2, 5);
  for (const char* k : {"k=1", "k=2"}) {
    const Dataset& d = std::string(k) == "k=1" ? data : random_data(14, 2, 6);
    const Fit a = run(d, {k}, 1), b = run(d, {k}, 2), c = run(d, {k}, 3);
    EXPECT_EQ(a.output.dump(), b.output.dump());
    EXPECT_EQ(a.output.dump(), c.output.dump());
    EXPECT_EQ(a.stats, b.stats);
    EXPECT_EQ(a.stats, c.stats);
  }
}

// l1/linf programs are warm-started LPs (one Clp model per block) pruned by a
// bound from the labels: the result and the statistics still do not depend
// on the thread count, and the search equals a cold solve of every program.
TEST(ExactRelu, LpResultIndependentOfThreadsAndEqualsColdSolves) {
  for (const char* loss : {"loss=l1", "loss=linf"}) {
    for (const char* k : {"k=1", "k=2"}) {
      const bool one = std::string(k) == "k=1";
      const Dataset d = one ? random_data(24, 2, 5) : random_data(8, 2, 6);
      for (const char* bias : {"output_bias=true", "output_bias=false"}) {
        const Fit a = run(d, {k, loss, bias}, 1), b = run(d, {k, loss, bias}, 2),
                  c = run(d, {k, loss, bias}, 3);
        EXPECT_EQ(a.output.dump(), b.output.dump()) << loss << " " << k << " " << bias;
        EXPECT_EQ(a.output.dump(), c.output.dump()) << loss << " " << k << " " << bias;
        EXPECT_EQ(a.stats, b.stats);
        EXPECT_EQ(a.stats, c.stats);
        EXPECT_LE(a.stats.at("cells_solved"), a.stats.at("programs"));
        if (!one) continue;
        // Every (pattern, sign) program solved cold from scratch.
        const Loss l = std::string(loss) == "loss=l1" ? Loss::kL1 : Loss::kLinf;
        const bool with_bias = std::string(bias) == "output_bias=true";
        const auto en = exact_relu::enumerate_patterns(d.X, 1);
        double cold = 1e300;
        for (std::size_t p = 0; p < en.patterns.size(); ++p) {
          for (const int sign : {1, -1}) {
            exact_relu::Unit u;
            u.pattern.assign(en.patterns[p], en.patterns[p] + en.patterns.words);
            u.sign = sign;
            cold = std::min(cold, exact_relu::solve_cell(d.X, d.y, {u}, l, with_bias).loss);
          }
        }
        EXPECT_NEAR(a.stats.at(metric::kOptLoss), cold, 1e-7 * (1 + cold)) << loss << " " << bias;
      }
    }
  }
}

TEST(ExactRelu, OutputDescribesTheNetworkAndPattern) {
  const Dataset data = random_data(9, 2, 8);
  const Fit fit = run(data, {"k=2"});
  EXPECT_EQ(fit.status, Outcome::ok);
  const ReluNet net = ReluNet::from_json(fit.output["network"]);
  EXPECT_EQ(net.sizes(), (std::vector<int>{2, 2, 1}));
  EXPECT_EQ(fit.output["units"].size(), 2u);
  EXPECT_EQ(fit.stats.at("patterns"), fit.stats.at("cover_count"));
  for (const auto& unit : fit.output["units"]) {
    if (!unit.contains("pattern")) continue;
    const std::string pattern = unit["pattern"];
    ASSERT_EQ(pattern.size(), 9u);
    // The unit's activation on the data agrees with its pattern (closed cell:
    // points on the boundary have activation 0 either way).
    std::vector<double> w = unit["w"];
    const double b = unit["b"];
    for (int i = 0; i < 9; ++i) {
      const double z = w[0] * data.X(i, 0) + w[1] * data.X(i, 1) + b;
      if (pattern[static_cast<std::size_t>(i)] == '1') {
        EXPECT_GE(z, -1e-9);
      } else {
        EXPECT_LE(z, 1e-9);
      }
    }
  }
}

TEST(ExactRelu, BudgetsGiveTimeoutWithBestSoFar) {
  const Dataset data = random_data(30, 2, 3);
  const Fit fit = run(data, {"max_patterns=50"});
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_EQ(fit.stats.at("time_limited"), 1.0);
  const Vector r = fit.predictor->predict(data.X) - data.y;
  EXPECT_NEAR(r.squaredNorm(), fit.stats.at(metric::kOptLoss), 1e-12);
  EXPECT_LE(fit.stats.at(metric::kOptLoss),
            (data.y.array() - data.y.mean()).matrix().squaredNorm());
  LearnerContext ctx;
  ctx.time_limit_seconds = 0.0;
  const Fit timed = exact().fit(data, exact().spec().defaults(), ctx);
  EXPECT_EQ(timed.status, Outcome::time_limit);
  ASSERT_NE(timed.predictor, nullptr);
}

TEST(ExactRelu, BadInputIsAUserError) {
  const auto& spec = exact().spec();
  EXPECT_CONTAINS(user_error([&] { spec.resolve(std::vector<std::string>{"k=-1"}); }), "k");
  EXPECT_CONTAINS(user_error([&] { spec.resolve(std::vector<std::string>{"loss=l2"}); }), "loss");
  // k = 0 takes the task's hidden_width: an error when the task declares
  // none, the declared width otherwise.
  Params params = spec.defaults();
  params.set("k", std::int64_t{0});
  EXPECT_CONTAINS(user_error([&] { exact().fit(random_data(5, 1, 1), params, {}); }),
                  "declares no 'hidden_width'");
  LearnerContext two;
  two.task = Json{{"hidden_width", 2}};
  const Dataset data = random_data(7, 1, 3);
  const Fit from_task = exact().fit(data, params, two);
  EXPECT_EQ(from_task.output.at("units").size(), 2U);
  EXPECT_EQ(from_task.stats.at(metric::kOptLoss), run(data, {"k=2"}).stats.at(metric::kOptLoss));
  EXPECT_CONTAINS(user_error([&] { exact().fit(Dataset{}, spec.defaults(), {}); }), "empty");
  Dataset bad = random_data(5, 2, 1);
  bad.y.resize(4);
  EXPECT_CONTAINS(user_error([&] { exact().fit(bad, spec.defaults(), {}); }), "inconsistent");
  EXPECT_CONTAINS(user_error([&] { exact().fit(random_data(5, 16, 1), spec.defaults(), {}); }),
                  "d = 16");
}

}  // namespace
}  // namespace hardnets
