// Tests of decode-then-attack (learners/prg_decode.h): the decoder of the
// lifted PRG networks prg_depth3 / prg_depth2_smoothed (our reconstruction
// of Daniely–Srebro–Vardi 2023) against the problem's own decoding and clean
// rows, on generated and on crafted rows, and the attacks gf2, p5_collision
// and spectral_p5 run through it end to end. Fixed seeds throughout; the
// sizes are those where the plain attack on prg_hyperedge succeeds
// (tests/prg_attacks_test.cpp, tests/spectral_p5_test.cpp), divided by the
// clean fraction, with a margin of 1.25.
#include "hardnets/learners/prg_decode.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/prg_network.h"
#include "test_util.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;
using prg_decode::RowCase;

const char* problem_of(prg_network::Kind kind) {
  return kind == prg_network::Kind::kDepth3 ? "prg_depth3" : "prg_depth2_smoothed";
}

Instance generate(prg_network::Kind kind, const std::vector<std::string>& args, Seed seed,
                  std::int64_t n_train, std::int64_t n_test = 500) {
  const Problem& p = problem_registry().get(problem_of(kind));
  return p.generate(p.spec().resolve(args), seed, Sizes{n_train, n_test}, {1});
}

Fit run(const std::string& learner, const Dataset& train, const Json& task) {
  const Learner& l = learner_registry().get(learner);
  LearnerContext ctx;
  ctx.task = task;
  return l.fit(train, l.spec().defaults(), ctx);
}

// ---------------------------------------------------------------- decoder

// Every training row of a τ = 0 instance: decoded iff the judge counts it
// clean (prg_network::clean_rows), with Network::decode's tuple and the
// hidden bit P(s_S); skipped rows counted by reason, every reason occurring.
void expect_agrees_with_network(prg_network::Kind kind, const std::vector<std::string>& args) {
  const Instance inst = generate(kind, args, 5, 3000, 10);
  const prg_network::Network net = prg_network::Network::from_params(kind, inst.params, inst.seed);
  const auto secret =
      goldreich::seed_from_string(inst.truth.at("seed").get<std::string>(), net.n(), "test");
  const prg_decode::NetworkTask task = prg_decode::NetworkTask::from_json(inst.task, "test");
  const Matrix& X = inst.train.X;
  const std::vector<char> clean = prg_network::clean_rows(net, X);
  const std::vector<std::uint8_t> bits = prg_network::hidden_bits(net, secret, X);
  std::int32_t mine[goldreich::kMaxArity], theirs[goldreich::kMaxArity];
  std::int64_t counts[7] = {0, 0, 0, 0, 0, 0, 0};
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    std::uint8_t bit = 2;
    const RowCase c = prg_decode::decode_row(task, X.row(i).data(), inst.train.y[i], mine, bit);
    ++counts[static_cast<int>(c)];
    const bool distinct = net.decode(X.row(i).data(), theirs);
    SCOPED_TRACE(::testing::Message() << "row " << i << ": " << prg_decode::case_name(c));
    EXPECT_EQ(c == RowCase::kClean, clean[static_cast<std::size_t>(i)] != 0);
    EXPECT_EQ(c == RowCase::kRepeated, !distinct);
    // Network::decode stops at the first repeat, so only distinct tuples
    // are compared entry by entry.
    if (distinct) {
      for (int j = 0; j < net.k(); ++j) ASSERT_EQ(mine[j], theirs[j]);
    }
    if (c == RowCase::kClean) {
      EXPECT_EQ(bit, bits[static_cast<std::size_t>(i)]);
    }
  }
  // At τ = 0 a clean label is exactly 0 or the gap: the margin skips nothing.
  EXPECT_EQ(counts[static_cast<int>(RowCase::kLabelMargin)], 0);
  const std::vector<RowCase> reasons =
      kind == prg_network::Kind::kDepth3
          ? std::vector<RowCase>{RowCase::kRepeated, RowCase::kBand, RowCase::kAnnulus}
          : std::vector<RowCase>{RowCase::kRepeated, RowCase::kWeak, RowCase::kOtherPattern};
  for (RowCase r : reasons) EXPECT_GT(counts[static_cast<int>(r)], 0) << prg_decode::case_name(r);
  // Measured: 506 of 3000 clean rows at depth 2 (ω = 0.3), most at depth 3.
  EXPECT_GT(counts[static_cast<int>(RowCase::kClean)], X.rows() / 10);

  // decode() keeps exactly the clean rows, in order, and counts the rest.
  const prg_decode::Decoded d = prg_decode::decode(task, inst.train, "test");
  EXPECT_EQ(d.stats.rows, X.rows());
  EXPECT_EQ(d.stats.decoded, counts[static_cast<int>(RowCase::kClean)]);
  for (int c = 1; c < 7; ++c) EXPECT_EQ(d.stats.skipped[c], counts[c]) << c;
  Eigen::Index m = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (!clean[static_cast<std::size_t>(i)]) continue;
    net.decode(X.row(i).data(), theirs);
    for (int j = 0; j < net.k(); ++j) ASSERT_EQ(d.challenges.X(m, j), theirs[j]);
    ASSERT_EQ(d.challenges.y[m], bits[static_cast<std::size_t>(i)]);
    ++m;
  }
  EXPECT_EQ(m, d.challenges.size());
}

