// Certificates for the PRG core of Daniely–Vardi 2021 (goldreich), the base learning problem
// prg_hyperedge and the sparse_parity control.
//
// Statistical checks use fixed seeds; each tolerance is 5 (or 6) standard
// deviations of the statistic at the stated sample size, so a correct sampler
// fails with probability below 1e-6 per check, while the defects they guard
// against (an index biased by the skipping step, repeats inside a tuple, a
// wrong collision formula, a noise rate off by a factor) move the statistic
// by many standard deviations.
#include "hardnets/contracts/goldreich.h"

#include <bit>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/problems/prg_hyperedge.h"
#include "hardnets/problems/sparse_parity.h"
#include "test_util.h"

namespace hardnets {
namespace {

using namespace goldreich;
using hardnets::testing::user_error;

Instance make(const std::string& problem, const std::vector<std::string>& args, Seed seed,
              Sizes sizes) {
  const Problem& p = problem_registry().get(problem);
  return p.generate(p.spec().resolve(args), seed, sizes, {1});
}

TEST(GoldreichPredicate, TruthTablesMatchTheirFormulas) {
  for (int k = 1; k <= 6; ++k) {
    const Predicate p = xor_predicate(k);
    for (std::uint32_t x = 0; x < (1u << k); ++x) EXPECT_EQ(p(x), std::popcount(x) % 2);
  }
  const Predicate p5 = p5_predicate();
  for (std::uint32_t x = 0; x < 32; ++x) {
    const int b1 = x & 1, b2 = (x >> 1) & 1, b3 = (x >> 2) & 1, b4 = (x >> 3) & 1,
              b5 = (x >> 4) & 1;
    EXPECT_EQ(p5(x), b1 ^ b2 ^ b3 ^ (b4 & b5)) << x;
  }
  const Predicate xm = xor_maj_predicate(2, 3);
  for (std::uint32_t x = 0; x < 32; ++x) {
    const int maj = ((x >> 2) & 1) + ((x >> 3) & 1) + ((x >> 4) & 1) >= 2;
    EXPECT_EQ(xm(x), (x & 1) ^ ((x >> 1) & 1) ^ maj) << x;
  }
  EXPECT_EQ(xor_predicate(2).hex(), "6");
  EXPECT_EQ(xor_predicate(3).hex(), "96");
  EXPECT_EQ(xor_predicate(1).hex(), "2");
  // Every table round-trips through its hex form.
  for (const Predicate& p : {p5, xm, xor_predicate(4), xor_maj_predicate(4, 5)}) {
    EXPECT_EQ(table_predicate(p.k, p.hex()).table, p.table) << p.label();
  }
  EXPECT_EQ(table_predicate(3, "E8").table, table_predicate(3, "e8").table);  // MAJ_3
}

TEST(GoldreichPredicate, WalshSpectrumOfP5IsExactlyOnFourSets) {
  // (-1)^P5 = χ_123 (-1)^{x4 x5} and (-1)^{x4 x5} = (1 + χ4 + χ5 − χ45)/2.
  const auto w = walsh_spectrum(p5_predicate());
  const std::map<std::uint32_t, double> expected{
      {0b00111, 0.5}, {0b01111, 0.5}, {0b10111, 0.5}, {0b11111, -0.5}};
  for (std::uint32_t t = 0; t < 32; ++t) {
    const auto it = expected.find(t);
    EXPECT_EQ(w[t], it == expected.end() ? 0.0 : it->second) << "T = " << t;
  }
  // Parseval: Σ W(T)^2 = 1 for every Boolean function.
  for (const Predicate& p : {p5_predicate(), xor_maj_predicate(3, 3), table_predicate(4, "1e7b")}) {
    double sum = 0;
    for (double v : walsh_spectrum(p)) sum += v * v;
    EXPECT_NEAR(sum, 1.0, 1e-15) << p.label();
  }
}

TEST(GoldreichPredicate, ResilienceDegreeAndSymmetry) {
  for (int k = 1; k <= 6; ++k) {
    EXPECT_EQ(resilience_order(xor_predicate(k)), k);
    EXPECT_EQ(gf2_degree(xor_predicate(k)), 1);
    EXPECT_EQ(complement_invariant(xor_predicate(k)), k % 2 == 0);
  }
  EXPECT_EQ(resilience_order(p5_predicate()), 3);
  EXPECT_EQ(gf2_degree(p5_predicate()), 2);
  EXPECT_EQ(resilience_order(xor_maj_predicate(3, 3)), 4);  // t = a + 1
  EXPECT_EQ(resilience_order(xor_maj_predicate(4, 5)), 5);
  EXPECT_EQ(bias(p5_predicate()), 0.5);
  EXPECT_EQ(bias(table_predicate(2, "8")), 0.25);  // AND_2
  // ANF of P5: x1 + x2 + x3 + x4 x5.
  const auto anf = algebraic_normal_form(p5_predicate());
  for (std::uint32_t t = 0; t < 32; ++t) {
    const bool in = t == 1 || t == 2 || t == 4 || t == 0b11000;
    EXPECT_EQ(anf[t], in ? 1 : 0) << t;
  }
  EXPECT_EQ(gf2_degree(xor_maj_predicate(2, 3)), 2);  // MAJ_3 = x y + y z + x z
}

TEST(GoldreichPredicate, BadTablesAreRejectedWithTheExpectedLength) {
  EXPECT_CONTAINS(user_error([] { table_predicate(3, "9"); }), "2 hex digits; got 1 characters");
  EXPECT_CONTAINS(user_error([] { table_predicate(5, "96"); }), "8 hex digits");
  EXPECT_CONTAINS(user_error([] { table_predicate(3, "9g"); }), "not a hex digit");
  EXPECT_CONTAINS(user_error([] { table_predicate(1, "7"); }), "only 2 entries");
  const Problem& prg = problem_registry().get("prg_hyperedge");
  auto gen = [&](std::vector<std::string> args) {
    return user_error([&] { prg.generate(prg.spec().resolve(args), 1, {10, 0}, {1}); });
  };
  EXPECT_CONTAINS(gen({"predicate=table", "k=3", "table=abc"}),
                  "prg_hyperedge: a truth table for k = 3 has 2^3 = 8 entries");
  EXPECT_CONTAINS(gen({"predicate=table", "k=3"}), "needs -p table=HEX");
  EXPECT_CONTAINS(gen({"predicate=xor_maj", "a=2", "b=4"}), "odd number b");
  EXPECT_CONTAINS(gen({"predicate=xor", "k=9", "n=8"}), "k = 9 exceeds n = 8");
  EXPECT_CONTAINS(gen({"predicate=p5", "n=4"}), "k = 5 exceeds n = 4");
  EXPECT_CONTAINS(user_error([&] { prg.spec().resolve(std::vector<std::string>{"stretch=-1"}); }),
                  "stretch");
  EXPECT_CONTAINS(gen({"n=1024", "stretch=2.5"}), "use -p encoding=index");
}

TEST(GoldreichHypergraph, MarginalsAreUniformAndIndicesDistinct) {
  const int n = 10, k = 3;
  const std::int64_t m = 200000;
  const Hypergraph g = draw_hypergraph(n, k, m, Rng(7, 1));
  std::vector<std::vector<double>> counts(k, std::vector<double>(n, 0));
  std::vector<double> degree(n, 0), pairs(n * n, 0);
  for (std::int64_t i = 0; i < m; ++i) {
    const auto e = g.edge(i);
    ASSERT_NE(e[0], e[1]);
    ASSERT_NE(e[0], e[2]);
    ASSERT_NE(e[1], e[2]);
    for (int j = 0; j < k; ++j) {
      counts[j][e[j]] += 1;
      degree[e[j]] += 1;
    }
    pairs[e[0] * n + e[1]] += 1;
  }
  // Each position: Binomial(m, 1/n) per index, sd = sqrt(m (1/n)(1 − 1/n)).
  const double sd = std::sqrt(m * 0.1 * 0.9);
  for (int j = 0; j < k; ++j) {
    for (int v = 0; v < n; ++v) EXPECT_NEAR(counts[j][v], m / 10.0, 5 * sd) << j << " " << v;
  }
  // Degrees: E|{i : S_i ∋ v}| = k m / n (sum of k such binomials; sd ≤ sqrt(k) sd).
  for (int v = 0; v < n; ++v) EXPECT_NEAR(degree[v], k * m / 10.0, 5 * std::sqrt(3.0) * sd);
  // The ordered pair (i_1, i_2) is uniform over the n(n-1) = 90 ordered pairs:
  // chi-square with 89 degrees of freedom (mean 89, sd sqrt(178) ≈ 13.3).
  double chi2 = 0;
  const double expected = m / 90.0;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) {
        EXPECT_EQ(pairs[a * n + b], 0);
        continue;
      }
      chi2 += std::pow(pairs[a * n + b] - expected, 2) / expected;
    }
  }
  EXPECT_LT(chi2, 89 + 6 * 13.3);
  // Edge i depends only on its own position: drawing fewer edges gives a prefix.
  const Hypergraph prefix = draw_hypergraph(n, k, 100, Rng(7, 1));
  EXPECT_TRUE(std::equal(prefix.indices.begin(), prefix.indices.end(), g.indices.begin()));
}

