// The challenge suite (lab/challenge.h): graded levels meet their target and
// the next smaller size does not; every lab level is broken by its named
// attack; generation is deterministic; the public files hold no truth; the
// commitment opens to the organiser's file; bad input is refused.
#include "hardnets/lab/challenge.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "hardnets/core/dataset.h"
#include "hardnets/core/sha256.h"
#include "hardnets/lab/estimate.h"
#include "hardnets/lab/run.h"
#include "test_util.h"

namespace hardnets {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Challenge, GradedLevelsReachTheirTargetAndOneSizeLessDoesNot) {
  int graded = 0;
  for (const ChallengeLevel& level : challenge_levels()) {
    if (!level.available || !level.target_bits) continue;
    ++graded;
    const EstimateReport at = estimate_costs({level.problem, level.params, level.n_train, ""});
    ASSERT_TRUE(at.cheapest.has_value()) << level.name;
    EXPECT_GE(at.attacks[*at.cheapest].log2_ops, *level.target_bits) << level.name;
    // One size less (with the samples the ladder gives it): below the target.
    // A ladder whose sizes are rounded (prg_depth3: powers of two) steps down
    // to the largest size whose instance differs.
    const ChallengeLevel again = challenge_level(level.name);
    EXPECT_EQ(again.params, level.params) << "levels are reproducible from the name";
    std::int64_t size = std::stoll(level.params[level.size_param].get<std::string>()) - 1;
    while (size > 1 && challenge_rung(level.family, size).params == level.params) --size;
    const ChallengeLevel smaller = challenge_rung(level.family, size);
    EXPECT_EQ(smaller.name, fmt::format("{}@{}={}", level.family, level.size_param, size));
    const EstimateReport below =
        estimate_costs({smaller.problem, smaller.params, smaller.n_train, ""});
    ASSERT_TRUE(below.cheapest.has_value()) << level.name;
    EXPECT_LT(below.attacks[*below.cheapest].log2_ops, *level.target_bits) << level.name;
  }
  // lwe, clwe, parity, prg_p5, clwe_relu, prg_depth3, relu_training and
  // dnnt at all five grades; prg_xor at 32, 48 and 64.
  EXPECT_EQ(graded, 43);
  EXPECT_CONTAINS(challenge_level("prg_xor-128").reason, "never true");
  EXPECT_CONTAINS(testing::user_error([] { challenge_rung("nope", 4); }), "unknown family");
}

TEST(Challenge, EveryLabLevelIsBrokenByItsNamedAttack) {
  int labs = 0;
  for (const ChallengeLevel& level : challenge_levels()) {
    if (level.level != "lab") continue;
    ++labs;
    ASSERT_TRUE(level.available) << level.name;
    const GenerateRequest g = challenge_request(level, std::nullopt);
    RunRequest r;
    r.problem = g.problem;
    r.problem_params = g.params;
    r.learner = level.breaker;
    r.learner_params = level.breaker_params;
    r.seed = g.seed;
    r.sizes = g.sizes;
    r.time_limit_seconds = 120;
    const RunResult result = execute_run(r);
    ASSERT_TRUE(result.metrics.count(level.success_metric)) << level.name;
    EXPECT_GE(result.metrics.at(level.success_metric), level.success_at) << level.name;
  }
  EXPECT_EQ(labs, 9);
}

class ChallengeFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root = fs::temp_directory_path() /
           fmt::format("hardnets_challenge_test_{}_{}", ::getpid(), info->name());
    fs::remove_all(root);
    fs::create_directories(root);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path root;
};

TEST_F(ChallengeFiles, PublicFilesHoldNoTruthAndTheJudgeScoresThem) {
  const ChallengeLevel level = challenge_level("parity-lab");
  write_challenge(level, root / "a", std::nullopt, std::nullopt);
  write_challenge(level, root / "b", std::nullopt, std::nullopt);
  for (const char* f : {"X_train.npy", "y_train.npy", "X_test.npy", "card.json"})
    EXPECT_EQ(slurp(root / "a" / f), slurp(root / "b" / f)) << f << " is deterministic";
  EXPECT_FALSE(fs::exists(root / "a" / "y_test.npy"));
  EXPECT_FALSE(fs::exists(root / "a" / "truth.json"));
  // The true labels score as solved; their negation does not.
  const Instance truth = generate_instance(challenge_request(level, std::nullopt));
  write_npy(root / "right.npy", truth.test.y);
  write_npy(root / "wrong.npy", Vector(-truth.test.y));
  EXPECT_TRUE(judge_challenge(level, read_submission(root / "right.npy"), std::nullopt).solved);
  const ChallengeVerdict wrong =
      judge_challenge(level, read_submission(root / "wrong.npy"), std::nullopt);
  EXPECT_FALSE(wrong.solved);
  EXPECT_DOUBLE_EQ(wrong.metrics.at("accuracy"), 0.0);
  // Refusals: an existing challenge folder, an organiser inside the folder,
  // a private seed without an organiser file.
  EXPECT_CONTAINS(
      testing::user_error([&] { write_challenge(level, root / "a", std::nullopt, std::nullopt); }),
      "already holds");
  EXPECT_CONTAINS(testing::user_error([&] {
                    write_challenge(level, root / "c", std::string("pw"), root / "c" / "o.json");
                  }),
                  "lies inside");
  EXPECT_CONTAINS(testing::user_error(
                      [&] { write_challenge(level, root / "c", std::string("pw"), std::nullopt); }),
                  "go together");
}

