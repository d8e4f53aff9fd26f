// Tests for relu_reduction and its SAT deciders: brute force equals CaDiCaL;
// the encoding's identities at every ±1 assignment (the loss of [σ·x]_+ or
// |σ·x| counts the violated clauses); the calibration of docs/problems.md
// (exact_relu: every YES has OPT ≤ c_YES, every NO has OPT ≥ c_NO, the
// certificate's loss ≤ c_YES in exact rational arithmetic); the judge; bad
// input.
#include "hardnets/problems/relu_reduction.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"
#include "hardnets/learners/learner.h"
#include "test_util.h"

namespace hardnets::relu_reduction {
namespace {

using hardnets::testing::user_error;
using sat::Kind;

const Problem& problem() {
  return problem_registry().get("relu_reduction");
}

Instance make(const std::vector<std::string>& args, Seed seed) {
  return problem().generate(problem().spec().resolve(args), seed, {}, {});
}

std::vector<sat::Clause> random_clauses(int N, int M, bool negations, Rng& rng) {
  std::vector<sat::Clause> out;
  for (int j = 0; j < M; ++j) {
    sat::Clause c;
    while (c.size() < 3) {
      const int v = static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(N)));
      bool fresh = true;
      for (const auto& l : c) fresh = fresh && l.var != v;
      if (fresh) c.push_back({v, negations && rng.bernoulli(0.5)});
    }
    out.push_back(c);
  }
  return out;
}

sat::Assignment from_bits(std::uint64_t bits, int N) {
  sat::Assignment a(static_cast<std::size_t>(N));
  for (int u = 0; u < N; ++u) a[static_cast<std::size_t>(u)] = (bits >> u) & 1U;
  return a;
}

TEST(SatCertify, ClauseSemanticsOnAllEightAssignments) {
  // Clause (x0, ¬x1, x2): literal values (a0, !a1, a2).
  const sat::Clause c{{0, false}, {1, true}, {2, false}};
  for (std::uint64_t bits = 0; bits < 8; ++bits) {
    const auto a = from_bits(bits, 3);
    const int t = (a[0] ? 1 : 0) + (a[1] ? 0 : 1) + (a[2] ? 1 : 0);
    EXPECT_EQ(sat::satisfies(Kind::kOneInThree, c, a), t == 1) << bits;
    EXPECT_EQ(sat::satisfies(Kind::kNae, c, a), t == 1 || t == 2) << bits;
  }
}

TEST(SatCertify, BruteForceAgreesWithCadical) {
  Rng rng(5, stream_id("relu_reduction_test.sat"));
  int sat_count = 0, unsat_count = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const Kind kind = trial % 2 ? Kind::kNae : Kind::kOneInThree;
    const int N = 3 + static_cast<int>(rng.uniform_int(8));
    const int M = 1 + static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(3 * N)));
    const auto clauses = random_clauses(N, M, trial % 4 < 2, rng);
    const auto brute = sat::brute_force_solve(kind, N, clauses);
    const auto cdcl = sat::cadical_solve(kind, N, clauses);
    ASSERT_EQ(brute.has_value(), cdcl.has_value()) << "trial " << trial;
    if (brute) {
      EXPECT_EQ(sat::violated(kind, clauses, *brute), 0);
      EXPECT_EQ(sat::violated(kind, clauses, *cdcl), 0);
      ++sat_count;
    } else {
      // Brute force's NO: no assignment of the 2^N satisfies every clause.
      for (std::uint64_t bits = 0; bits < (std::uint64_t{1} << N); ++bits) {
        ASSERT_GT(sat::violated(kind, clauses, from_bits(bits, N)), 0);
      }
      ++unsat_count;
    }
  }
  // Both answers occur often enough for the comparison to mean something.
  EXPECT_GT(sat_count, 50);
  EXPECT_GT(unsat_count, 50);
}

