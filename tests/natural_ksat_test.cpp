// Certificates for our reconstruction of Daniely–Vardi 2020's natural weights
// (`natural_ksat`) and the attacks on its two plantings (`literal_majority`, `clause_xor`).
//
// Statistical checks use fixed seeds; binomial tolerances are 5 standard
// deviations and the Kolmogorov–Smirnov statistic is compared with the
// asymptotic critical value 1.95/√N (level 0.001).
#include "hardnets/problems/natural_ksat.h"
#include "hardnets/learners/learner.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/teacher.h"
#include "test_util.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;

const Problem& problem() {
  return problem_registry().get("natural_ksat");
}

Instance make(const std::vector<std::string>& args, Seed seed, Sizes sizes, int threads = 1) {
  return problem().generate(problem().spec().resolve(args), seed, sizes, {threads});
}

struct Truth {
  Eigen::MatrixXd W;
  std::vector<double> psi;
  double alpha;
};

Truth truth_of(const Instance& inst) {
  Truth t;
  t.W = ReluNet::from_json(inst.truth["network"]).layers()[0].W;
  for (char b : inst.truth["psi"].get<std::string>()) t.psi.push_back(b == '1' ? 1.0 : -1.0);
  t.alpha = inst.truth["alpha"].get<double>();
  return t;
}

// Recomputes from the truth alone, for every row: the clause of block j
// (its nonzero coordinates), its literal signs σ = −sign(x) r_{j,v} with
// r_{j,v} = sign(w_{j,v}) ψ*_v, T_j, and checks ⟨w_j, x⟩ = α(1 − 2T_j) and
// N_W(x) = α·#violated; returns the largest relative residual.
double check_identity(const Instance& inst, const Dataset& data, int K, bool count) {
  const Truth t = truth_of(inst);
  const ReluNet net = ReluNet::from_json(inst.truth["network"]);
  const int q = static_cast<int>(t.W.rows()), n = static_cast<int>(t.psi.size());
  const Vector out = net.forward(data.X);
  double worst = 0;
  for (Eigen::Index i = 0; i < data.X.rows(); ++i) {
    const Eigen::VectorXd x = data.X.row(i).transpose();
    int violated = 0;
    for (int j = 0; j < q; ++j) {
      int nonzero = 0, true_literals = 0;
      for (int v = 0; v < n; ++v) {
        const double xv = x[j * n + v];
        if (xv == 0.0) continue;
        ++nonzero;
        const double w = t.W(j, j * n + v);
        const double r = (w > 0 ? 1.0 : -1.0) * t.psi[static_cast<std::size_t>(v)];
        const double sigma = -(xv > 0 ? 1.0 : -1.0) * r;
        EXPECT_NEAR(std::abs(xv), t.alpha / std::abs(w), 1e-12 * std::abs(xv));
        true_literals += sigma * t.psi[static_cast<std::size_t>(v)] > 0;
      }
      EXPECT_EQ(nonzero, K) << "row " << i << " block " << j;
      const double pre = t.W.row(j).dot(x);
      const double scale = std::max(1.0, (t.W.row(j).transpose().cwiseProduct(x)).cwiseAbs().sum());
      const double want = t.alpha * (1 - 2 * true_literals);
      EXPECT_NEAR(pre, want, 1e-9 * scale) << "row " << i << " unit " << j;
      worst = std::max(worst, std::abs(pre - want) / scale);
      violated += true_literals == 0;
    }
    EXPECT_NEAR(out[i], t.alpha * violated, 1e-9 * std::max(1.0, t.alpha * q));
    // Planted formula: formula rows violate nothing, so every label is a
    // function of the violation count.
    if (inst.truth["planted"].get<bool>()) {
      EXPECT_EQ(data.y[i], count ? t.alpha * violated : (violated > 0 ? 1.0 : 0.0)) << i;
    }
  }
  return worst;
}

