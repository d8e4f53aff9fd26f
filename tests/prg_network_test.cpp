// Certificate tests for prg_depth3 and prg_depth2_smoothed (our reconstruction
// of Daniely–Srebro–Vardi 2023; docs/problems.md, `prg_depth3`).
//
// All statistical checks use fixed seeds; each tolerance is 5 binomial
// standard deviations at the stated sample size (a correct construction
// fails with probability below 1e-6 per check), and the defects they guard
// against (wrong band width, a missing gadget, wrong repeat probability) move
// the statistic by many standard deviations.
#include "hardnets/problems/prg_network.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>

#include <gtest/gtest.h>

#include "function_predictor.h"

#include "hardnets/learners/learner.h"
#include "hardnets/nets/relu_net.h"
#include "test_util.h"

namespace hardnets {
namespace {

using namespace prg_network;
using hardnets::testing::user_error;

Params params_of(const std::string& problem, const std::vector<std::string>& args) {
  return problem_registry().get(problem).spec().resolve(args);
}

Network make_net(Kind kind, const std::vector<std::string>& args, Seed seed) {
  return Network::from_params(
      kind, params_of(kind == Kind::kDepth3 ? "prg_depth3" : "prg_depth2_smoothed", args), seed);
}

Matrix inputs(const Network& net, std::int64_t rows, std::uint64_t stream) {
  return draw_network_inputs(net, rows, Rng(99, stream), 2);
}

std::string tau_arg(double tau) {
  return fmt::format("tau={:.17g}", tau);
}

bool same_bits(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

// The construction's exact law at τ = 0, computed from scratch (own decoding):
// N(x) = P(s_S) (1 − M Q(x))+ 1[S distinct], Q = Σ_c clamp(2 − |x_c|/δ, 0, 1).
double exact_law(const goldreich::Predicate& p, const std::vector<std::uint8_t>& seed, int n,
                 double delta, double M, const double* x) {
  const int L = std::countr_zero(static_cast<unsigned>(n)), k = p.k;
  std::vector<int> index(static_cast<std::size_t>(k), 0);
  double Q = 0;
  for (int j = 0; j < k; ++j) {
    for (int l = 0; l < L; ++l) {
      const double v = x[j * L + l];
      if (v > 0) index[static_cast<std::size_t>(j)] += 1 << l;
      Q += std::clamp(2.0 - std::abs(v) / delta, 0.0, 1.0);
    }
  }
  std::uint32_t pattern = 0;
  for (int j = 0; j < k; ++j) {
    for (int u = 0; u < j; ++u) {
      if (index[static_cast<std::size_t>(u)] == index[static_cast<std::size_t>(j)]) return 0.0;
    }
    pattern |= static_cast<std::uint32_t>(seed[static_cast<std::size_t>(index[j])]) << j;
  }
  return p(pattern) * std::max(1.0 - M * Q, 0.0);
}

using testing::FunctionPredictor;

// Judges `inst` with its own (implicit) network as the predictor.
Metrics judge_true_network(Kind kind, const Instance& inst) {
  const Network net = Network::from_params(kind, inst.params, inst.seed);
  const auto seed = instance_seed(kind, inst.seed, net.n());
  Fit truth;
  truth.predictor = std::make_shared<FunctionPredictor>(
      [net, seed](const Matrix& X) { return label_implicit(net, seed, X, 1); });
  return problem_registry().get(inst.problem).judge(inst, truth);
}

// --- prg_depth3 -------------------------------------------------------------

// Certificate (a). 20000 samples at n = 16, k = 3 (R = 12, δ = 0.1/12): about
// 7% annulus, 8% band, 17% repeated, so every branch of the law is exercised.
// Tolerance 1e-12: at τ = 0 every weight is ±2, ±M (M = 4) or 1/δ and the
// biases are small integers, so t + offset and every product are exact
// except where t + offset crosses a binade (an error of ulp(t)/2 ≈ 6e-14 at
// |x| ≈ 4, times M); the six terms of a coordinate are summed first and
// cancel, so no O(|t|) partial sum meets another coordinate's. Measured
// maximum: 1.1e-13.
TEST(PrgNetworkDepth3, ExactLawAtTauZero) {
  const std::vector<std::string> args{"n=16", "predicate=table", "k=3", "table=e8"};
  const Network net = make_net(Kind::kDepth3, args, 5);
  ASSERT_EQ(net.features(), 72);
  ASSERT_EQ(net.units(), 16u * 15u * 14u);
  const auto seed = instance_seed(Kind::kDepth3, 5, 16);
  const Matrix X = inputs(net, 20000, 1);
  const Vector y = label_implicit(net, seed, X, 2);
  double worst = 0;
  int annulus = 0, positive = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double law =
        exact_law(net.predicate(), seed, 16, net.delta(), net.gate(), X.row(i).data());
    worst = std::max(worst, std::abs(y[i] - law));
    annulus += law > 0 && law < 1;
    positive += law == 1.0;
  }
  EXPECT_LE(worst, 1e-12);
  EXPECT_GT(annulus, 100);
  EXPECT_GT(positive, 3000);
}

// The materialised network equals a plain ReluNet holding the same weights.
// Eigen's GEMM sums the 36 layer-2 terms in its own order, mixing
// coordinates whose terms reach M (|x_c| / δ + 2) ≈ 1000 (δ = 0.1/6), so each
// of its roundings is up to ulp(1024)/2 = 1.1e-13: tolerance 1e-12 while the
// weights are exact or nearly so (τ <= 1e-5; measured 1.1e-13 and 3.3e-13),
// 1e-11 at τ = 1e-2, where every product rounds (measured 9.7e-13).
TEST(PrgNetworkDepth3, MaterialisedMatchesReluNetForward) {
  for (double tau : {0.0, 1e-5, 1e-2}) {
    const std::vector<std::string> args{"n=8", "predicate=xor", "k=2", tau_arg(tau)};
    const Network net = make_net(Kind::kDepth3, args, 7);
    const Materialised mat(net, instance_seed(Kind::kDepth3, 7, 8), 2);
    const ReluNet relu = mat.relu_net();
    EXPECT_EQ(relu.sizes(), (std::vector<int>{6 + 8, 36, 56, 1}));
    const Matrix X = inputs(net, 3000, 2);
    const Vector a = mat.forward(X, 2), b = relu.forward(X);
    EXPECT_LE((a - b).cwiseAbs().maxCoeff(), tau <= 1e-5 ? 1e-12 : 1e-11) << "tau " << tau;
  }
}

// Implicit (active unit only, noise row drawn alone) and materialised (every
// unit) give the same labels bit for bit when only S(x) can be active.
TEST(PrgNetworkDepth3, ImplicitEqualsMaterialisedBitForBit) {
  struct Case {
    int n;
    int k;
  };
  for (const Case c : {Case{8, 2}, Case{16, 3}}) {
    const double delta = 0.1 / (c.k * std::countr_zero(static_cast<unsigned>(c.n)));
    for (double tau : {0.0, 1e-3 * delta, 1e-2 * delta}) {
      const std::vector<std::string> args{fmt::format("n={}", c.n), "predicate=xor",
                                          fmt::format("k={}", c.k), tau_arg(tau)};
      const Network net = make_net(Kind::kDepth3, args, 11);
      const auto seed = instance_seed(Kind::kDepth3, 11, c.n);
      const Matrix X = inputs(net, 3000, 3);
      const Materialised mat(net, seed, 2);
      EXPECT_TRUE(same_bits(label_implicit(net, seed, X, 2), mat.forward(X, 2)))
          << "n " << c.n << " k " << c.k << " tau " << tau;
    }
  }
}

// Certificate (b): the case fractions of the construction. The predicted
// values for n = 16, k = 3, δ = 0.1/12 are predicted_cases' (clean 0.6986, band
// 0.077, annulus 0.072); the measured ones (the card, 40000 training inputs)
// are within 5 binomial standard deviations sqrt(p(1 − p)/40000) <= 0.0125.
TEST(PrgNetworkDepth3, CaseFractionsMatchTheNote) {
  const CaseFractions predicted = predicted_cases(16, 3, 0.1 / 12);
  EXPECT_NEAR(predicted.clean, 0.6986, 1e-4);
  EXPECT_NEAR(predicted.band, 0.077, 1e-3);
  EXPECT_NEAR(predicted.annulus, 0.072, 1e-3);
  EXPECT_NEAR(predicted.repeated, 1 - (15.0 / 16) * (14.0 / 16), 1e-15);
  const Problem& p = problem_registry().get("prg_depth3");
  const Instance inst =
      p.generate(p.spec().resolve(std::vector<std::string>{"n=16", "predicate=xor", "k=3"}), 3,
                 {40000, 10}, {2});
  const Json& measured = inst.card.at("measured_cases_train");
  const Json want = predicted.to_json();
  for (const char* key : {"clean", "band", "annulus", "repeated"}) {
    const double q = want[key].get<double>();
    EXPECT_NEAR(measured[key].get<double>(), q, 5 * std::sqrt(q * (1 - q) / 40000)) << key;
  }
  EXPECT_EQ(inst.card.at("evaluation"), "materialised");  // 3360 x 72 x 40010 < 1e10
}

// Certificate (c): the simulator holding only the public noisy parameters and
// y = P(s_{S(x)}) reproduces the true forward pass exactly at τ <= 0.01δ, and
// fails on some inputs once τ is of the order of δ (thousands of failures
// in 2e4 samples at τ = 0.12δ).
TEST(PrgNetworkDepth3, SimulatorIsExactForSmallTau) {
  const double delta = 0.1 / 12;
  for (double tau : {0.0, 1e-3 * delta, 1e-2 * delta, delta}) {
    const std::vector<std::string> args{"n=16", "predicate=xor", "k=3", tau_arg(tau)};
    const Network net = make_net(Kind::kDepth3, args, 21);
    const Materialised mat(net, instance_seed(Kind::kDepth3, 21, 16), 2);
    const SimulatorAudit audit = audit_simulator(mat, inputs(net, 4000, 4), 2);
    EXPECT_EQ(audit.inputs, 4000);
    if (tau <= 1e-2 * delta) {
      EXPECT_EQ(audit.failures, 0) << "tau " << tau;
      EXPECT_EQ(audit.max_abs_difference, 0.0) << "tau " << tau;
      EXPECT_GT(audit.exactly_one, 2000) << "tau " << tau;  // clean + annulus ≈ 0.77
    } else {
      EXPECT_GT(audit.multi_active, 0);
      EXPECT_GT(audit.failure_rate(), 0.01);
    }
  }
  // The experiment-facing function agrees.
  EXPECT_EQ(simulator_failure_rate(
                Kind::kDepth3,
                params_of("prg_depth3", {"n=8", "predicate=xor", "k=2", tau_arg(0.01 * 0.1 / 6)}),
                4, 2000, 2),
            0.0);
  EXPECT_GT(simulator_failure_rate(
                Kind::kDepth3,
                params_of("prg_depth3", {"n=8", "predicate=xor", "k=2", tau_arg(10 * 0.1 / 6)}), 4,
                2000, 2),
            0.0);
}

TEST(PrgNetworkDepth3, LabelsDoNotDependOnThreads) {
  const Problem& p = problem_registry().get("prg_depth3");
  for (const char* evaluation : {"evaluation=implicit", "evaluation=materialised"}) {
    const Params params = p.spec().resolve(
        std::vector<std::string>{"n=8", "predicate=xor", "k=3", "tau=1e-4", evaluation});
    const Instance a = p.generate(params, 8, {1000, 300}, {1});
    const Instance b = p.generate(params, 8, {1000, 300}, {3});
    EXPECT_EQ(a.train.X, b.train.X);
    EXPECT_TRUE(same_bits(a.train.y, b.train.y)) << evaluation;
    EXPECT_TRUE(same_bits(a.test.y, b.test.y)) << evaluation;
    EXPECT_EQ(a.card.at("evaluation"), std::string(evaluation).substr(11));
  }
}

TEST(PrgNetworkDepth3, TaskIsPublicAndTruthHoldsTheSeed) {
  const Problem& p = problem_registry().get("prg_depth3");
  const Instance inst = p.generate(p.spec().resolve(std::vector<std::string>{
                                       "n=16", "predicate=p5", "tau=1e-6", "evaluation=implicit"}),
                                   2, {50, 5}, {1});
  EXPECT_EQ(inst.task.at("family"), "prg_depth3");
  EXPECT_EQ(inst.task.at("predicate"), "p5");
  EXPECT_EQ(inst.task.at("d"), 20 + 16);  // R = 5 * 4, pad = n
  EXPECT_EQ(inst.task.at("H"), 120);
  EXPECT_FALSE(inst.task.contains("seed"));
  EXPECT_EQ(inst.truth.at("seed").get<std::string>(),
            goldreich::seed_to_string(instance_seed(Kind::kDepth3, 2, 16)));
  EXPECT_EQ(inst.train.X.cols(), 36);
  for (const char* key : {"d", "H", "width", "R", "L", "delta", "predicted_cases",
                          "measured_cases_train", "evaluation"}) {
    EXPECT_TRUE(inst.card.contains(key)) << key;
  }
}

// `sgd -l width=0` trains the network's own width (the task's hidden_width),
// never the predicate's arity k that the task publishes too (it did once).
TEST(PrgNetworkDepth3, SgdWidthZeroTrainsTheNetworksWidth) {
  const Problem& p = problem_registry().get("prg_depth3");
  const Instance inst = p.generate(p.spec().resolve(std::vector<std::string>{
                                       "n=16", "predicate=p5", "tau=1e-6", "evaluation=implicit"}),
                                   2, {50, 5}, {1});
  const std::int64_t width = inst.task.at("hidden_width").get<std::int64_t>();
  ASSERT_NE(width, inst.task.at("k").get<std::int64_t>());
  const Learner& sgd = learner_registry().get("sgd");
  LearnerContext ctx;
  ctx.task = inst.task;
  const Fit fit =
      sgd.fit(inst.train, sgd.spec().resolve(std::vector<std::string>{"width=0", "epochs=1"}), ctx);
  const auto* net = dynamic_cast<const ReluNetPredictor*>(fit.predictor.get());
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->net().layers()[0].W.rows(), width);
}

// The judge: the true network scores 1 on clean inputs (advantage 1/2); a
// predictor of independent fair bits scores 1/2 within 5 standard errors.
TEST(PrgNetworkDepth3, JudgeScoresCleanAndUnseenInputs) {
  const Problem& p = problem_registry().get("prg_depth3");
  const Params params =
      p.spec().resolve(std::vector<std::string>{"n=16", "predicate=xor", "k=3", "tau=1e-5"});
  const Instance inst = p.generate(params, 6, {2000, 4000}, {2});
  const Metrics m = judge_true_network(Kind::kDepth3, inst);
  EXPECT_EQ(m.at(metric::kAccuracy), 1.0);
  EXPECT_EQ(m.at(metric::kUnseenAccuracy), 1.0);
  EXPECT_EQ(m.at("advantage"), 0.5);
  EXPECT_NEAR(m.at("clean_fraction"), predicted_cases(16, 3, 0.1 / 12).clean, 0.04);
  // 2000 training inputs over 3360 tuples: a good part of the test tuples was seen.
  EXPECT_GT(m.at("unseen_fraction"), 0.3);
  EXPECT_LT(m.at("unseen_fraction"), 0.8);
  EXPECT_LT(m.at(metric::kMse), 1e-20);
  EXPECT_EQ(m.at("simulator_failure_rate"), 0.0);  // 3360 x 72 x 4000 < 1e9

  Fit coin;
  coin.predictor = std::make_shared<FunctionPredictor>([](const Matrix& X) {
    Vector v(X.rows());
    Rng rng(123, 4);
    for (Eigen::Index i = 0; i < X.rows(); ++i) v[i] = static_cast<double>(rng.next_u64() >> 63);
    return v;
  });
  const Metrics c = p.judge(inst, coin);
  const double clean = c.at("clean_fraction") * 4000;
  EXPECT_NEAR(c.at(metric::kAccuracy), 0.5, 5 * 0.5 / std::sqrt(clean));
}

// --- prg_depth2_smoothed ----------------------------------------------------

// Simulator identity and the number of active units. base = distinct: every
// input has exactly one active unit (ω = 0.02, R = 12: <μ, ζ> has std 0.07,
// far from the margin 1). base = hypercube: exactly one unit fires iff the
// sign pattern is a distinct tuple, probability Π_{j<3}(1 − j/16) = 0.8203;
// 4000 samples, 5 standard deviations = 0.030.
TEST(PrgNetworkDepth2, SimulatorIsExactAndOneUnitFires) {
  for (const char* base : {"base=distinct", "base=hypercube"}) {
    for (double tau : {0.0, 1e-4, 1e-3}) {
      const std::vector<std::string> args{"n=16", "predicate=xor", "k=3", base, tau_arg(tau)};
      const Network net = make_net(Kind::kDepth2, args, 31);
      const auto seed = instance_seed(Kind::kDepth2, 31, 16);
      const Materialised mat(net, seed, 2);
      const Matrix X = inputs(net, 4000, 5);
      const SimulatorAudit audit = audit_simulator(mat, X, 2);
      EXPECT_EQ(audit.failures, 0) << base << " tau " << tau;
      EXPECT_TRUE(same_bits(label_implicit(net, seed, X, 2), mat.forward(X, 2)));
      const double one = static_cast<double>(audit.exactly_one) / 4000;
      if (std::string(base) == "base=distinct") {
        EXPECT_EQ(audit.exactly_one, 4000) << tau;
      } else {
        const double q = (15.0 / 16) * (14.0 / 16);
        EXPECT_NEAR(one, q, 5 * std::sqrt(q * (1 - q) / 4000)) << tau;
      }
    }
  }
  // Large parameter noise: other units fire.
  const Network loud = make_net(Kind::kDepth2, {"n=16", "predicate=xor", "k=3", "tau=0.3"}, 31);
  const Materialised mat(loud, instance_seed(Kind::kDepth2, 31, 16), 2);
  EXPECT_GT(audit_simulator(mat, inputs(loud, 2000, 6), 2).failure_rate(), 0.01);
}

// At τ = 0 the network is N(x) = P(s_S) (Σ_c (2β_c − 1) x_c − (R − 1))+ with
// S = S(x) on every clean input, and the ReluNet of its weights agrees
// (tolerance 1e-12: 28-term sums of O(1) values).
TEST(PrgNetworkDepth2, NetworkIsTheDetectorSum) {
  const Network net = make_net(Kind::kDepth2, {"n=16", "predicate=xor", "k=3"}, 41);
  const auto seed = instance_seed(Kind::kDepth2, 41, 16);
  const Matrix X = inputs(net, 2000, 7);
  const Materialised mat(net, seed, 2);
  const Vector y = mat.forward(X, 2);
  EXPECT_LE((y - mat.relu_net().forward(X)).cwiseAbs().maxCoeff(), 1e-12);
  const auto clean = clean_rows(net, X);
  const auto bits = hidden_bits(net, seed, X);
  int counted = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (!clean[static_cast<std::size_t>(i)]) continue;
    ++counted;
    double dot = 0;
    for (int c = 0; c < net.R(); ++c) dot += std::abs(X(i, c));  // signs agree with S(x)
    EXPECT_NEAR(y[i], bits[static_cast<std::size_t>(i)] * (dot - (net.R() - 1)), 1e-12);
  }
  EXPECT_EQ(counted, 2000);  // base = distinct, ω√R = 0.07
}