// At w = σ ∈ {±1}^N: the 1-in-3 data's loss of [σ·x]_+ is 4N plus, per
// clause with t true literals, ([3 − 2t]_+ − 1)² = 4, 0, 1, 1 for t = 0..3;
// the NAE data's loss of |σ·x| is 8 per violated clause. So the loss at a
// ±1 point is c_YES exactly when σ satisfies the source.
TEST(ReluReduction, LossAtSignVectorsCountsViolatedClauses) {
  Rng rng(6, stream_id("relu_reduction_test.identity"));
  for (const Kind kind : {Kind::kOneInThree, Kind::kNae}) {
    for (int trial = 0; trial < 20; ++trial) {
      const int N = 3 + static_cast<int>(rng.uniform_int(4));
      const auto clauses = random_clauses(N, 2 + static_cast<int>(rng.uniform_int(6)), true, rng);
      const Dataset data = reduction_data(kind, N, clauses);
      const Thresholds th = thresholds(kind, N);
      for (std::uint64_t bits = 0; bits < (std::uint64_t{1} << N); ++bits) {
        const auto a = from_bits(bits, N);
        mpq_class expected = th.c_yes;
        for (const auto& c : clauses) {
          int t = 0;
          for (const auto& l : c) t += sat::literal_value(l, a) ? 1 : 0;
          if (kind == Kind::kOneInThree) {
            const int v = std::max(3 - 2 * t, 0) - 1;
            expected += v * v;
          } else if (t == 0 || t == 3) {
            expected += 8;
          }
        }
        EXPECT_EQ(exact_square_loss(certificate_network(kind, a), data), expected);
      }
    }
  }
}

Fit exact(const Instance& inst, int threads = 1) {
  const Learner& learner = learner_registry().get("exact_relu");
  LearnerContext ctx;
  ctx.threads = threads;
  ctx.task = inst.task;
  const int k = inst.task.at("hidden_width").get<int>();
  return learner.fit(inst.train,
                     learner.spec().resolve(std::vector<std::string>{
                         "k=" + std::to_string(k), "unit_bias=false", "output_bias=false"}),
                     ctx);
}

// The calibration of docs/problems.md §relu_reduction on instances small
// enough for exact_relu. The thresholds are proved; this checks the code.
TEST(ReluReduction, CalibrationAgainstExactRelu) {
  struct Case {
    std::string source;
    int vars, clauses;
    bool negations;
  };
  const std::vector<Case> cases{
      {"one_in_three", 4, 4, false}, {"one_in_three", 4, 8, true}, {"one_in_three", 5, 8, true},
      {"nae3sat", 3, 4, true},       {"nae3sat", 3, 6, true},      {"nae3sat", 4, 7, true},
  };
  for (const auto& c : cases) {
    for (const std::string mode : {"planted", "unsat"}) {
      for (const Seed seed : {1, 2, 3}) {
        const Instance inst = make({"source=" + c.source, "vars=" + std::to_string(c.vars),
                                    "clauses=" + std::to_string(c.clauses), "instance=" + mode,
                                    std::string("negations=") + (c.negations ? "true" : "false")},
                                   seed);
        const std::string where = c.source + " N=" + std::to_string(c.vars) + " " + mode +
                                  " seed " + std::to_string(seed);
        const bool yes = inst.truth.at("yes").get<bool>();
        ASSERT_EQ(yes, mode == "planted") << where;
        const double c_yes = inst.task.at("c_yes").get<double>();
        const double c_no = inst.task.at("c_no").get<double>();
        const Fit fit = exact(inst, 2);
        ASSERT_TRUE(fit.output.at("certified").get<bool>()) << where;
        const double opt = fit.stats.at(metric::kOptLoss);
        if (yes) {
          EXPECT_LE(opt, c_yes + 1e-9) << where;
          const ReluNet cert = ReluNet::from_json(inst.truth.at("certificate_network"));
          EXPECT_LE(exact_square_loss(cert, inst.train), mpq_class(c_yes)) << where;
          // 1-in-3: every network pays c_YES on the gadgets, so OPT = c_YES.
          if (c.source == "one_in_three") {
            EXPECT_GE(opt, c_yes - 1e-9) << where;
          }
        } else {
          EXPECT_GE(opt, c_no - 1e-9) << where;
        }
        const Metrics m = problem().judge(inst, fit);
        EXPECT_EQ(m.at("in_class"), 1.0) << where;
        EXPECT_EQ(m.at("calibrated"), 1.0) << where;
        EXPECT_EQ(m.at(metric::kSuccess), 1.0) << where;
      }
    }
  }
}

// Positive 1-in-3 on the 4 triples of 4 variables is the smallest NO
// instance (x1 true forces x2 = x3 = x4 false, violating {2,3,4}; x1 false
// leaves one of {2,3} true and {1,3,4} or {1,2,4} without a true literal...):
// OPT = 4N + ... ≥ 4N + 1 on the exact solver.
TEST(ReluReduction, FourTriplesOnFourVariablesAreNo) {
  std::vector<sat::Clause> clauses;
  for (int skip = 0; skip < 4; ++skip) {
    sat::Clause c;
    for (int v = 0; v < 4; ++v) {
      if (v != skip) c.push_back({v, false});
    }
    clauses.push_back(c);
  }
  EXPECT_FALSE(sat::brute_force_solve(Kind::kOneInThree, 4, clauses).has_value());
  Instance inst;
  inst.train = reduction_data(Kind::kOneInThree, 4, clauses);
  inst.task = Json{{"hidden_width", 1}};
  const Fit fit = exact(inst);
  EXPECT_GE(fit.stats.at(metric::kOptLoss), thresholds(Kind::kOneInThree, 4).c_no - 1e-9);
}