TEST(NaturalKsat, NetworkEqualsAlphaTimesViolatedClausesExactly) {
  double worst = 0;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"weights=uniform", "label=count", "alpha=2.5"},
           {"K=2", "q=5", "n=10", "control=12"},
           {"K=4", "n=12", "q=3", "label=count", "formula=random", "clauses=50"},
           {"formula=planted_xor", "label=count"},
           {"K=4", "n=12", "q=3", "formula=planted_xor", "clauses=50"}}) {
    const Instance inst = make(args, 3, {400, 100});
    const int K = static_cast<int>(inst.task["K"].get<int>());
    const bool count = inst.task["label"] == "count";
    worst = std::max(worst, check_identity(inst, inst.train, K, count));
    worst = std::max(worst, check_identity(inst, inst.test, K, count));
  }
  RecordProperty("worst_relative_residual", std::to_string(worst));
  EXPECT_LT(worst, 1e-12);
}

TEST(NaturalKsat, HalfTheRowsAreFormulaTuples) {
  const Instance inst = make({"q=8"}, 5, {20000, 0});
  // Binomial(20000, ½): sd 70.7, 5 sd = 354.
  EXPECT_NEAR(inst.card["train_formula_rows"].get<double>(), 10000, 354);
  // Under label = or a random tuple is 0 with probability (7/8)^8 = 0.344:
  // P(y = 0) = ½ + ½·0.344 = 0.672, sd of the mean 0.0033.
  const double zeros = (inst.train.y.array() == 0.0).cast<double>().mean();
  EXPECT_NEAR(zeros, 0.5 + 0.5 * std::pow(7.0 / 8.0, 8), 0.017);
}

// Kolmogorov–Smirnov statistic √N·sup|F_N − F| against the cdf F.
template <typename Cdf>
double ks(std::vector<double> v, Cdf F) {
  std::sort(v.begin(), v.end());
  const double N = static_cast<double>(v.size());
  double D = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = F(v[i]);
    D = std::max({D, (i + 1) / N - f, f - i / N});
  }
  return std::sqrt(N) * D;
}

TEST(NaturalKsat, WeightsFollowTheStatedNaturalLawAndSignsAreUniform) {
  for (const char* law : {"weights=normal", "weights=uniform"}) {
    const Instance inst = make({law, "n=64", "q=32"}, 11, {1, 0});
    const Truth t = truth_of(inst);
    const int q = 32, n = 64;
    ASSERT_EQ(t.W.rows(), q);
    ASSERT_EQ(t.W.cols(), q * n + q);
    std::vector<double> all(t.W.data(), t.W.data() + t.W.size());
    const bool normal = std::string(law) == "weights=normal";
    const double r = std::sqrt(3.0);
    const double D = ks(all, [&](double w) {
      return normal ? 0.5 * std::erfc(-w / std::numbers::sqrt2)
                    : std::clamp((w + r) / (2 * r), 0.0, 1.0);
    });
    EXPECT_LT(D, 1.95) << law << " (KS at level 0.001, N = " << all.size() << ")";
    // Signs of all weights: Binomial(N, ½) within 5 sd.
    const double N = static_cast<double>(all.size());
    const double positive =
        static_cast<double>(std::count_if(all.begin(), all.end(), [](double w) { return w > 0; }));
    EXPECT_NEAR(positive, N / 2, 5 * std::sqrt(N) / 2) << law;
    // The planted blocks: sign(w_{j,B_j}) = ψ* ⊙ r_j, uniform because r_j is;
    // the r_j themselves (j ≥ 2) are uniform too.
    double block_pos = 0, r_pos = 0;
    for (int j = 0; j < q; ++j) {
      for (int v = 0; v < n; ++v) {
        const double w = t.W(j, j * n + v);
        block_pos += w > 0;
        if (j > 0) r_pos += (w > 0 ? 1.0 : -1.0) * t.psi[static_cast<std::size_t>(v)] > 0;
      }
    }
    EXPECT_NEAR(block_pos, q * n / 2.0, 5 * std::sqrt(q * n) / 2) << law;
    EXPECT_NEAR(r_pos, (q - 1) * n / 2.0, 5 * std::sqrt((q - 1) * n) / 2) << law;
    EXPECT_EQ(inst.truth["psi"].get<std::string>().size(), static_cast<std::size_t>(n));
  }
}