TEST_F(ChallengeFiles, PrivateSeedCommitsToTheOrganisersTruth) {
  const ChallengeLevel level = challenge_level("parity-lab");
  const fs::path organiser = root / "organiser.json";
  const Json card = write_challenge(level, root / "pub", std::string("correct horse"), organiser);
  EXPECT_EQ(card["challenge"]["seed"], "private");
  EXPECT_EQ(card["commitment"]["sha256"].get<std::string>(), sha256_hex(slurp(organiser)));
  // A different instance from the public one, regenerated from the passphrase.
  const Instance pub = generate_instance(challenge_request(level, std::nullopt));
  const Instance priv = generate_instance(challenge_request(level, std::string("correct horse")));
  EXPECT_NE(pub.truth, priv.truth);
  // Judged against the organiser's file: solved with its labels, and the
  // verdict carries the commitment the card published.
  const Json opened = Json::parse(slurp(organiser));
  Vector y(static_cast<Eigen::Index>(opened["y_test"].size()));
  for (std::size_t i = 0; i < opened["y_test"].size(); ++i)
    y[static_cast<Eigen::Index>(i)] = opened["y_test"][i].get<double>();
  EXPECT_EQ(y, priv.test.y);
  write_npy(root / "p.npy", y);
  const ChallengeVerdict v = judge_challenge(level, read_submission(root / "p.npy"), organiser);
  EXPECT_TRUE(v.solved);
  EXPECT_EQ(v.commitment, card["commitment"]["sha256"].get<std::string>());
  // An edited organiser file is refused (its truth no longer regenerates).
  Json edited = opened;
  edited["y_test"][0] = -edited["y_test"][0].get<double>();
  std::ofstream(root / "edited.json") << edited.dump(2) << "\n";
  EXPECT_CONTAINS(testing::user_error([&] {
                    judge_challenge(level, read_submission(root / "p.npy"), root / "edited.json");
                  }),
                  "differs");
}

TEST_F(ChallengeFiles, BadSubmissionsAndNamesAreRefused) {
  EXPECT_CONTAINS(testing::user_error([] { challenge_level("lwe-65"); }), "unknown level");
  EXPECT_CONTAINS(
      testing::user_error([&] { challenge_request(challenge_level("prg_xor-128"), std::nullopt); }),
      "not available");
  std::ofstream(root / "bad.json") << "{\"predictions\": [1, \"a\"]}";
  EXPECT_CONTAINS(testing::user_error([&] { read_submission(root / "bad.json"); }),
                  "predictions[1] is not a number");
  std::ofstream(root / "key.json") << "{\"prediction\": [1]}";
  EXPECT_CONTAINS(testing::user_error([&] { read_submission(root / "key.json"); }),
                  "unknown key 'prediction'");
  std::ofstream(root / "p.csv") << "1\n";
  EXPECT_CONTAINS(testing::user_error([&] { read_submission(root / "p.csv"); }), ".npy vector");
  EXPECT_CONTAINS(testing::user_error([&] { read_submission(root / "none.npy"); }),
                  "does not exist");
  // Predictions of the wrong length: the judge's own refusal.
  write_npy(root / "short.npy", Vector(Vector::Zero(3)));
  EXPECT_CONTAINS(testing::user_error([&] {
                    judge_challenge(challenge_level("parity-lab"),
                                    read_submission(root / "short.npy"), std::nullopt);
                  }),
                  "3");
}

TEST(Challenge, SweepSpecRunsEachAvailableLevelsBreaker) {
  const std::string spec = challenge_sweep_spec();
  EXPECT_CONTAINS(spec, "label = \"lwe-64\"");
  EXPECT_CONTAINS(spec, "problems = [\"lwe-64\"]");
  EXPECT_EQ(spec.find("prg_xor-128"), std::string::npos);  // not available
  EXPECT_CONTAINS(spec, "params = { reducer = \"bkz2\", block_size = 0 }");
  const std::string low = challenge_sweep_spec(32, 120);
  EXPECT_CONTAINS(low, "label = \"lwe-32\"");
  EXPECT_CONTAINS(low, "label = \"dnnt-lab\"");
  EXPECT_EQ(low.find("lwe-48"), std::string::npos);
  EXPECT_CONTAINS(low, "seconds = 120");
  // Noisy parity: elimination (the lab level's breaker) does not apply; SGD is tried.
  EXPECT_CONTAINS(low, "name = \"sgd\"\nproblems = [\"parity-32\"]");
  EXPECT_CONTAINS(low, "name = \"gf2\"\nproblems = [\"parity-lab\"]");
  EXPECT_CONTAINS(testing::user_error([] { challenge_sweep_spec(32, 0); }), "--seconds");
}

}  // namespace
}  // namespace hardnets