TEST(PrgNetworkDepth2, GeneratesAndJudges) {
  const Problem& p = problem_registry().get("prg_depth2_smoothed");
  const Params params = p.spec().resolve(
      std::vector<std::string>{"n=16", "predicate=xor", "k=3", "tau=1e-4", "base=hypercube"});
  const Instance inst = p.generate(params, 9, {3000, 2000}, {2});
  EXPECT_EQ(inst.train.X.cols(), 12 + 16);
  EXPECT_EQ(inst.card.at("evaluation"), "materialised");  // 3360 x 28 x 5000 < 1e10
  const double q = 1 - (15.0 / 16) * (14.0 / 16);
  EXPECT_NEAR(inst.card.at("measured_repeated_train").get<double>(), q,
              5 * std::sqrt(q * (1 - q) / 3000));
  const Metrics m = judge_true_network(Kind::kDepth2, inst);
  EXPECT_EQ(m.at(metric::kAccuracy), 1.0);
  EXPECT_NEAR(m.at("clean_fraction"), 1 - q, 0.05);
  EXPECT_EQ(m.at("simulator_failure_rate"), 0.0);
}

// --- what the two problems share ----------------------------------------------

// auto materialises while units x F x rows <= 1e10: n = 16, k = 3 at depth 3
// has 3360 units x 72 features, so 1000 rows (2.4e8) materialise and 1e8 rows
// (2.4e13) do not; n = 64 with p5 (9e8 units) never fits.
TEST(PrgNetworkShared, EvaluationModeFollowsTheWork) {
  const Network net = make_net(Kind::kDepth3, {"n=16", "predicate=xor", "k=3"}, 1);
  EXPECT_EQ(evaluation_mode(net, "auto", 1000), "materialised");
  EXPECT_EQ(evaluation_mode(net, "auto", 1e8), "implicit");
  EXPECT_EQ(evaluation_mode(net, "implicit", 1000), "implicit");
  EXPECT_EQ(evaluation_mode(net, "materialised", 1e8), "materialised");
  const Network big = make_net(Kind::kDepth2, {"n=64", "predicate=p5"}, 1);
  EXPECT_EQ(evaluation_mode(big, "auto", 10), "implicit");
  EXPECT_CONTAINS(user_error([&] { evaluation_mode(big, "materialised", 10); }),
                  "evaluation = materialised");
}