TEST(NaturalKsat, PlantedFormulaIsSatisfiedRandomIsNot) {
  for (const char* kind : {"formula=planted", "formula=random"}) {
    const Instance inst = make({kind, "clauses=4000"}, 2, {1, 0});
    const Truth t = truth_of(inst);
    int violated = 0;
    for (const auto& clause : inst.truth["formula"]) {
      ASSERT_EQ(clause.size(), 3u);
      int true_literals = 0;
      std::vector<int> vars;
      for (const auto& lit : clause) {
        const int v = lit[0].get<int>(), s = lit[1].get<int>();
        ASSERT_TRUE(s == 1 || s == -1);
        vars.push_back(v);
        true_literals += s * t.psi[static_cast<std::size_t>(v)] > 0;
      }
      std::sort(vars.begin(), vars.end());
      EXPECT_EQ(std::unique(vars.begin(), vars.end()), vars.end()) << "repeated variable";
      violated += true_literals == 0;
    }
    if (std::string(kind) == "formula=planted") {
      EXPECT_EQ(violated, 0);
    } else {
      // Binomial(4000, 1/8): mean 500, sd 20.9.
      EXPECT_NEAR(violated, 500, 105);
    }
  }
}

// The odd-parity planting: every clause has 1, 3, ... true literals (so it is
// satisfied), for K = 3 and K = 4; and its literals carry no bias: each one
// true with probability ½ (4000 clauses · K literals, 5 sd), where the
// satisfied planting has 4/7 (K = 3).
TEST(NaturalKsat, PlantedXorClausesHaveOddParityAndNoLiteralBias) {
  for (int K : {3, 4}) {
    const Instance inst =
        make({"formula=planted_xor", "clauses=4000", "K=" + std::to_string(K)}, 2, {1, 0});
    const Truth t = truth_of(inst);
    int odd = 0, true_literals_total = 0;
    for (const auto& clause : inst.truth["formula"]) {
      int true_literals = 0;
      for (const auto& lit : clause) {
        true_literals += lit[1].get<int>() * t.psi[static_cast<std::size_t>(lit[0].get<int>())] > 0;
      }
      odd += true_literals % 2 == 1;
      true_literals_total += true_literals;
    }
    EXPECT_EQ(odd, 4000) << K;
    const double literals = 4000.0 * K;
    EXPECT_NEAR(true_literals_total / literals, 0.5, 5 * 0.5 / std::sqrt(literals)) << K;
  }
}

TEST(NaturalKsat, PureFunctionOfParamsSeedAndSizes) {
  const Instance a = make({}, 1, {300, 50});
  const Instance b = make({}, 1, {300, 50}, 3);
  const Instance c = make({}, 2, {300, 50});
  const Instance big = make({}, 1, {500, 50});
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.train.y, b.train.y);
  EXPECT_EQ(a.test.X, b.test.X);
  EXPECT_NE(a.train.X, c.train.X);
  EXPECT_EQ(big.train.X.topRows(300), a.train.X);
  EXPECT_EQ(a.task["d"], 32 * 16 + 32);
  EXPECT_FALSE(a.task.contains("psi"));
}

TEST(NaturalKsat, RejectsBadInput) {
  EXPECT_CONTAINS(user_error([] { make({"n=4", "K=5"}, 1, {10, 0}); }), "K = 5 exceeds n = 4");
  EXPECT_CONTAINS(user_error([] { make({"control=3"}, 1, {10, 0}); }), "below q = 32");
  EXPECT_CONTAINS(user_error([] { make({"alpha=0"}, 1, {10, 0}); }), "alpha");
  EXPECT_CONTAINS(user_error([] { make({}, 1, {0, 0}); }), "natural_ksat");
  EXPECT_CONTAINS(user_error([] {
                    natural_ksat::Task::from_json(Json{{"family", "parity"}}, "x");
                  }),
                  "natural_ksat task");
}