TEST(PrgDecode, AgreesWithTheNetworkOnGeneratedRows) {
  // Depth 3 at the default δ = 0.1 / R (n = 16, R = 12): band ≈ 8 %, annulus
  // ≈ 7 %, repeated ≈ 18 % of 3000 rows (docs/problems.md's case table), so
  // every reason occurs. Materialised labels (3360 units).
  expect_agrees_with_network(prg_network::Kind::kDepth3, {"n=16", "predicate=xor", "k=3"});
  // Depth 2 with a hypercube base (repeats) and ω = 0.3, wide enough that
  // weak rows (u_S <= 1/2) and rows with a second active pattern occur.
  expect_agrees_with_network(prg_network::Kind::kDepth2,
                             {"n=16", "predicate=xor", "k=3", "base=hypercube", "omega=0.3"});
}

struct Crafted {
  std::vector<double> x;
  double y;
  RowCase expected;
  int bit = -1;  // the decoded bit of a clean row
};

// Rows on n = 4 (L = 2), k = 2, no padding: R = d = 4; S(x) = (b0 + 2 b1,
// b2 + 2 b3).
void expect_crafted(prg_network::Kind kind, const std::vector<std::string>& args,
                    const std::vector<Crafted>& rows) {
  const Instance inst = generate(kind, args, 1, 4, 4);
  const prg_decode::NetworkTask task = prg_decode::NetworkTask::from_json(inst.task, "test");
  const prg_network::Network net = prg_network::Network::from_params(kind, inst.params, inst.seed);
  ASSERT_EQ(task.d, 4);
  ASSERT_EQ(task.R, 4);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Crafted& row = rows[r];
    SCOPED_TRACE(::testing::Message() << "crafted row " << r);
    std::int32_t mine[2], theirs[2];
    std::uint8_t bit = 2;
    const RowCase c = prg_decode::decode_row(task, row.x.data(), row.y, mine, bit);
    EXPECT_EQ(prg_decode::case_name(c), std::string(prg_decode::case_name(row.expected)));
    net.decode(row.x.data(), theirs);
    EXPECT_EQ(mine[0], theirs[0]);
    EXPECT_EQ(mine[1], theirs[1]);
    if (row.expected == RowCase::kClean) {
      EXPECT_EQ(bit, row.bit);
    }
  }
}

