// Tests of the lifts of prg_depth3 and prg_depth2_smoothed fed by the PRG's
// own challenges (source = reduction) and of their null (labels = uniform):
// our reconstruction of the Daniely–Srebro–Vardi 2023 reduction
// (docs/problems.md, `prg_depth3` and `prg_depth2_smoothed`).
//
// Every statistical check runs at fixed seeds; each comment states its
// tolerance, the probability that a correct construction exceeds it, and
// which defect it catches.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "function_predictor.h"

#include "hardnets/problems/prg_network.h"
#include "test_util.h"

namespace hardnets {
namespace {

using namespace prg_network;
using hardnets::testing::user_error;

Instance make(const std::string& problem, const std::vector<std::string>& args, Seed seed,
              Sizes sizes) {
  const Problem& p = problem_registry().get(problem);
  return p.generate(p.spec().resolve(args), seed, sizes, {2});
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

Kind kind_of(const Instance& inst) {
  return inst.problem == "prg_depth3" ? Kind::kDepth3 : Kind::kDepth2;
}

Network network_of(const Instance& inst) {
  return Network::from_params(kind_of(inst), inst.params, inst.seed);
}

std::vector<std::uint8_t> secret_of(const Instance& inst) {
  return instance_seed(kind_of(inst), inst.seed, network_of(inst).n());
}

bool same_bits(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

// FNV-1a over the bytes of the inputs and labels (train X, y, test X, y,
// row-major): the same as the .npy payloads hashed in that order.
std::uint64_t instance_hash(const Instance& inst) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    for (int b = 0; b < 64; b += 8) {
      h ^= (bits >> b) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const Dataset* d : {&inst.train, &inst.test}) {
    for (Eigen::Index i = 0; i < d->X.rows(); ++i) {
      for (Eigen::Index j = 0; j < d->X.cols(); ++j) mix(d->X(i, j));
    }
    for (Eigen::Index i = 0; i < d->y.size(); ++i) mix(d->y[i]);
  }
  return h;
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// One-sample Kolmogorov–Smirnov statistic of `v` against N(0, 1).
double ks_normal(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double m = static_cast<double>(v.size());
  double worst = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double F = normal_cdf(v[i]);
    worst = std::max({worst, F - static_cast<double>(i) / m, static_cast<double>(i + 1) / m - F});
  }
  return worst;
}

// Two-sample Kolmogorov–Smirnov statistic sup |F_a − F_b| (ties handled by
// stepping over equal values together).
double ks_two_sample(const Vector& a, const Vector& b) {
  std::vector<double> x(a.data(), a.data() + a.size()), y(b.data(), b.data() + b.size());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  std::size_t i = 0, j = 0;
  double worst = 0;
  while (i < x.size() && j < y.size()) {
    const double t = std::min(x[i], y[j]);
    while (i < x.size() && x[i] == t) ++i;
    while (j < y.size() && y[j] == t) ++j;
    worst = std::max(
        worst, std::abs(static_cast<double>(i) / x.size() - static_cast<double>(j) / y.size()));
  }
  return worst;
}

// The number of rows whose thresholded label disagrees with `bits` among
// the clean rows, and how many clean rows there are.
std::pair<int, int> clean_disagreements(const Network& net, const Dataset& d,
                                        const std::vector<std::uint8_t>& bits) {
  const auto clean = clean_rows(net, d.X);
  int wrong = 0, counted = 0;
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) {
    if (!clean[static_cast<std::size_t>(i)]) continue;
    ++counted;
    wrong += (d.y[i] > 0.5 ? 1 : 0) != bits[static_cast<std::size_t>(i)];
  }
  return {wrong, counted};
}

using testing::FunctionPredictor;

Metrics judge_with(const Instance& inst, std::function<Vector(const Matrix&)> f) {
  Fit fit;
  fit.predictor = std::make_shared<FunctionPredictor>(std::move(f));
  return problem_registry().get(inst.problem).judge(inst, fit);
}

const std::vector<std::string> kDepth3Xor{"n=16", "predicate=xor", "k=3"};
constexpr double kDelta3 = 0.1 / 12;  // δ = 0.1/R, R = 3 log2 16

// --- (a) the reduction with real challenges is the network -----------------

// At τ = 0 every clean row's label is P(s_{S(x)}) under both sources (20000
// training rows each, about 14000 clean), to 1e-12: the exact law's value 1
// comes out of sums of ±2 t and offsets that round where t + offset crosses a
// binade (prg_network_test's ExactLawAtTauZero: measured 1.1e-13), while a
// wrong bit is off by 1. The reduction's labels are
// the implicit and the materialised network's bit for bit on every row (the
// simulator given y_i = P(s_{S_i}) is the network wherever it is exact, and
// at τ = 0 it is exact everywhere: the audit finds no failure).
TEST(PrgLiftDepth3, ReductionLabelsAreTheNetworksAtTauZero) {
  for (const char* source : {"source=network", "source=reduction"}) {
    const Instance inst = make("prg_depth3", with(kDepth3Xor, {source}), 3, {20000, 100});
    SCOPED_TRACE(source);
    const Network net = network_of(inst);
    const auto secret = secret_of(inst);
    EXPECT_EQ(inst.truth.at("seed").get<std::string>(), goldreich::seed_to_string(secret));
    const auto clean = clean_rows(net, inst.train.X);
    const auto bits = hidden_bits(net, secret, inst.train.X);
    int counted = 0, exact = 0;
    for (Eigen::Index i = 0; i < inst.train.X.rows(); ++i) {
      if (!clean[static_cast<std::size_t>(i)]) continue;
      ++counted;
      exact += std::abs(inst.train.y[i] - bits[static_cast<std::size_t>(i)]) <= 1e-12;
    }
    EXPECT_EQ(exact, counted);
    EXPECT_GT(counted, 13000);  // clean fraction 0.6986
    EXPECT_TRUE(same_bits(inst.train.y, label_implicit(net, secret, inst.train.X, 2)));
    const Materialised mat(net, secret, 2);
    EXPECT_TRUE(same_bits(inst.train.y, mat.forward(inst.train.X, 2)));
    EXPECT_EQ(audit_simulator(mat, inst.test.X, 2).failures, 0);
  }
}

// The reduction's inputs are x ~ N(0, I_d) exactly. Per coordinate (28 of
// them, 20000 rows): the Dvoretzky–Kiefer–Wolfowitz bound
// Pr[D > ε] <= 2 exp(−2 N ε²) gives 2.3e-7 at ε = 0.02, so all 28 pass with
// probability > 1 − 7e-6; pooled over the 12 relevant coordinates (240000
// values, independent under N(0, I)) ε = 0.006 has 2 exp(−17.3) = 6e-8. A
// wrong magnitude law (e.g. |g| without the sign, or ±1) moves D to >= 0.15;
// biased signs by |Pr[x_c > 0] − 1/2|. The case fractions (which see the
// joint law of the signs: the repeated fraction, the bands) agree between the
// sources within 5 standard deviations of a difference of two independent
// proportions, 5 sqrt(2 p (1 − p) / 20000) <= 0.025 (false failure < 6e-7
// each); drawing only distinct tuples would move `repeated` by 0.18.
TEST(PrgLiftDepth3, ReductionInputsAreStandardGaussian) {
  const Instance red = make("prg_depth3", with(kDepth3Xor, {"source=reduction"}), 4, {20000, 10});
  const Instance net_inst = make("prg_depth3", kDepth3Xor, 4, {20000, 10});
  const Matrix& X = red.train.X;
  ASSERT_EQ(X.cols(), 28);
  std::vector<double> pooled;
  for (Eigen::Index c = 0; c < X.cols(); ++c) {
    std::vector<double> column(X.col(c).data(), X.col(c).data() + X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) column[static_cast<std::size_t>(i)] = X(i, c);
    EXPECT_LE(ks_normal(column), 0.02) << "coordinate " << c;
    if (c < 12) pooled.insert(pooled.end(), column.begin(), column.end());
  }
  EXPECT_LE(ks_normal(pooled), 0.006);

  const Network net = network_of(red);
  const CaseFractions a = measured_cases(net, red.train.X);
  const CaseFractions b = measured_cases(net, net_inst.train.X);
  const CaseFractions want = predicted_cases(16, 3, kDelta3);
  auto tol = [](double p) { return 5 * std::sqrt(2 * p * (1 - p) / 20000); };
  EXPECT_NEAR(a.clean, b.clean, tol(want.clean));
  EXPECT_NEAR(a.band, b.band, tol(want.band));
  EXPECT_NEAR(a.annulus, b.annulus, tol(want.annulus));
  EXPECT_NEAR(a.repeated, b.repeated, tol(want.repeated));
  EXPECT_NEAR(red.card.at("clean_fraction_train").get<double>(),
              net_inst.card.at("clean_fraction_train").get<double>(), tol(want.clean));
  // A challenge is spent exactly on the rows whose pattern is distinct.
  EXPECT_EQ(red.card.at("challenges_used_train").get<double>() / 20000, 1 - a.repeated);
  EXPECT_EQ(red.card.at("source"), "reduction");
  EXPECT_EQ(red.card.at("evaluation"), "simulator");
  EXPECT_TRUE(red.card.contains("reduction_labels"));
  EXPECT_EQ(net_inst.card.at("source"), "network");
}

// At τ = 0.001δ (inside the simulator's exact regime) the labels of the two
// sources have the same law: two-sample KS on 20000 + 20000 labels, with
// critical value sqrt(ln(2/α)/2) sqrt(2/20000) = 0.027 at α = 1e-6 (the law
// has atoms, at b̃3, which only makes KS conservative). Labels without the
// challenges' bits (y ≡ 0) would move D by the positive fraction, about 0.35.
TEST(PrgLiftDepth3, LabelLawsAgreeAtSmallTau) {
  const std::string tau = fmt::format("tau={:.17g}", 1e-3 * kDelta3);
  const Instance a = make("prg_depth3", with(kDepth3Xor, {tau}), 6, {20000, 2000});
  const Instance b =
      make("prg_depth3", with(kDepth3Xor, {tau, "source=reduction"}), 6, {20000, 2000});
  EXPECT_LE(ks_two_sample(a.train.y, b.train.y), 0.027);
  // The reduction's own labels are the network's: audited on its inputs.
  const Materialised mat(network_of(b), secret_of(b), 2);
  EXPECT_TRUE(same_bits(b.train.y, mat.forward(b.train.X, 2)));
  // And the judge sees the true network score 1 on clean rows of both.
  for (const Instance* inst : {&a, &b}) {
    const Network net = network_of(*inst);
    const auto secret = secret_of(*inst);
    const Metrics m =
        judge_with(*inst, [&](const Matrix& X) { return label_implicit(net, secret, X, 1); });
    EXPECT_EQ(m.at(metric::kAccuracy), 1.0);
    EXPECT_EQ(m.at("simulator_failure_rate"), 0.0);
  }
}

// Depth 2, both bases: the reduction's labels equal the network's evaluators
// bit for bit at τ ∈ {0, 1e-4}; every clean row thresholds to P(s_{S(x)});
// the repeated fraction (hypercube base) agrees between the sources within
// 5 sqrt(2 p (1 − p) / 8000) = 0.030 (p = 0.18); the label laws agree by a
// two-sample KS at α = 1e-6, 2.69 sqrt(2/8000) = 0.043.
TEST(PrgLiftDepth2, ReductionLabelsAreTheNetworks) {
  for (const char* base : {"base=distinct", "base=hypercube"}) {
    for (const char* tau : {"tau=0", "tau=1e-4"}) {
      SCOPED_TRACE(std::string(base) + " " + tau);
      const std::vector<std::string> args{"n=16", "predicate=xor", "k=3", base, tau};
      const Instance net_inst = make("prg_depth2_smoothed", args, 7, {8000, 100});
      const Instance red =
          make("prg_depth2_smoothed", with(args, {"source=reduction"}), 7, {8000, 100});
      const Network net = network_of(red);
      const auto secret = secret_of(red);
      EXPECT_TRUE(same_bits(red.train.y, label_implicit(net, secret, red.train.X, 2)));
      EXPECT_TRUE(same_bits(red.train.y, Materialised(net, secret, 2).forward(red.train.X, 2)));
      for (const Instance* inst : {&net_inst, &red}) {
        const auto [wrong, counted] =
            clean_disagreements(net, inst->train, hidden_bits(net, secret, inst->train.X));
        EXPECT_EQ(wrong, 0);
        EXPECT_GT(counted, 6000);
      }
      const double q = measured_cases(net, net_inst.train.X).repeated;
      EXPECT_NEAR(measured_cases(net, red.train.X).repeated, q,
                  5 * std::sqrt(2 * 0.18 * 0.82 / 8000));
      if (std::string(base) == "base=distinct") EXPECT_EQ(q, 0.0);
      EXPECT_LE(ks_two_sample(net_inst.train.y, red.train.y), 0.043);
    }
  }
}

// --- (b) the null -----------------------------------------------------------

// labels = uniform, both sources, both depths: the public task and the
// inputs are those of the real instance; the truth holds no seed; clean-row
// labels are fair bits independent of P(s_{S(x)}). Agreement with P(s_S) is
// within 4 standard deviations of 1/2, where the standard deviation counts
// what is independent: per challenge under the reduction (0.5/sqrt(N)), per
// tuple S under the network's random function b_S, 0.5 sqrt(Σ_S c_S²)/N with
// c_S the clean rows of tuple S (false failure 6e-5 per check). The real
// labels agree with P(s_S) on every clean row, so any leak of P into the null
// moves the agreement by many standard deviations.
TEST(PrgLiftNull, UniformLabelsAreIndependentOfThePredicate) {
  struct Case {
    std::string problem;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"prg_depth3", kDepth3Xor},
      {"prg_depth2_smoothed", {"n=16", "predicate=xor", "k=3", "base=hypercube"}},
  };
  for (const Case& c : cases) {
    for (const char* source : {"source=network", "source=reduction"}) {
      SCOPED_TRACE(c.problem + " " + source);
      const Instance real = make(c.problem, with(c.args, {source}), 8, {20000, 500});
      const Instance null =
          make(c.problem, with(c.args, {source, "labels=uniform"}), 8, {20000, 500});
      EXPECT_EQ(null.task, real.task);
      EXPECT_EQ(null.train.X, real.train.X);
      EXPECT_EQ(null.test.X, real.test.X);
      EXPECT_FALSE(null.truth.contains("seed"));
      EXPECT_EQ(null.truth.at("labels"), "uniform");
      EXPECT_EQ(null.card.at("labels"), "uniform");
      const Network net = network_of(null);
      const auto p_bits = hidden_bits(net, secret_of(null), null.train.X);
      const auto clean = clean_rows(net, null.train.X);
      std::map<std::uint64_t, int> per_tuple;
      std::int32_t tuple[goldreich::kMaxArity];
      int counted = 0, agree = 0, ones = 0;
      for (Eigen::Index i = 0; i < null.train.X.rows(); ++i) {
        if (!clean[static_cast<std::size_t>(i)]) continue;
        ++counted;
        const int label = null.train.y[i] > 0.5 ? 1 : 0;
        agree += label == p_bits[static_cast<std::size_t>(i)];
        ones += label;
        net.decode(null.train.X.row(i).data(), tuple);
        ++per_tuple[goldreich::rank_tuple({tuple, 3}, 16)];
      }
      double squares = 0;
      for (const auto& [rank, count] : per_tuple) squares += static_cast<double>(count) * count;
      const bool reduction = std::string(source) == "source=reduction";
      const double sd = reduction ? 0.5 / std::sqrt(counted) : 0.5 * std::sqrt(squares) / counted;
      EXPECT_GT(counted, 12000);
      EXPECT_NEAR(static_cast<double>(agree) / counted, 0.5, 4 * sd);
      EXPECT_NEAR(static_cast<double>(ones) / counted, 0.5, 4 * sd);
      // The real instance agrees everywhere (the check above can fail).
      EXPECT_EQ(clean_disagreements(net, real.train, p_bits).first, 0);
    }
  }
}

// The null network is evaluated exactly as the real one: implicit and
// materialised agree bit for bit (τ = 0.01δ, where only S(x) is active), and
// the materialised null network is a fixed function b_S of the tuple.
TEST(PrgLiftNull, ImplicitEqualsMaterialisedUnderTheNull) {
  const std::string tau = fmt::format("tau={:.17g}", 1e-2 * kDelta3);
  const auto args = with(kDepth3Xor, {tau, "labels=uniform"});
  const Instance a = make("prg_depth3", with(args, {"evaluation=implicit"}), 9, {3000, 500});
  const Instance b = make("prg_depth3", with(args, {"evaluation=materialised"}), 9, {3000, 500});
  EXPECT_TRUE(same_bits(a.train.y, b.train.y));
  EXPECT_TRUE(same_bits(a.test.y, b.test.y));
  const Instance real = make("prg_depth3", with(kDepth3Xor, {tau}), 9, {3000, 500});
  EXPECT_FALSE(same_bits(a.train.y, real.train.y));
  // Depth 2 likewise.
  const std::vector<std::string> args2{"n=16", "predicate=xor", "k=3", "tau=1e-4",
                                       "labels=uniform"};
  const Instance c =
      make("prg_depth2_smoothed", with(args2, {"evaluation=implicit"}), 9, {2000, 10});
  const Instance d =
      make("prg_depth2_smoothed", with(args2, {"evaluation=materialised"}), 9, {2000, 10});
  EXPECT_TRUE(same_bits(c.train.y, d.train.y));
}

// The judge scores the labels actually used: under the null a predictor of
// the true seed's P(s_S) is at 1/2 (4 standard deviations, as above), and an
// oracle of the null's own test labels scores 1 on clean rows, under both
// sources (under the reduction those are per-challenge coins the judge
// redraws).
TEST(PrgLiftNull, JudgeScoresTheLabelsUsed) {
  for (const char* source : {"source=network", "source=reduction"}) {
    SCOPED_TRACE(source);
    const Instance null =
        make("prg_depth3", with(kDepth3Xor, {source, "labels=uniform"}), 10, {500, 6000});
    const Vector test_y = null.test.y;
    const Metrics oracle = judge_with(null, [test_y](const Matrix&) { return test_y; });
    EXPECT_EQ(oracle.at(metric::kAccuracy), 1.0);
    EXPECT_EQ(oracle.at("advantage"), 0.5);
    const Network net = network_of(null);
    const auto secret = secret_of(null);
    const Metrics real =
        judge_with(null, [&](const Matrix& X) { return label_implicit(net, secret, X, 1); });
    const double clean = real.at("clean_fraction") * 6000;
    // 6000 test rows over 3360 tuples: the network's b_S repeats a tuple
    // about 1.25 times per clean row, so sd <= 0.5 sqrt(1.6 / clean).
    EXPECT_NEAR(real.at(metric::kAccuracy), 0.5, 4 * 0.5 * std::sqrt(1.6 / clean));
    EXPECT_EQ(real.count(metric::kSuccess), 0u);
  }
}

// --- the easy-predicate control ---------------------------------------------

// predicate = table, k = 3, table = aa is P(x) = x_1: T = Σ_x P(x) 2^x over
// the odd x = 1, 3, 5, 7 is 2 + 8 + 32 + 128 = 0xaa. Through both sources and
// both depths every clean row's label is s_{i_1}, the seed bit at the first
// index of S(x).
TEST(PrgLiftControl, TableAaIsTheFirstSeedBitThroughBothSources) {
  const goldreich::Predicate p = goldreich::table_predicate(3, "aa");
  for (std::uint32_t x = 0; x < 8; ++x) EXPECT_EQ(p(x), static_cast<int>(x & 1)) << x;
  for (const char* problem : {"prg_depth3", "prg_depth2_smoothed"}) {
    for (const char* source : {"source=network", "source=reduction"}) {
      SCOPED_TRACE(std::string(problem) + " " + source);
      const Instance inst =
          make(problem, {"n=16", "predicate=table", "k=3", "table=aa", source}, 11, {4000, 10});
      const Network net = network_of(inst);
      const auto secret = secret_of(inst);
      std::vector<std::uint8_t> first(static_cast<std::size_t>(inst.train.X.rows()), 0);
      std::int32_t tuple[goldreich::kMaxArity];
      for (Eigen::Index i = 0; i < inst.train.X.rows(); ++i) {
        if (net.decode(inst.train.X.row(i).data(), tuple)) {
          first[static_cast<std::size_t>(i)] = secret[static_cast<std::size_t>(tuple[0])];
        }
      }
      const auto [wrong, counted] = clean_disagreements(net, inst.train, first);
      EXPECT_EQ(wrong, 0);
      EXPECT_GT(counted, 2500);
    }
  }
}

// --- (c) the default instances are unchanged ---------------------------------

// Hashes of instances generated by the tree before `labels` and `source`
// existed (hardnets gen at a95db94, the .npy payloads hashed with the same
// FNV-1a): the defaults, and labels = prg, source = network spelled out, give
// the same bits.
TEST(PrgLiftPin, DefaultInstancesAreUnchanged) {
  struct Case {
    std::string problem;
    std::vector<std::string> args;
    std::uint64_t hash;
  };
  const std::vector<Case> cases = {
      {"prg_depth3", {"n=16"}, 0xe21735fcc64adaccull},
      {"prg_depth3",
       {"n=16", "predicate=xor", "k=3", "tau=1e-4", "evaluation=implicit"},
       0x8e3cbdec1c2c6d32ull},
      {"prg_depth3",
       {"n=16", "predicate=xor", "k=3", "tau=1e-4", "evaluation=materialised"},
       0x8e3cbdec1c2c6d32ull},
      {"prg_depth2_smoothed", {"n=16"}, 0xdee0ce586c83606ull},
      {"prg_depth2_smoothed",
       {"n=16", "predicate=xor", "k=3", "tau=1e-4", "base=hypercube"},
       0xec3c8410ec2e286eull},
  };
  for (const Case& c : cases) {
    for (const auto& extra :
         {std::vector<std::string>{}, std::vector<std::string>{"labels=prg", "source=network"}}) {
      const Instance inst = make(c.problem, with(c.args, extra), 5, {300, 100});
      EXPECT_EQ(instance_hash(inst), c.hash) << c.problem << " " << c.args.size();
      EXPECT_TRUE(inst.truth.contains("seed"));
      EXPECT_FALSE(inst.truth.contains("labels"));
    }
  }
}

// --- (d) bad combinations and the declared nulls -----------------------------

TEST(PrgLiftParams, BadCombinationsAreUserErrors) {
  for (const char* problem : {"prg_depth3", "prg_depth2_smoothed"}) {
    for (const char* evaluation : {"evaluation=implicit", "evaluation=materialised"}) {
      const std::string error = user_error([&] {
        make(problem, {"n=8", "predicate=xor", "k=3", "source=reduction", evaluation}, 1, {10, 10});
      });
      EXPECT_CONTAINS(error, problem);
      EXPECT_CONTAINS(error,
                      "source = reduction labels every example with the reduction's simulator");
      EXPECT_CONTAINS(error, "leave evaluation = auto");
    }
    EXPECT_CONTAINS(user_error([&] { make(problem, {"labels=coin"}, 1, {10, 10}); }), "labels");
    EXPECT_CONTAINS(user_error([&] { make(problem, {"source=oracle"}, 1, {10, 10}); }), "source");
  }
}

TEST(PrgLiftParams, NullHypothesesAreDeclaredParameterValues) {
  for (const char* name : {"prg_depth3", "prg_depth2_smoothed", "prg_hyperedge"}) {
    const Problem& p = problem_registry().get(name);
    const auto null = p.null_hypothesis();
    ASSERT_TRUE(null.has_value()) << name;
    EXPECT_EQ(null->param, "labels");
    EXPECT_EQ(null->value, "uniform");
    EXPECT_EQ(null->statistic, "advantage");
    EXPECT_FALSE(null->smaller_is_planted);
    EXPECT_FALSE(null->meaning.empty());
    // The value resolves, and the instance it names is the null.
    const Params params = p.spec().resolve(std::vector<std::string>{"n=16", "labels=uniform"});
    EXPECT_EQ(params.text("labels"), "uniform");
    const Instance inst = p.generate(params, 2, {50, 20}, {1});
    EXPECT_EQ(inst.truth.at("labels"), "uniform");
  }
}

}  // namespace
}  // namespace hardnets