TEST(GoldreichHypergraph, RankIsABijectionOntoTheOrderedTuples) {
  const int n = 6, k = 3;
  ASSERT_EQ(falling(n, k), 120u);
  std::set<std::vector<std::int32_t>> tuples;
  for (std::uint64_t r = 0; r < falling(n, k); ++r) {
    std::vector<std::int32_t> t(k);
    unrank_tuple(r, n, k, t);
    EXPECT_EQ(rank_tuple(t, n), r);
    EXPECT_TRUE(t[0] != t[1] && t[0] != t[2] && t[1] != t[2]);
    tuples.insert(t);
  }
  EXPECT_EQ(tuples.size(), 120u);
  // Lexicographic: rank 0 is (0, 1, 2), the last is (5, 4, 3).
  EXPECT_EQ(*tuples.begin(), (std::vector<std::int32_t>{0, 1, 2}));
  std::vector<std::int32_t> last(k);
  unrank_tuple(119, n, k, last);
  EXPECT_EQ(last, (std::vector<std::int32_t>{5, 4, 3}));
}

TEST(GoldreichHypergraph, CollisionCountMatchesItsFormula) {
  // A reference value: n = 64, m = 512 predicts 59.7 collisions.
  EXPECT_NEAR(expected_pair_collisions(64, 512), 59.7, 0.05);
  // Mean over 400 hypergraphs; the count's sd is below sqrt(60) ≈ 7.8, so the
  // mean's is below 0.39 and 5 sd is 2.
  double total = 0;
  const int runs = 400;
  for (int r = 0; r < runs; ++r) {
    total += static_cast<double>(count_pair_collisions(draw_hypergraph(64, 5, 512, Rng(r, 3))));
  }
  EXPECT_NEAR(total / runs, expected_pair_collisions(64, 512), 2.0);
}