TEST(NaturalKsat, JudgeScoresAssignmentsExactlyNotUpToComplement) {
  const Instance inst = make({}, 4, {10, 10});
  std::string psi = inst.truth["psi"].get<std::string>();
  Fit fit;
  fit.output["assignment"] = psi;
  EXPECT_EQ(problem().judge(inst, fit).at("success"), 1.0);
  for (char& b : psi) b = b == '1' ? '0' : '1';
  fit.output["assignment"] = psi;
  const Metrics m = problem().judge(inst, fit);
  EXPECT_EQ(m.at("success"), 0.0);
  EXPECT_EQ(m.at("assignment_accuracy"), 0.0);
  // The truth network as a predictor: accuracy 1 (label or).
  Fit net;
  net.predictor = std::make_shared<ReluNetPredictor>(ReluNet::from_json(inst.truth["network"]));
  // N_W ≥ α on violated rows, 0 (to roundoff) on satisfied ones: 1[N_W > ½] = y.
  EXPECT_EQ(problem().judge(inst, net).at("accuracy"), 1.0);
}

// ---- literal_majority ----

Fit attack(const Instance& inst) {
  const Learner& l = learner_registry().get("literal_majority");
  LearnerContext ctx;
  ctx.task = inst.task;
  return l.fit(inst.train, l.spec().defaults(), ctx);
}

// m formula tuples ≈ n·4^K·ln n = 2839 at n = 16, K = 3 (n_train = 2m, half
// of the rows are formula tuples drawn from 20000 clauses, so nearly all
// distinct). Block 1 then sees about 532 clauses per variable, each voting
// for ψ*_v with bias 1/7. q = 8 keeps the rows small; ψ*'s rate does not
// depend on q.
TEST(LiteralMajority, RecoversThePlantedAssignmentAtN4ToTheKLogN) {
  const int m = static_cast<int>(std::round(16 * 64 * std::log(16.0)));
  int success = 0, exact_predictor = 0;
  for (Seed seed = 1; seed <= 10; ++seed) {
    const Instance inst = make({"clauses=20000", "q=8"}, seed, {2 * m, 2000});
    const Fit fit = attack(inst);
    const Metrics metrics = problem().judge(inst, fit);
    success += metrics.at("success") == 1.0;
    exact_predictor += metrics.at("accuracy") == 1.0;
    EXPECT_GT(metrics.at("accuracy"), 0.95) << seed;
  }
  EXPECT_EQ(success, 10);
  EXPECT_GE(exact_predictor, 8);
}

TEST(LiteralMajority, RecoversUnderCountLabelsAndUniformWeights) {
  const Instance inst =
      make({"clauses=20000", "q=8", "label=count", "weights=uniform", "alpha=3"}, 21, {6000, 2000});
  const Metrics m = problem().judge(inst, attack(inst));
  EXPECT_EQ(m.at("success"), 1.0);
  EXPECT_GT(m.at("accuracy"), 0.95);
}

// Random formula, q = 32: a random tuple is satisfied (label 0) with
// probability (7/8)^32 = 1.4%, so the label-0 rows carry almost no planted
// clause and the vote is at chance.
TEST(LiteralMajority, FailsOnRandomFormulas) {
  double bits = 0;
  int success = 0;
  for (Seed seed = 1; seed <= 10; ++seed) {
    const Instance inst = make({"clauses=20000", "formula=random"}, seed, {6000, 0});
    const Metrics m = problem().judge(inst, attack(inst));
    success += m.at("success") == 1.0;
    bits += m.at("assignment_accuracy");
  }
  EXPECT_EQ(success, 0);
  // 160 bits, each right with probability about ½: sd of the mean 0.04.
  EXPECT_NEAR(bits / 10, 0.5, 0.2);
}