TEST(PrgDecode, SkipsExactlyTheAmbiguousCraftedRows) {
  using R = RowCase;
  // Depth 3, δ = 0.1: S = (1, 2) for signs (+, −, −, +).
  expect_crafted(prg_network::Kind::kDepth3, {"n=4", "predicate=xor", "k=2", "pad=0", "delta=0.1"},
                 {
                     {{1, -1, -1, 1}, 1.0, R::kClean, 1},
                     {{1, -1, -1, 1}, 0.0, R::kClean, 0},
                     {{1, -1, 1, -1}, 1.0, R::kRepeated},    // S = (1, 1)
                     {{1, -0.05, -1, 1}, 0.0, R::kBand},     // |x_1| <= δ
                     {{1, 0.0, -1, 1}, 0.0, R::kBand},       // x_1 = 0: bit 0, in the band
                     {{1, -0.1, -1, 1}, 0.0, R::kBand},      // |x_1| = δ exactly
                     {{1, -0.15, -1, 1}, 0.3, R::kAnnulus},  // δ < |x_1| <= 2δ
                     {{1, -0.2, -1, 1}, 0.0, R::kAnnulus},   // |x_1| = 2δ exactly
                     {{1, -0.25, -1, 1}, 1.0, R::kClean, 1},
                     {{1, -1, -1, 1}, 0.6, R::kLabelMargin},  // |y − 1/2| < 1/4
                     {{1, -1, -1, 1}, 0.3, R::kLabelMargin},
                     {{1, -1, -1, 1}, 0.76, R::kClean, 1},
                     {{1, -1, -1, 1}, 0.24, R::kClean, 0},
                 });
  // Depth 2: u_S = Σ|x_c| − 3, decision point u_S / 2, margin u_S / 4.
  expect_crafted(prg_network::Kind::kDepth2, {"n=4", "predicate=xor", "k=2", "pad=0"},
                 {
                     {{1, -1, -1, 1}, 1.0, R::kClean, 1},
                     {{1, -1, -1, 1}, 0.0, R::kClean, 0},
                     {{1, -1, 1, -1}, 1.0, R::kRepeated},
                     {{0.6, -0.6, -1, 1}, 0.0, R::kWeak},              // u = 0.2
                     {{0.75, -0.75, -1, 1}, 0.0, R::kWeak},            // u = 0.5 exactly
                     {{1.4, -1.4, -1.4, 0.9}, 0.0, R::kOtherPattern},  // 5.1 − 1.8 > 3
                     {{1.2, -1.2, -1.2, 1.2}, 1.8, R::kClean, 1},      // u = 1.8
                     {{1.2, -1.2, -1.2, 1.2}, 0.9, R::kLabelMargin},   // at u/2
                     {{1.2, -1.2, -1.2, 1.2}, 1.3, R::kLabelMargin},   // 0.4 < u/4 = 0.45
                     {{1.2, -1.2, -1.2, 1.2}, 1.4, R::kClean, 1},      // 0.5 >= 0.45
                     {{1.2, -1.2, -1.2, 1.2}, 0.4, R::kClean, 0},
                 });
}

TEST(PrgDecode, PredictorIsTheNoiselessNetwork) {
  // On τ = 0 test rows the noiseless formula with the TRUE seed is the
  // network's exact law wherever the judge counts a row (clean rows), and
  // 0 on repeated rows; depth 3 everywhere (its law is exact on all rows).
  for (auto kind : {prg_network::Kind::kDepth3, prg_network::Kind::kDepth2}) {
    const Instance inst = generate(kind, {"n=16", "predicate=xor", "k=3"}, 3, 10, 2000);
    const prg_network::Network net =
        prg_network::Network::from_params(kind, inst.params, inst.seed);
    const prg_decode::NetworkTask task = prg_decode::NetworkTask::from_json(inst.task, "test");
    const prg_decode::NetworkSeedPredictor pred(
        task, goldreich::seed_from_string(inst.truth.at("seed").get<std::string>(), 16, "test"));
    const Vector y = pred.predict(inst.test.X);
    const std::vector<char> clean = prg_network::clean_rows(net, inst.test.X);
    std::int32_t tuple[3];
    int checked = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      const bool distinct = net.decode(inst.test.X.row(i).data(), tuple);
      if (!distinct) {
        EXPECT_EQ(y[i], 0.0);
      }
      if (kind == prg_network::Kind::kDepth3 || clean[static_cast<std::size_t>(i)]) {
        EXPECT_NEAR(y[i], inst.test.y[i], 1e-9) << "row " << i;
        ++checked;
      }
    }
    EXPECT_GT(checked, 1000);
    EXPECT_EQ(pred.to_json()["kind"], "prg_network_seed");
  }
}

// ---------------------------------------------------------------- end to end

