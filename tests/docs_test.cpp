// The docs cannot drift: every registered problem and learner has a parameter
// table and a task contract in docs/ equal to its declarations, and docs/cli.md embeds the current
// --help of every subcommand. Regenerate with scripts/update-docs.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/lab/catalog.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"
#include "test_learners.h"

namespace hardnets {
namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(HARDNETS_SOURCE_DIR) + "/docs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text between the BEGIN and END markers, or "<missing>".
std::string block(const std::string& doc, const std::string& kind, const std::string& name) {
  const std::string begin = "<!-- BEGIN " + kind + " " + name + " -->\n";
  const std::string end = "<!-- END " + kind + " " + name + " -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return "<missing>";
  return doc.substr(b + begin.size(), e - b - begin.size());
}

constexpr const char* kHint = "\n(regenerate with: scripts/update-docs build/hardnets)";

TEST(Docs, EveryProblemHasItsParameterTable) {
  const std::string doc = read_doc("problems.md");
  for (const auto& name : problem_registry().names()) {
    EXPECT_EQ(block(doc, "PARAMS", name), problem_registry().get(name).spec().markdown_table())
        << "docs/problems.md: " << name << kHint;
  }
}

TEST(Docs, EveryLearnerHasItsParameterTable) {
  const std::string doc = read_doc("learners.md");
  for (const auto& name : learner_registry().names()) {
    if (testing::is_test_learner(name)) continue;  // the test binary's own, not the product's
    EXPECT_EQ(block(doc, "PARAMS", name), learner_registry().get(name).spec().markdown_table())
        << "docs/learners.md: " << name << kHint;
  }
}

// The task contracts are documented from their declarations too: each
// problem's published schemas and each learner's needs.
TEST(Docs, EveryProblemAndLearnerHasItsTaskContract) {
  const std::string problems = read_doc("problems.md");
  for (const auto& name : problem_registry().names()) {
    EXPECT_EQ(block(problems, "TASK", name), task_contract_markdown(name))
        << "docs/problems.md: " << name << kHint;
  }
  const std::string learners = read_doc("learners.md");
  for (const auto& name : learner_registry().names()) {
    if (testing::is_test_learner(name)) continue;
    EXPECT_EQ(block(learners, "TASK", name), task_contract_markdown(name))
        << "docs/learners.md: " << name << kHint;
  }
}

// What each cites, and whether a problem's construction is the paper's.
TEST(Docs, EveryProblemAndLearnerHasItsReferences) {
  const std::string problems = read_doc("problems.md");
  for (const auto& name : problem_registry().names()) {
    EXPECT_EQ(block(problems, "REFS", name),
              problem_registry().get(name).spec().references_markdown())
        << "docs/problems.md: " << name << kHint;
  }
  const std::string learners = read_doc("learners.md");
  for (const auto& name : learner_registry().names()) {
    if (testing::is_test_learner(name)) continue;
    EXPECT_EQ(block(learners, "REFS", name),
              learner_registry().get(name).spec().references_markdown())
        << "docs/learners.md: " << name << kHint;
  }
}

TEST(Docs, ArchitectureEmbedsTheOutcomeTable) {
  const auto outcomes = testing::run_cli("list outcomes");
  ASSERT_EQ(outcomes.exit_code, 0);
  EXPECT_EQ(block(read_doc("architecture.md"), "LIST", "outcomes"), outcomes.output)
      << "docs/architecture.md" << kHint;
}

TEST(Docs, ReductionsEmbedTheDeclaredNulls) {
  const auto nulls = testing::run_cli("list nulls");
  ASSERT_EQ(nulls.exit_code, 0);
  EXPECT_EQ(block(read_doc("reductions.md"), "LIST", "nulls"), nulls.output)
      << "docs/reductions.md" << kHint;
}

TEST(Docs, ChallengesEmbedTheCurrentLevels) {
  const auto levels = testing::run_cli("challenge list");
  ASSERT_EQ(levels.exit_code, 0);
  EXPECT_EQ(block(read_doc("challenges.md"), "CHALLENGE", "list"),
            "```text\n" + levels.output + "```\n")
      << "docs/challenges.md" << kHint;
}

TEST(Docs, CliReferenceEmbedsCurrentHelp) {
  const std::string doc = read_doc("cli.md");
  for (const char* cmd : {"list", "describe", "cite", "gen", "fit", "run", "distinguish",
                          "estimate", "challenge", "sweep", "report", "export", "merge"}) {
    const auto help = testing::run_cli(std::string(cmd) + " --help");
    ASSERT_EQ(help.exit_code, 0);
    EXPECT_EQ(block(doc, "HELP", cmd), "```text\n" + help.output + "```\n")
        << "docs/cli.md: " << cmd << kHint;
  }
}

}  // namespace
}  // namespace hardnets