// The leak the card warns about: at q = 8 a random tuple is satisfied with
// probability (7/8)^8 = 34%, and its q clauses are uniform among satisfied
// ones, so even with a random formula the or-labels alone let the vote find
// ψ* far above chance.
TEST(LiteralMajority, OrLabelsLeakPsiWhenQIsSmall) {
  double bits = 0;
  for (Seed seed = 1; seed <= 10; ++seed) {
    const Instance inst = make({"clauses=20000", "formula=random", "q=8"}, seed, {6000, 0});
    bits += problem().judge(inst, attack(inst)).at("assignment_accuracy");
  }
  EXPECT_GT(bits / 10, 0.65);
}

// An attack on `inst` rejects a task of another family and a label-0 row
// that is not a clause input, naming itself.
template <typename Attack>
void expect_rejects_bad_input(const Instance& inst, Attack&& attack_fn, const std::string& who) {
  Instance other = inst;
  other.task = Json{{"family", "parity"}, {"n", 16}};
  EXPECT_CONTAINS(user_error([&] { attack_fn(other); }), who + ": needs a natural_ksat task");
  Instance broken = inst;
  broken.train.y.setZero();
  broken.train.X(0, 0) = broken.train.X(0, 0) == 0.0 ? 1.0 : 0.0;
  EXPECT_CONTAINS(user_error([&] { attack_fn(broken); }), "not a clause input");
}

TEST(LiteralMajority, RejectsOtherTasksAndNonClauseRows) {
  expect_rejects_bad_input(make({}, 1, {50, 0}), attack, "literal_majority");
}

// (K−1)-wise uniform literals defeat the vote: on planted_xor at the size
// where it recovers the satisfied planting on every seed (above), the vote
// finds ψ* on no seed and its bits are at chance. q = 32 (the default): at
// q = 8 the satisfied random tuples among the label-0 rows leak ψ* (the test
// above) and the bits reach 0.79.
TEST(LiteralMajority, FailsOnThePlantedXor) {
  const int m = static_cast<int>(std::round(16 * 64 * std::log(16.0)));
  double bits = 0;
  int success = 0;
  for (Seed seed = 1; seed <= 10; ++seed) {
    const Instance inst = make({"clauses=20000", "formula=planted_xor"}, seed, {2 * m, 0});
    const Metrics metrics = problem().judge(inst, attack(inst));
    success += metrics.at("success") == 1.0;
    bits += metrics.at("assignment_accuracy");
  }
  EXPECT_EQ(success, 0);
  // 160 bits, each right with probability ½: sd of the mean 0.04.
  EXPECT_NEAR(bits / 10, 0.5, 0.2);
}

// ---- clause_xor ----

Fit eliminate(const Instance& inst, const std::vector<std::string>& args = {}) {
  const Learner& l = learner_registry().get("clause_xor");
  LearnerContext ctx;
  ctx.task = inst.task;
  ctx.seed = 3;
  return l.fit(inst.train, l.spec().resolve(args), ctx);
}