TEST(GoldreichHypergraph, EncodingsRoundTripAndMalformedRowsAreNamed) {
  const Hypergraph g = draw_hypergraph(12, 3, 50, Rng(1, 2));
  for (const std::string encoding : {"onehot", "index"}) {
    const Task task{12, xor_predicate(3), encoding};
    EXPECT_EQ(decode(encode(g, encoding), task, "t").indices, g.indices);
  }
  const Task onehot{12, xor_predicate(3), "onehot"};
  Matrix X = encode(g, "onehot");
  X(4, 13) = 1.0;  // a second 1 in block 1 of row 4
  EXPECT_CONTAINS(user_error([&] { decode(X, onehot, "gf2"); }),
                  "gf2: row 4 block 1 is not one-hot");
  Matrix I = encode(g, "index");
  I(2, 1) = I(2, 0);
  EXPECT_CONTAINS(user_error([&] {
                    decode(I, Task{12, xor_predicate(3), "index"}, "gf2");
                  }),
                  "row 2 repeats index");
  I(2, 1) = 12;
  EXPECT_CONTAINS(user_error([&] {
                    decode(I, Task{12, xor_predicate(3), "index"}, "gf2");
                  }),
                  "not an index in [0, 12)");
  EXPECT_CONTAINS(user_error([&] { decode(Matrix::Zero(3, 5), onehot, "gf2"); }),
                  "has 36 columns (n = 12, k = 3), got 5");
  EXPECT_CONTAINS(user_error([] {
                    Task::from_json(Json{{"family", "parity"}}, "p5_collision");
                  }),
                  "p5_collision: needs a Goldreich PRG task");
}

TEST(PrgHyperedge, ExactDepthTwoNetworkReproducesEveryLabel) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"predicate=xor", "k=3"},
                                             {"predicate=p5"},
                                             {"predicate=xor_maj", "a=2", "b=3"},
                                             {"predicate=table", "k=4", "table=1e7b"},
                                             {"predicate=table", "k=2", "table=0"}}) {
    std::vector<std::string> full = args;
    full.push_back("n=20");
    const Instance inst = make("prg_hyperedge", full, 11, {300, 300});
    const auto seed = seed_from_string(inst.truth["seed"].get<std::string>(), 20, "test");
    const Task task = Task::from_json(inst.task, "test");
    const ReluNet net = hyperedge_network(task.predicate, seed);
    EXPECT_LE(net.layers()[0].W.rows(), 1 << task.predicate.k);
    // Exact: every pre-activation is an integer computed exactly in doubles.
    EXPECT_EQ(net.forward(inst.train.X), inst.train.y) << args[0];
    EXPECT_EQ(net.forward(inst.test.X), inst.test.y) << args[0];
    // The labels are P(s_S) recomputed from the decoded hyperedges.
    const auto y = outputs(task.predicate, decode(inst.train.X, task, "test"), seed);
    for (std::size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(inst.train.y[static_cast<Eigen::Index>(i)], y[i]);
    }
  }
}