// generate_labelled labels with the evaluator its mode names (bit for bit)
// and keeps the secret as the truth; common_task and common_card hold the
// keys both problems publish, and each problem's task starts with them.
TEST(PrgNetworkShared, LabelledInstanceTaskAndCard) {
  for (const Kind kind : {Kind::kDepth3, Kind::kDepth2}) {
    const std::string name = kind == Kind::kDepth3 ? "prg_depth3" : "prg_depth2_smoothed";
    const Problem& problem = problem_registry().get(name);
    for (const char* evaluation : {"evaluation=implicit", "evaluation=materialised"}) {
      const Params params =
          params_of(name, {"n=8", "predicate=xor", "k=3", "tau=1e-4", evaluation});
      const LabelledInstance g = generate_labelled(problem, kind, params, 4, {200, 50}, {1});
      SCOPED_TRACE(name + " " + evaluation);
      EXPECT_EQ(g.evaluation, std::string(evaluation).substr(11));
      EXPECT_EQ(g.secret, instance_seed(kind, 4, 8));
      EXPECT_EQ(g.inst.truth.at("seed").get<std::string>(), goldreich::seed_to_string(g.secret));
      EXPECT_TRUE(same_bits(g.inst.train.y, label_implicit(g.net, g.secret, g.inst.train.X, 1)));
      EXPECT_TRUE(
          same_bits(g.inst.test.y, Materialised(g.net, g.secret).forward(g.inst.test.X, 1)));

      const Json common = common_task(name, g.net);
      const Instance inst = problem.generate(params, 4, {200, 50}, {1});
      EXPECT_EQ(inst.train.X, g.inst.train.X);
      auto key = inst.task.begin();
      for (auto it = common.begin(); it != common.end(); ++it, ++key) {
        ASSERT_NE(key, inst.task.end());
        EXPECT_EQ(key.key(), it.key());
        EXPECT_EQ(key.value(), it.value());
      }
      EXPECT_EQ(inst.card.at("evaluation"), g.evaluation);
      EXPECT_EQ(inst.card.at("width"), g.net.units());
      EXPECT_EQ(inst.card.at("clean_fraction_train"), clean_fraction(g.net, inst.train.X));
    }
  }
}