// The parity equations the attack solves, checked against the truth alone:
// on every formula row of a planted_xor instance and every block j,
//   Σ_{v ∈ C_j} 1[sign(w_{j,v}) = +1] = 1 ⊕ K ⊕ Σ_{v ∈ C_j} 1[x_{j,v} < 0] (mod 2).
// A row is a formula row when each block's clause, decoded with the truth
// (σ_v = −sign(x_{j,v}) sign(w_{j,v}) ψ*_v), is one of the formula's 100
// clauses (a random clause is, with probability ≤ 100/4480 per block, so a
// random tuple with all 6 blocks in the formula has probability ~1e-10).
// The satisfied random tuples among the label-0 rows (q = 6: (7/8)^6 = 45%
// of the random ones) must break some equation: the check has teeth.
TEST(ClauseXor, ParityEquationsHoldOnEveryFormulaRow) {
  const Instance inst = make({"formula=planted_xor", "q=6", "clauses=100"}, 4, {600, 0});
  const Truth t = truth_of(inst);
  const natural_ksat::Task task = natural_ksat::Task::from_json(inst.task, "test");
  std::set<std::vector<std::pair<int, int>>> formula;
  for (const auto& clause : inst.truth["formula"]) {
    std::vector<std::pair<int, int>> literals;
    for (const auto& lit : clause) literals.emplace_back(lit[0].get<int>(), lit[1].get<int>());
    std::sort(literals.begin(), literals.end());
    formula.insert(literals);
  }
  int formula_rows = 0, other_rows = 0, other_broken = 0;
  for (Eigen::Index i = 0; i < inst.train.X.rows(); ++i) {
    if (inst.train.y[i] != 0.0) continue;
    bool in_formula = true, all_hold = true;
    for (int j = 0; j < task.q; ++j) {
      int lhs = 0, rhs = (1 + task.K) & 1;
      std::vector<std::pair<int, int>> literals;
      for (const auto& lit : natural_ksat::block_literals(inst.train.X, i, j, task, "test")) {
        const bool w_positive = t.W(j, j * task.n + lit.v) > 0;
        lhs ^= w_positive;
        rhs ^= lit.negative;
        const int sigma = (lit.negative ? 1 : -1) * (w_positive ? 1 : -1) *
                          static_cast<int>(t.psi[static_cast<std::size_t>(lit.v)]);
        literals.emplace_back(lit.v, sigma);
      }
      in_formula &= formula.count(literals) == 1;
      all_hold &= lhs == rhs;
    }
    if (in_formula) {
      ++formula_rows;
      EXPECT_TRUE(all_hold) << "row " << i;
    } else {
      ++other_rows;
      other_broken += !all_hold;
    }
  }
  EXPECT_GT(formula_rows, 250);  // Binomial(600, 1/2): 300 ± 12
  EXPECT_GT(other_rows, 20);
  EXPECT_GT(other_broken, other_rows / 2);
}

// Recovery: n = 16 and 32, 2 seeds each, 8000 rows (q = 32: 1.4% of the
// label-0 rows are satisfied random tuples, the outliers). Every seed is
// recovered exactly, with agreement above 0.99 (outliers hold a parity with
// probability ½), and the predictor reproduces the test labels exactly.
TEST(ClauseXor, RecoversThePlantedXorAssignment) {
  for (int n : {16, 32}) {
    for (Seed seed = 1; seed <= 2; ++seed) {
      const Instance inst =
          make({"formula=planted_xor", "n=" + std::to_string(n)}, seed, {8000, 1000});
      const Fit fit = eliminate(inst);
      ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
      const Metrics m = problem().judge(inst, fit);
      EXPECT_EQ(m.at("success"), 1.0) << n << " " << seed;
      EXPECT_EQ(m.at("accuracy"), 1.0) << n << " " << seed;
      EXPECT_GT(fit.stats.at("agreement"), 0.99);
      EXPECT_EQ(fit.stats.at("rank"), n);
    }
  }
}

// The same attack on the satisfied planting and on random formulas: half of
// the clauses break the parity, no subset of 60+ equations in 16 unknowns is
// consistent (probability ~2^-44 each), nothing is found.
TEST(ClauseXor, FailsOnTheSatisfiedPlantingAndOnRandomFormulas) {
  for (const char* kind : {"formula=planted", "formula=random"}) {
    for (Seed seed = 1; seed <= 2; ++seed) {
      const Instance inst = make({kind}, seed, {4000, 0});
      const Fit fit = eliminate(inst);
      const Metrics m = problem().judge(inst, fit);
      EXPECT_EQ(m.at("success"), 0.0) << kind << " " << seed;
      EXPECT_EQ(fit.stats.at("consistent_subsets"), 0.0) << kind << " " << seed;
      EXPECT_FALSE(fit.output["found"].get<bool>());
    }
  }
}