TEST(PrgHyperedge, EncodingsCarryTheSameHyperedgesAndStretchSetsM) {
  const Instance a = make("prg_hyperedge", {"n=30", "encoding=onehot"}, 5, {200, 50});
  const Instance b = make("prg_hyperedge", {"n=30", "encoding=index"}, 5, {200, 50});
  EXPECT_EQ(a.train.y, b.train.y);
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_EQ(decode(a.train.X, Task::from_json(a.task, "t"), "t").indices,
            decode(b.train.X, Task::from_json(b.task, "t"), "t").indices);
  const Instance c = make("prg_hyperedge", {"n=64", "stretch=1.5", "encoding=index"}, 5, {7, 10});
  EXPECT_EQ(c.train.size(), 512);
  EXPECT_EQ(c.card["m"], 512);
  EXPECT_FALSE(a.task.dump().find(a.truth["seed"].get<std::string>()) != std::string::npos);
}

TEST(PrgHyperedge, JudgeSplitsSeenAndUnseenAndScoresSeeds) {
  // n = 6, k = 2: only 30 ordered pairs, so most test hyperedges were seen.
  const Instance inst =
      make("prg_hyperedge", {"n=6", "predicate=xor", "k=2", "encoding=index"}, 3, {40, 500});
  const Problem& prg = problem_registry().get("prg_hyperedge");
  const Task task = Task::from_json(inst.task, "t");
  const auto seed = seed_from_string(inst.truth["seed"].get<std::string>(), 6, "t");
  Fit truth_fit;
  truth_fit.predictor = std::make_shared<SeedPredictor>(task, seed);
  truth_fit.output = Json{{"seed", seed_to_string(seed)}, {"found", true}};
  Metrics m = prg.judge(inst, truth_fit);
  EXPECT_EQ(m[metric::kAccuracy], 1.0);
  EXPECT_EQ(m[metric::kSuccess], 1.0);
  EXPECT_EQ(m["found"], 1.0);
  // Count the unseen fraction independently.
  std::set<std::pair<int, int>> train_pairs;
  for (Eigen::Index i = 0; i < inst.train.size(); ++i) {
    train_pairs.insert(
        {static_cast<int>(inst.train.X(i, 0)), static_cast<int>(inst.train.X(i, 1))});
  }
  double unseen = 0;
  for (Eigen::Index i = 0; i < inst.test.size(); ++i) {
    unseen += !train_pairs.count(
        {static_cast<int>(inst.test.X(i, 0)), static_cast<int>(inst.test.X(i, 1))});
  }
  EXPECT_DOUBLE_EQ(m["unseen_fraction"], unseen / 500);
  EXPECT_GT(unseen, 0);
  EXPECT_DOUBLE_EQ(m["advantage"], 0.5);
  // XOR_2 is complement-invariant: the complement is the same seed.
  auto complement = seed;
  for (auto& b : complement) b ^= 1;
  Fit flipped;
  flipped.output = Json{{"seed", seed_to_string(complement)}};
  EXPECT_EQ(prg.judge(inst, flipped)[metric::kSuccess], 1.0);
  // For P5 it is not, and one wrong bit is a failure with 5/6 bit accuracy.
  const Instance p5 = make("prg_hyperedge", {"n=6", "encoding=index"}, 3, {40, 50});
  const auto s5 = seed_from_string(p5.truth["seed"].get<std::string>(), 6, "t");
  auto c5 = s5;
  for (auto& b : c5) b ^= 1;
  flipped.output = Json{{"seed", seed_to_string(c5)}};
  EXPECT_EQ(prg.judge(p5, flipped)[metric::kSuccess], 0.0);
  c5 = s5;
  c5[2] ^= 1;
  flipped.output = Json{{"seed", seed_to_string(c5)}};
  Metrics one_off = prg.judge(p5, flipped);
  EXPECT_EQ(one_off[metric::kSuccess], 0.0);
  EXPECT_DOUBLE_EQ(one_off["seed_bit_accuracy"], 5.0 / 6.0);
  EXPECT_CONTAINS(user_error([&] {
                    flipped.output = Json{{"seed", "0101"}};
                    prg.judge(p5, flipped);
                  }),
                  "a seed has n = 6 bits, got 4");
}

