// The bibliography (docs/references.bib, embedded) and the citations every
// problem and learner declares: parsed, complete, shown on cards.
#include "hardnets/core/bibliography.h"

#include <set>

#include <gtest/gtest.h>

#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"
#include "test_learners.h"
#include "test_util.h"

namespace hardnets {
namespace {

TEST(Bibliography, EveryEntryParsesWithAKeyTitleAndAuthors) {
  const std::vector<Work>& works = bibliography();
  EXPECT_GE(works.size(), 60u);
  std::set<std::string> keys;
  for (const Work& w : works) {
    EXPECT_TRUE(keys.insert(w.key).second) << "duplicate key " << w.key;
    EXPECT_FALSE(w.plain("title").empty()) << w.key;
    EXPECT_FALSE(w.plain("author").empty()) << w.key;
    // Software entries name a URL; every other entry a year.
    if (w.plain("howpublished").empty()) EXPECT_FALSE(w.plain("year").empty()) << w.key;
  }
  EXPECT_EQ(parse_bibtex(bibtex()).size(), works.size());
}

TEST(Bibliography, ShownNamesTheAuthorsAndYear) {
  EXPECT_EQ(find_work("daniely2023smoothness")->shown(), "Daniely, Srebro, Vardi (2023)");
  EXPECT_EQ(find_work("couteau2018concrete")->shown(), "Couteau et al. (2018)");  // five authors
  EXPECT_EQ(find_work("fplll")->shown(), "The FPLLL development team");
  EXPECT_EQ(find_work("alkim2016newhope")->shown(), "Alkim, Ducas, Pöppelmann, Schwabe (2016)");
  EXPECT_CONTAINS(find_work("li2025hardness")->citation(), "arXiv 2410.03477");
  EXPECT_EQ(find_work("nope"), nullptr);
}

TEST(Bibliography, MalformedTextNamesTheLine) {
  EXPECT_CONTAINS(testing::user_error([] { parse_bibtex("@misc{a,\n  title = {x}\n"); }), "line 3");
  EXPECT_CONTAINS(testing::user_error([] { parse_bibtex("@misc{a,\n  title = {x{y\n}"); }),
                  "unbalanced braces");
  EXPECT_CONTAINS(testing::user_error([] { parse_bibtex("misc{a}"); }), "expected '@'");
}

// Every problem says what it follows and whether its construction is the
// paper's; every learner what it implements, except the plain baselines.
TEST(Bibliography, EveryProblemAndLearnerDeclaresItsReferences) {
  std::set<std::string> cited;
  for (const std::string& name : problem_registry().names()) {
    const ParamSpec& spec = problem_registry().get(name).spec();
    EXPECT_FALSE(spec.references().empty()) << name;
    EXPECT_TRUE(spec.construction().has_value()) << name << " declares no construction source";
    for (const Citation& c : spec.references()) cited.insert(c.key);
  }
  const std::set<std::string> baselines = {"mean", "grid"};
  for (const std::string& name : learner_registry().names()) {
    if (testing::is_test_learner(name) || baselines.count(name)) continue;
    EXPECT_FALSE(learner_registry().get(name).spec().references().empty()) << name;
  }
  // The five papers the lab is about are each cited by a problem.
  for (const char* paper : {"daniely2023smoothness", "daniely2020natural", "li2025hardness",
                            "goel2021tight", "doronarad2025discretely"})
    EXPECT_TRUE(cited.count(paper)) << paper;
}

TEST(Bibliography, CardsCarryReferencesAndTheConstructionSource) {
  const Problem& p = problem_registry().get("prg_depth3");
  const Instance inst =
      p.generate(p.spec().resolve(std::vector<std::string>{"n=8"}), 1, Sizes{20, 5}, {});
  ASSERT_TRUE(inst.card.contains("references"));
  EXPECT_EQ(inst.card["references"][0]["key"], "daniely2023smoothness");
  EXPECT_CONTAINS(inst.card["references"][0]["citation"].get<std::string>(), "NeurIPS 2023");
  EXPECT_EQ(inst.card["construction"]["source"], "reconstruction");
  const Problem& lwe = problem_registry().get("lwe");
  const Instance l =
      lwe.generate(lwe.spec().resolve(std::vector<std::string>{"n=8"}), 1, Sizes{20, 5}, {});
  EXPECT_EQ(l.card["construction"]["source"], "paper");
}

}  // namespace
}  // namespace hardnets