struct AttackCase {
  prg_network::Kind kind;
  std::vector<std::string> args;
  std::int64_t plain_m;  // where the plain attack on prg_hyperedge succeeds
  std::string learner;
  double tau_over_delta = 0;  // τ = this × 0.1 / R (the default δ)
};

// n_train = 1.25 × plain_m / clean fraction (predicted for depth 3; at
// ω = 0.02 almost every depth-2 row is clean, and the test checks the
// decoded count reaches plain_m).
Metrics decode_attack_judge(const AttackCase& a, Seed seed, Fit& fit) {
  const Problem& p = problem_registry().get(problem_of(a.kind));
  std::vector<std::string> args = a.args;
  Params params = p.spec().resolve(args);
  const prg_network::Network net = prg_network::Network::from_params(a.kind, params, seed);
  if (a.tau_over_delta > 0) {
    args.push_back(fmt::format("tau={:.17g}", a.tau_over_delta * 0.1 / net.R()));
    params = p.spec().resolve(args);
  }
  const double clean = a.kind == prg_network::Kind::kDepth3
                           ? prg_network::predicted_cases(net.n(), net.k(), net.delta()).clean
                           : 1.0;
  const auto n_train =
      static_cast<std::int64_t>(std::ceil(1.25 * static_cast<double>(a.plain_m) / clean));
  const Instance inst = p.generate(params, seed, Sizes{n_train, 500}, {1});
  fit = run(a.learner, inst.train, inst.task);
  return p.judge(inst, fit);
}

TEST(PrgDecodeAttack, RecoversTheSeedThroughBothNetworks) {
  using K = prg_network::Kind;
  const std::vector<AttackCase> cases = {
      // gf2 on XOR_3 at n = 64: the plain attack succeeds at m = 300
      // (PrgAttacksEndToEnd, 3/3 seeds; ⌈n ln n⌉ = 267 gives 100/100).
      {K::kDepth3, {"n=64", "predicate=xor", "k=3"}, 300, "gf2"},
      {K::kDepth2, {"n=64", "predicate=xor", "k=3"}, 300, "gf2"},
      {K::kDepth3, {"n=64", "predicate=xor", "k=3"}, 300, "gf2", 0.001},
      {K::kDepth2, {"n=64", "predicate=xor", "k=3"}, 300, "gf2", 0.001},
      // p5_collision on P5 at n = 32, m = 2 n^1.5 = 362 (5/5 seeds plain).
      {K::kDepth3, {"n=32", "predicate=p5"}, 362, "p5_collision"},
      {K::kDepth2, {"n=32", "predicate=p5"}, 362, "p5_collision"},
      {K::kDepth3, {"n=32", "predicate=p5"}, 362, "p5_collision", 0.001},
      // spectral_p5 on P5 at n = 32, m = n² = 1024 (16/20 seeds plain,
      // docs/learners.md); seeds 1 and 2 succeed plain and lifted.
      {K::kDepth3, {"n=32", "predicate=p5"}, 1024, "spectral_p5"},
      {K::kDepth2, {"n=32", "predicate=p5"}, 1024, "spectral_p5"},
  };
  for (const AttackCase& a : cases) {
    for (Seed seed = 1; seed <= 2; ++seed) {
      SCOPED_TRACE(::testing::Message()
                   << a.learner << " on " << problem_of(a.kind) << " " << a.args[0]
                   << " τ/δ = " << a.tau_over_delta << ", seed " << seed);
      Fit fit;
      const Metrics m = decode_attack_judge(a, seed, fit);
      EXPECT_EQ(fit.status, Outcome::ok) << fit.message;
      EXPECT_GE(fit.stats.at("decode_decoded"), a.plain_m);
      // The margin never fires at τ <= 0.001 δ: the label noise is ~1e-5.
      EXPECT_EQ(fit.stats.at("decode_skipped_label_margin"), 0);
      EXPECT_EQ(fit.stats.at("decode_decoded") + fit.stats.at("decode_skipped_repeated") +
                    (a.kind == K::kDepth3 ? fit.stats.at("decode_skipped_band") +
                                                fit.stats.at("decode_skipped_annulus")
                                          : fit.stats.at("decode_skipped_weak") +
                                                fit.stats.at("decode_skipped_other_pattern")),
                fit.stats.at("decode_rows"));
      EXPECT_TRUE(fit.output.at("found").get<bool>());
      EXPECT_EQ(m.at(metric::kSuccess), 1);
      // The predictor evaluates the network with the recovered seed: every
      // clean test row right.
      EXPECT_EQ(m.at(metric::kAccuracy), 1);
      EXPECT_GT(m.at("advantage"), 0.49);
    }
  }
}