TEST(PrgHyperedge, UniformLabelsAreFairBitsAndGiveNoAdvantage) {
  const Instance inst =
      make("prg_hyperedge", {"n=200", "labels=uniform", "encoding=index"}, 9, {20000, 20000});
  // Mean of 20000 fair bits: sd 0.0035, 5 sd = 0.018.
  EXPECT_NEAR(inst.train.y.mean(), 0.5, 0.018);
  // The true seed's predictions are no better than chance against them.
  const Task task = Task::from_json(inst.task, "t");
  Fit fit;
  fit.predictor = std::make_shared<SeedPredictor>(
      task, seed_from_string(inst.truth["seed"].get<std::string>(), 200, "t"));
  fit.output = Json{{"seed", inst.truth["seed"]}};
  const Metrics m = problem_registry().get("prg_hyperedge").judge(inst, fit);
  EXPECT_NEAR(m.at("advantage"), 0.0, 0.018);
  EXPECT_EQ(m.at(metric::kSuccess), 0.0);
}

TEST(SparseParity, LabelsAreTheParityWithTheStatedNoise) {
  const Instance clean = make("sparse_parity", {"n=40", "k=3"}, 4, {5000, 100});
  const auto support = clean.truth["support"].get<std::vector<int>>();
  ASSERT_EQ(support.size(), 3u);
  EXPECT_TRUE(std::is_sorted(support.begin(), support.end()));
  for (Eigen::Index i = 0; i < clean.train.size(); ++i) {
    double y = 1;
    for (int j : support) y *= clean.train.X(i, j);
    ASSERT_EQ(clean.train.y[i], y);
  }
  EXPECT_TRUE((clean.train.X.array().abs() == 1.0).all());
  const Instance noisy = make("sparse_parity", {"n=40", "k=3", "noise=0.2"}, 4, {20000, 100});
  double flipped = 0;
  for (Eigen::Index i = 0; i < noisy.train.size(); ++i) {
    double y = 1;
    for (int j : support) y *= noisy.train.X(i, j);
    flipped += noisy.train.y[i] != y;
  }
  // Binomial(20000, 0.2): sd 57, 5 sd = 283 flips.
  EXPECT_NEAR(flipped, 4000, 283);
  EXPECT_EQ(noisy.truth, clean.truth);  // same seed, same support
  EXPECT_CONTAINS(user_error([] {
                    make("sparse_parity", {"n=4", "k=5"}, 1, {10, 10});
                  }),
                  "k = 5 exceeds n = 4");
}

TEST(SparseParity, JudgeScoresSupportsAndPredictors) {
  const Instance inst = make("sparse_parity", {"n=30", "k=2", "noise=0.1"}, 8, {10, 4000});
  const Problem& p = problem_registry().get("sparse_parity");
  const auto support = inst.truth["support"].get<std::vector<int>>();
  Fit exact;
  exact.predictor = std::make_shared<ParityPredictor>(support);
  exact.output = Json{{"support", Json{support[1], support[0]}}, {"found", true}};
  Metrics m = p.judge(inst, exact);
  EXPECT_EQ(m["clean_accuracy"], 1.0);
  EXPECT_EQ(m[metric::kSuccess], 1.0);
  // Against labels flipped with probability 0.1: sd 0.0047, 5 sd = 0.024.
  EXPECT_NEAR(m[metric::kAccuracy], 0.9, 0.024);
  Fit wrong;
  wrong.predictor = std::make_shared<ParityPredictor>(std::vector<int>{support[0]});
  m = p.judge(inst, wrong);
  EXPECT_EQ(m[metric::kSuccess], 0.0);
  EXPECT_NEAR(m["clean_accuracy"], 0.5, 0.04);
}

TEST(PrgHyperedge, RunsEndToEndFromTheCli) {
  const auto r = testing::run_cli(
      "run prg_hyperedge mean -p n=32 -p predicate=xor_maj -p a=2 -p b=3 --n-train 500 "
      "--n-test 500 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "unseen_accuracy");
  const auto bad = testing::run_cli("run prg_hyperedge mean -p predicate=table -p k=3 -p table=1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_CONTAINS(bad.output, "prg_hyperedge: a truth table for k = 3");
}

}  // namespace
}  // namespace hardnets