TEST(ClauseXor, DeterministicAndRejectsBadInput) {
  const Instance inst = make({"formula=planted_xor"}, 5, {3000, 200});
  EXPECT_EQ(eliminate(inst).output, eliminate(inst).output);
  expect_rejects_bad_input(
      inst, [](const Instance& i) { return eliminate(i); }, "clause_xor");
  EXPECT_CONTAINS(user_error([&] { eliminate(inst, {"subsets=0"}); }), "subsets");
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// Allen–O'Donnell–Witmer refute random K-SAT from about n^{K/2} clauses: the
// card states n^{K/2} and warns at or above it. Hand-worked: 16^{3/2} = 64
// (the default 2048 clauses are 32 times above it), 64^{3/2} = 512,
// 64^2 = 4096, 64^{5/2} = 32768, 16^{5/2} = 1024.
TEST(NaturalKsat, CardStatesTheRefutationThresholdAndWarnsAtOrAboveIt) {
  struct Case {
    int n, K;
    std::int64_t clauses;
    double threshold;
    bool warns;
  };
  for (const Case& c : std::vector<Case>{{16, 3, 2048, 64, true},
                                         {16, 3, 63, 64, false},
                                         {16, 3, 64, 64, true},
                                         {64, 3, 511, 512, false},
                                         {64, 3, 512, 512, true},
                                         {64, 4, 4095, 4096, false},
                                         {64, 5, 32768, 32768, true},
                                         {16, 5, 1000, 1024, false}}) {
    const std::string tag = "n=" + std::to_string(c.n) + " K=" + std::to_string(c.K) +
                            " clauses=" + std::to_string(c.clauses);
    const Instance inst = make({"n=" + std::to_string(c.n), "K=" + std::to_string(c.K), "q=4",
                                "clauses=" + std::to_string(c.clauses)},
                               1, {4, 0});
    EXPECT_EQ(inst.card.at("refutation_threshold").get<double>(), c.threshold) << tag;
    EXPECT_EQ(inst.card.at("rsat_regime").get<bool>(), !c.warns) << tag;
    const Json& warnings = inst.card.at("warnings");
    ASSERT_TRUE(warnings.is_array()) << tag;
    EXPECT_EQ(warnings.size(), c.warns ? 1u : 0u) << tag;
    if (c.warns) {
      EXPECT_NE(warnings[0].get<std::string>().find("n^(K/2)"), std::string::npos) << tag;
    }
  }
  // The defaults are outside the RSAT regime.
  const Instance defaults = make({}, 1, {4, 0});
  EXPECT_FALSE(defaults.card.at("rsat_regime").get<bool>());
  EXPECT_EQ(defaults.card.at("warnings").size(), 1u);
}

// Instances in the RSAT regime (n = 64, clauses = n^{K/2}/8) generate for
// K = 3, 4, 5 and keep the exact N_W identity on every row.
TEST(NaturalKsat, RsatRegimeInstancesGenerateForK345) {
  for (const int K : {3, 4, 5}) {
    const auto clauses = static_cast<std::int64_t>(std::pow(64.0, 0.5 * K) / 8);
    for (const std::string formula : {"planted", "planted_xor", "random"}) {
      const Instance inst = make({"n=64", "K=" + std::to_string(K), "q=8",
                                  "clauses=" + std::to_string(clauses), "formula=" + formula},
                                 2, {200, 50});
      EXPECT_TRUE(inst.card.at("rsat_regime").get<bool>()) << K << formula;
      EXPECT_TRUE(inst.card.at("warnings").empty()) << K << formula;
      EXPECT_EQ(inst.truth.at("formula").size(), static_cast<std::size_t>(clauses));
      EXPECT_LT(check_identity(inst, inst.train, K, false), 1e-12) << K << formula;
    }
  }
}

TEST(NaturalKsat, NullHypothesisIsTheRandomFormula) {
  const auto null = problem().null_hypothesis();
  ASSERT_TRUE(null.has_value());
  EXPECT_EQ(null->param, "formula");
  EXPECT_EQ(null->value, "random");
  EXPECT_EQ(null->statistic, "accuracy");
  EXPECT_FALSE(null->smaller_is_planted);
  const Instance inst = make({null->param + "=" + null->value}, 1, {4, 0});
  EXPECT_FALSE(inst.truth.at("planted").get<bool>());
}

}  // namespace
}  // namespace hardnets