TEST(ReluReduction, JudgeChecksTheClassAndTheDecision) {
  const Instance yes = make({"source=nae3sat", "vars=5", "clauses=6"}, 3);
  ASSERT_TRUE(yes.truth.at("yes").get<bool>());
  Fit fit;
  ReluNet cert = ReluNet::from_json(yes.truth.at("certificate_network"));
  fit.predictor = std::make_shared<ReluNetPredictor>(cert);
  Metrics m = problem().judge(yes, fit);
  EXPECT_EQ(m.at("in_class"), 1.0);
  EXPECT_EQ(m.at("reduction_loss"), 0.0);
  EXPECT_EQ(m.at("found_yes"), 1.0);
  EXPECT_EQ(m.at(metric::kSuccess), 1.0);
  EXPECT_EQ(m.count("calibrated"), 0U) << "no optimality claim, no calibration";
  // The same network with a hidden bias is outside the class: no YES found.
  cert.layers()[0].b[0] = 1e-3;
  fit.predictor = std::make_shared<ReluNetPredictor>(cert);
  m = problem().judge(yes, fit);
  EXPECT_EQ(m.at("in_class"), 0.0);
  EXPECT_EQ(m.at("found_yes"), 0.0);
  EXPECT_EQ(m.at(metric::kSuccess), 0.0);
  // A NO instance: the zero network is not a certificate of anything.
  const Instance no =
      make({"source=one_in_three", "vars=4", "clauses=8", "instance=unsat", "negations=true"}, 1);
  ASSERT_FALSE(no.truth.at("yes").get<bool>());
  fit.predictor = std::make_shared<ReluNetPredictor>(ReluNet({4, 1, 1}));
  m = problem().judge(no, fit);
  EXPECT_EQ(m.at("reduction_loss"), no.train.y.squaredNorm());
  EXPECT_EQ(m.at("certified_no"), 0.0);
  EXPECT_EQ(m.at(metric::kSuccess), 0.0);
  // An optimality claim for the l1 loss says nothing about the square-loss OPT.
  fit.output = Json{{"certified", true}, {"loss", "l1"}};
  EXPECT_EQ(problem().judge(no, fit).at("certified_no"), 0.0);
  fit.output = Json{{"certified", true}, {"loss", "square"}};
  m = problem().judge(no, fit);
  EXPECT_EQ(m.at("certified_no"), 1.0);
  EXPECT_EQ(m.at("calibrated"), 1.0);
}

TEST(ReluReduction, DeterministicAndShapedAsDocumented) {
  const Instance a = make({"source=one_in_three", "vars=6", "clauses=9"}, 4);
  const Instance b = make({"source=one_in_three", "vars=6", "clauses=9"}, 4);
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_EQ(a.train.size(), 2 * 6 + 9);
  EXPECT_EQ(a.train.dim(), 6);
  const Instance c = make({"source=nae3sat", "vars=6", "clauses=9"}, 4);
  EXPECT_EQ(c.train.size(), 2 * 6 + 2 * 9);
  EXPECT_EQ(c.card.at("c_no").get<double>(), 0.5);
  // Every clause has three distinct variables.
  for (const auto& clause : c.truth.at("clauses")) {
    std::set<int> vars;
    for (const auto& lit : clause) vars.insert(std::abs(lit.get<int>()));
    EXPECT_EQ(vars.size(), 3U);
  }
  // CaDiCaL certifies beyond brute force.
  const Instance big = make({"source=nae3sat", "vars=40", "clauses=60", "instance=random"}, 1);
  EXPECT_EQ(big.truth.at("certifier").get<std::string>(), "cadical");
}

TEST(ReluReduction, BadInputIsAUserError) {
  EXPECT_CONTAINS(
      user_error([] {
        make({"source=one_in_three", "vars=3", "clauses=1", "instance=unsat", "tries=20"}, 1);
      }),
      "no unsatisfiable one_in_three instance");
  EXPECT_CONTAINS(user_error([] {
                    make({"vars=40", "certifier=brute_force"}, 1);
                  }),
                  "brute_force handles vars <= 30");
  EXPECT_CONTAINS(user_error([] { make({"vars=2"}, 1); }), "vars");
  EXPECT_CONTAINS(user_error([] { make({"source=maxcut"}, 1); }), "source");
}

}  // namespace
}  // namespace hardnets::relu_reduction