// --- bad input ----------------------------------------------------------------

TEST(PrgNetworkParams, BadInputHasClearMessages) {
  const Problem& p3 = problem_registry().get("prg_depth3");
  const Problem& p2 = problem_registry().get("prg_depth2_smoothed");
  auto gen = [](const Problem& p, const std::vector<std::string>& args) {
    return user_error([&] { p.generate(p.spec().resolve(args), 1, {10, 10}, {1}); });
  };
  for (const Problem* p : {&p3, &p2}) {
    EXPECT_CONTAINS(gen(*p, {"n=12", "predicate=xor", "k=3"}), "n must be a power of 2");
    EXPECT_CONTAINS(gen(*p, {"n=12", "predicate=xor", "k=3"}), "got n = 12");
    EXPECT_CONTAINS(gen(*p, {"n=4", "predicate=p5"}), "k = 5 distinct indices need n >= k");
    EXPECT_CONTAINS(gen(*p, {"n=8", "predicate=xor", "k=3", "tau=-1"}),
                    "parameter 'tau' must be in [0, 1000000], got -1");
    EXPECT_CONTAINS(gen(*p, {"n=64", "predicate=p5", "evaluation=materialised"}),
                    "evaluation = materialised");
    EXPECT_CONTAINS(gen(*p, {"n=8", "predicate=table", "k=3", "table=9"}), "2 hex digits");
    EXPECT_CONTAINS(gen(*p, {"n=8", "predicate=table", "k=3", "table=zz"}), "not a hex digit");
    EXPECT_CONTAINS(gen(*p, {"n=8", "predicate=table", "k=3"}), "needs -p table=HEX");
  }
  EXPECT_CONTAINS(gen(p3, {"n=1048576", "predicate=xor", "k=3", "tau=1e-6"}), "dense H x d");
  EXPECT_CONTAINS(gen(p3, {"n=1048576", "predicate=xor", "k=3", "tau=1e-6"}), "2^27");
  EXPECT_CONTAINS(gen(p3, {"n=16777216", "predicate=xor", "k=3", "pad=0"}), "64-bit ranks");
  const Network net = make_net(Kind::kDepth3, {"n=8", "predicate=xor", "k=2"}, 1);
  EXPECT_CONTAINS(user_error([&] { label_implicit(net, {}, Matrix(3, 5), 1); }),
                  "inputs have d = 14 coordinates");
}

}  // namespace
}  // namespace hardnets