TEST(PrgDecodeAttack, FailuresAreResultsAndOtherFamiliesAreRefused) {
  // Uniform-looking labels (a network instance's labels shuffled): the
  // system is inconsistent, found = false, status ok.
  Instance inst = generate(prg_network::Kind::kDepth3, {"n=64", "predicate=xor", "k=3"}, 1, 450);
  Dataset shuffled = inst.train;
  Rng rng(4, stream_id("prg-decode-test"));
  for (Eigen::Index i = shuffled.size() - 1; i > 0; --i) {
    std::swap(
        shuffled.y[i],
        shuffled.y[static_cast<Eigen::Index>(rng.uniform_int(static_cast<std::uint64_t>(i + 1)))]);
  }
  Fit fit = run("gf2", shuffled, inst.task);
  EXPECT_EQ(fit.status, Outcome::ok);
  EXPECT_FALSE(fit.output.at("found").get<bool>());
  EXPECT_FALSE(fit.output.at("consistent").get<bool>());
  ASSERT_TRUE(fit.predictor);

  // No clean row: nothing to attack, found = false, the all-zero seed.
  Dataset band = inst.train;
  band.X.col(0).setZero();  // every row in the band, unless an index repeats
  fit = run("gf2", band, inst.task);
  EXPECT_EQ(fit.status, Outcome::ok);
  EXPECT_FALSE(fit.output.at("found").get<bool>());
  EXPECT_EQ(fit.stats.at("decode_decoded"), 0);
  EXPECT_GT(fit.stats.at("decode_skipped_band"), 0);
  EXPECT_EQ(fit.stats.at("decode_skipped_band") + fit.stats.at("decode_skipped_repeated"),
            band.size());
  EXPECT_CONTAINS(fit.message, "none of the 450 training rows");
  EXPECT_EQ(fit.output.at("seed").get<std::string>(), std::string(64, '0'));

  // Other families and predicates: clear messages.
  const Json clwe = Json{{"family", "clwe"}};
  EXPECT_CONTAINS(user_error([&] { run("gf2", inst.train, clwe); }), "prg_depth3");
  EXPECT_CONTAINS(user_error([&] { run("p5_collision", inst.train, clwe); }), "prg_depth3");
  EXPECT_CONTAINS(user_error([&] { run("spectral_p5", inst.train, clwe); }), "family = goldreich");
  EXPECT_CONTAINS(user_error([&] { run("p5_collision", inst.train, inst.task); }), "works on P5");
  // Rows of the wrong width, and inconsistent task keys.
  Dataset narrow = inst.train;
  narrow.X.conservativeResize(Eigen::NoChange, 20);
  EXPECT_CONTAINS(user_error([&] { run("gf2", narrow, inst.task); }), "d = 82");
  Json bad = inst.task;
  bad["R"] = 17;
  EXPECT_CONTAINS(user_error([&] { run("gf2", inst.train, bad); }), "R = kL");
  bad = inst.task;
  bad.erase("delta");
  EXPECT_CONTAINS(user_error([&] { run("gf2", inst.train, bad); }), "malformed prg_depth3 task");
  // The contract: the network problems' tasks satisfy the attacks' needs.
  for (const char* learner : {"gf2", "p5_collision", "spectral_p5"}) {
    const Learner& l = learner_registry().get(learner);
    for (const char* problem : {"prg_depth3", "prg_depth2_smoothed", "prg_hyperedge"}) {
      const Problem& p = problem_registry().get(problem);
      EXPECT_EQ(task_contract_error(problem, p.publishes(), learner, l.needs(l.spec().defaults())),
                "");
    }
  }
}

}  // namespace
}  // namespace hardnets
