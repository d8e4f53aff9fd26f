// Tests for the D-NNT problems (dnnt_random, dnnt_reduction), their
// independent certifiers (subset-sum DP, dancing links) and the exact solver
// dnnt_brute: planted YES ⇒ loss 0; certified NO ⇒ loss ≥ 1; brute force
// equals plain enumeration; the x3c origin point matters.
#include <algorithm>

#include <gtest/gtest.h>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/dnnt_certify.h"
#include "hardnets/problems/dnnt_problems.h"
#include "test_util.h"

namespace hardnets::dnnt {
namespace {

using hardnets::testing::enumerate_all;

const Problem& problem(const std::string& name) {
  return problem_registry().get(name);
}

Instance make(const std::string& name, const std::vector<std::string>& args, Seed seed) {
  return problem(name).generate(problem(name).spec().resolve(args), seed, {}, {});
}

Fit brute(const Instance& inst, const std::vector<std::string>& args = {}) {
  const Learner& learner = learner_registry().get("dnnt_brute");
  LearnerContext ctx;
  ctx.task = inst.task;
  return learner.fit(inst.train, learner.spec().resolve(args), ctx);
}

TEST(DnntCertify, SubsetSumDpAgreesWithEnumeration) {
  Rng rng(1, stream_id("test"));
  for (int trial = 0; trial < 300; ++trial) {
    const int m = 1 + static_cast<int>(rng.uniform_int(8));
    std::vector<std::int64_t> items(static_cast<std::size_t>(m));
    for (auto& s : items) s = static_cast<std::int64_t>(rng.uniform_int(12));
    const auto target = static_cast<std::int64_t>(rng.uniform_int(40));
    bool exists = false;
    for (std::uint32_t mask = 0; mask < (1u << m) && !exists; ++mask) {
      std::int64_t sum = 0;
      for (int i = 0; i < m; ++i) sum += (mask >> i) & 1 ? items[static_cast<std::size_t>(i)] : 0;
      exists = sum == target;
    }
    const auto found = subset_sum_solve(items, target);
    ASSERT_EQ(found.has_value(), exists) << "trial " << trial;
    if (found) {
      std::int64_t sum = 0;
      for (std::size_t t = 0; t < found->size(); ++t) {
        if (t > 0) {
          ASSERT_LT((*found)[t - 1], (*found)[t]) << "an item used twice";
        }
        sum += items[static_cast<std::size_t>((*found)[t])];
      }
      EXPECT_EQ(sum, target);
    }
  }
}

TEST(DnntCertify, DancingLinksAgreesWithEnumeration) {
  Rng rng(2, stream_id("test"));
  for (int trial = 0; trial < 300; ++trial) {
    const int universe = 3 * (1 + static_cast<int>(rng.uniform_int(3)));
    const int m = 1 + static_cast<int>(rng.uniform_int(9));
    std::vector<std::vector<int>> sets;
    for (int j = 0; j < m; ++j) {
      std::vector<int> t;
      const int size = 1 + static_cast<int>(rng.uniform_int(3));
      while (static_cast<int>(t.size()) < size) {
        const int e = static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(universe)));
        if (std::find(t.begin(), t.end(), e) == t.end()) t.push_back(e);
      }
      sets.push_back(t);
    }
    bool exists = false;
    for (std::uint32_t mask = 0; mask < (1u << m) && !exists; ++mask) {
      std::vector<int> count(static_cast<std::size_t>(universe), 0);
      for (int j = 0; j < m; ++j) {
        if ((mask >> j) & 1) {
          for (const int e : sets[static_cast<std::size_t>(j)])
            ++count[static_cast<std::size_t>(e)];
        }
      }
      exists = std::all_of(count.begin(), count.end(), [](int c) { return c == 1; });
    }
    const auto cover = exact_cover_solve(universe, sets);
    ASSERT_EQ(cover.has_value(), exists) << "trial " << trial;
    if (cover) {
      std::vector<int> count(static_cast<std::size_t>(universe), 0);
      for (const int j : *cover) {
        for (const int e : sets[static_cast<std::size_t>(j)]) ++count[static_cast<std::size_t>(e)];
      }
      EXPECT_TRUE(std::all_of(count.begin(), count.end(), [](int c) { return c == 1; }));
    }
  }
}

TEST(DnntCertify, ParseDomain) {
  EXPECT_EQ(parse_domain("-1,0,1", "t"), (std::vector<std::int64_t>{-1, 0, 1}));
  EXPECT_EQ(parse_domain(" 3, -2..0 ,3", "t"), (std::vector<std::int64_t>{-2, -1, 0, 3}));
  EXPECT_THROW(parse_domain("1,,2", "t"), UserError);
  EXPECT_THROW(parse_domain("a", "t"), UserError);
  EXPECT_THROW(parse_domain("2..1", "t"), UserError);
}

TEST(DnntRandom, PlantedYesIsFoundWithLossZero) {
  for (Seed seed = 0; seed < 40; ++seed) {
    const Instance inst = make("dnnt_random", {"n=3", "d=2", "width=2"}, seed);
    EXPECT_EQ(inst.train.size(), 3);
    EXPECT_EQ(inst.test.X, inst.train.X);
    const DnntInstance dnnt = DnntInstance::from_task(inst.task, inst.train);
    EXPECT_EQ(dnnt.total_loss(theta_from_json(inst.truth["planted_network"])), 0);
    const Fit fit = brute(inst);
    EXPECT_EQ(fit.output["opt_loss"], "0") << "seed " << seed;
    const Metrics m = problem("dnnt_random").judge(inst, fit);
    EXPECT_EQ(m.at("verified"), 1.0);
    EXPECT_EQ(m.at(metric::kSuccess), 1.0);
    EXPECT_EQ(m.at(metric::kOptLoss), 0.0);
  }
}

TEST(DnntRandom, FlipsSetGammaToThePlantedLoss) {
  for (Seed seed = 0; seed < 20; ++seed) {
    const Instance inst =
        make("dnnt_random", {"n=5", "d=1", "width=2", "flips=2", "loss=l1"}, seed);
    EXPECT_EQ(inst.task["gamma"], 2);
    EXPECT_EQ(inst.truth["planted_loss"], "2");
    const Fit fit = brute(inst);
    EXPECT_LE(fit.stats.at(metric::kOptLoss), 2.0);
    EXPECT_EQ(problem("dnnt_random").judge(inst, fit).at(metric::kSuccess), 1.0);
  }
}

TEST(DnntRandom, CardRecordsBitGrowthWithDepth) {
  const Instance inst =
      make("dnnt_random", {"n=2", "d=2", "width=3", "depth=4", "domain=5", "data=5"}, 1);
  const auto& bits = inst.card["planted_bits_per_layer"];
  ASSERT_EQ(bits.size(), 4u);
  // Every parameter 5, inputs in [-5, 5]: each layer multiplies by about 5·fan-in.
  for (std::size_t l = 1; l < bits.size(); ++l) EXPECT_GT(bits[l], bits[l - 1]);
}

TEST(DnntRandom, InstancesArePureFunctionsOfTheSeed) {
  const Instance a = make("dnnt_random", {"n=6", "d=3", "flips=1"}, 11);
  const Instance b = make("dnnt_random", {"n=6", "d=3", "flips=1"}, 11);
  const Instance c = make("dnnt_random", {"n=6", "d=3", "flips=1"}, 12);
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.train.y, b.train.y);
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_NE(a.truth, c.truth);
}

TEST(DnntBrute, EqualsPlainEnumerationWithAndWithoutPruning) {
  // Depth 1, 2 and 3, both losses, shared and per-parameter domains.
  int checked = 0;
  for (Seed seed = 0; seed < 60; ++seed) {
    const int depth = 1 + static_cast<int>(seed % 3);
    const std::string loss = seed % 2 ? "l1" : "square";
    const std::string domain = seed % 4 < 2 ? "-1,0,1" : "-1,2";
    const std::string width = depth == 3 ? "1" : "2";
    const Instance inst = make("dnnt_random",
                               {"n=3", "d=2", "width=" + width, "depth=" + std::to_string(depth),
                                "domain=" + domain, "loss=" + loss, "flips=2"},
                               seed);
    DnntInstance dnnt = DnntInstance::from_task(inst.task, inst.train);
    if (seed % 5 == 0) {
      // Break the hidden-unit symmetry: c and the first weight get their own domains.
      dnnt.shared_domain = false;
      dnnt.domains[dnnt.index_bias(dnnt.num_layers(), 0)] = {-3, 0, 2};
      dnnt.domains[0] = {0, 1};
    }
    const mpz_class reference = enumerate_all(dnnt);
    Instance copy = inst;
    copy.task = dnnt.to_task();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"symmetry=false"}, {"bounds=false"}, {"symmetry=false", "bounds=false"}}) {
      const Fit fit = brute(copy, args);
      EXPECT_EQ(fit.output["opt_loss"], reference.get_str())
          << "seed " << seed << " depth " << depth << " " << (args.empty() ? "" : args[0]);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 60);
}

TEST(DnntBrute, PruningCutsTheSearch) {
  // Labels far outside what {-1, 0, 1}-networks can output: the optimum is
  // positive, so the search cannot stop at loss 0 and must prove optimality.
  DnntInstance dnnt;
  dnnt.d = 2;
  dnnt.hidden = {3};
  dnnt.set_shared_domain({-1, 0, 1});
  dnnt.X = {{1, 2}, {-2, 1}, {0, -1}, {2, 2}};
  dnnt.y = {40, -25, 3, 17};
  Instance inst;
  inst.train = dnnt.dataset();
  inst.task = dnnt.to_task();
  const Fit full = brute(inst, {"symmetry=false", "bounds=false"});
  const Fit symmetric = brute(inst, {"bounds=false"});
  const Fit pruned = brute(inst);
  EXPECT_EQ(full.output["opt_loss"], pruned.output["opt_loss"]);
  EXPECT_EQ(full.output["opt_loss"], symmetric.output["opt_loss"]);
  EXPECT_NE(full.output["opt_loss"], "0");
  // 81^3 sequences against C(83, 3) multisets: close to a factor 3! = 6.
  EXPECT_LT(symmetric.stats.at("nodes"), full.stats.at("nodes") / 5);
  EXPECT_LT(pruned.stats.at("nodes"), symmetric.stats.at("nodes") / 2);
}

TEST(DnntBrute, NodeLimitGivesTimeout) {
  const Instance inst = make("dnnt_random", {"n=4", "d=2", "width=3", "flips=1"}, 3);
  const Fit fit = brute(inst, {"max_nodes=10", "bounds=false"});
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_FALSE(fit.output["optimal"].get<bool>());
}

TEST(DnntBrute, GmpPathForLargeValues) {
  // Domain values near 2^40 and depth 3: the magnitude bound exceeds 2^62.
  const Instance inst = make(
      "dnnt_random", {"n=2", "d=1", "width=1", "depth=3", "domain=0,1,1099511627776", "data=1"}, 5);
  const DnntInstance dnnt = DnntInstance::from_task(inst.task, inst.train);
  ASSERT_FALSE(dnnt.fits_int64());
  const Fit fit = brute(inst);
  EXPECT_EQ(fit.stats.at("int64"), 0.0);
  EXPECT_EQ(fit.output["opt_loss"], enumerate_all(dnnt).get_str());
}

TEST(DnntBrute, NeedsATask) {
  const Instance inst = make("dnnt_random", {}, 1);
  const Learner& learner = learner_registry().get("dnnt_brute");
  EXPECT_THROW(learner.fit(inst.train, learner.spec().defaults(), LearnerContext{}), UserError);
}

// The separation of both reductions: loss 0 on every planted YES instance, at
// least 1 on every certified NO instance, and the judge agrees.
void check_separation(const std::vector<std::string>& base, Seed seeds) {
  for (const bool planted : {true, false}) {
    for (Seed seed = 0; seed < seeds; ++seed) {
      auto args = base;
      args.push_back(planted ? "planted=true" : "planted=false");
      const Instance inst = make("dnnt_reduction", args, seed);
      ASSERT_EQ(inst.truth["yes"].get<bool>(), planted);
      EXPECT_EQ(inst.task["gamma"], 0);
      const Fit fit = brute(inst);
      ASSERT_EQ(fit.status, Outcome::ok);
      const double loss = fit.stats.at(metric::kOptLoss);
      if (planted) {
        EXPECT_EQ(loss, 0.0) << base[0] << " seed " << seed;
      } else {
        EXPECT_GE(loss, 1.0) << base[0] << " seed " << seed;
      }
      const Metrics m = problem("dnnt_reduction").judge(inst, fit);
      EXPECT_EQ(m.at("verified"), 1.0);
      EXPECT_EQ(m.at(metric::kSuccess), 1.0) << base[0] << " seed " << seed;
    }
  }
}

TEST(DnntReduction, SubsetSumSeparatesYesFromNo) {
  check_separation({"source=subset_sum", "m=7", "magnitude=30"}, 40);
  check_separation({"source=subset_sum", "m=5", "magnitude=9", "loss=l1"}, 20);
}

TEST(DnntReduction, ExactCoverSeparatesYesFromNo) {
  check_separation({"source=x3c", "m=6", "q=2"}, 40);
  check_separation({"source=x3c", "m=8", "q=3", "loss=l1"}, 20);
}

TEST(DnntReduction, SubsetSumInstanceShape) {
  const Instance inst = make("dnnt_reduction", {"source=subset_sum", "m=4"}, 3);
  ASSERT_EQ(inst.train.size(), 1);
  const auto& items = inst.truth["items"];
  for (int i = 0; i < 4; ++i) EXPECT_EQ(inst.train.X(0, i), 3.0 * items[i].get<double>());
  EXPECT_EQ(inst.train.y[0], 3.0 * inst.truth["target"].get<double>());
  EXPECT_EQ(inst.task["domain"], Json::array({0, 1}));
  EXPECT_EQ(inst.task["hidden"], Json::array({1}));
}

TEST(DnntReduction, ExactCoverNeedsTheOrigin) {
  // Without the origin the reduction breaks: w = 0, b = 1, a = 1, c = 0 (the
  // constant 1) fits every label, so even a NO source gives loss 0.
  for (Seed seed = 0; seed < 10; ++seed) {
    const Instance with = make("dnnt_reduction", {"source=x3c", "planted=false"}, seed);
    const Instance without =
        make("dnnt_reduction", {"source=x3c", "planted=false", "origin=false"}, seed);
    EXPECT_EQ(with.train.size(), without.train.size() + 1);
    EXPECT_FALSE(without.truth["source_yes"].get<bool>());
    EXPECT_GE(brute(with).stats.at(metric::kOptLoss), 1.0);
    const Fit fit = brute(without);
    EXPECT_EQ(fit.output["opt_loss"], "0") << "seed " << seed;
    const DnntInstance dnnt = DnntInstance::from_task(without.task, without.train);
    Theta constant(dnnt.num_params(), 0);
    constant[dnnt.index_bias(1, 0)] = 1;
    constant[dnnt.index_weight(2, 0, 0)] = 1;
    EXPECT_EQ(dnnt.total_loss(constant), 0);
    // Whatever network the solver found, it cannot encode an exact cover
    // (there is none), so it must exploit the missing origin: f(0) ≠ 0.
    const Theta found = theta_from_json(fit.output);
    EXPECT_NE(dnnt.output(found, std::vector<std::int64_t>(dnnt.d, 0)), 0);
  }
}

TEST(DnntReduction, ImpossibleNoRequestIsAClearError) {
  // One item of size 1 reaches every target in [1, Σ s] = {1}: no NO instance.
  EXPECT_THROW(make("dnnt_reduction",
                    {"source=subset_sum", "planted=false", "m=1", "magnitude=1", "tries=5"}, 0),
               UserError);
  EXPECT_THROW(make("dnnt_reduction", {"source=x3c", "m=1", "q=2"}, 0), UserError);
}

// ---- the stages of dnnt_reduction, each alone ----------------------------------

DnntInstance one_unit(int d) {
  DnntInstance inst;
  inst.d = d;
  inst.hidden = {1};
  inst.set_shared_domain({0, 1});
  inst.gamma = 0;
  return inst;
}

TEST(DnntReductionStages, SubsetSumDrawAndReduction) {
  for (Seed seed = 0; seed < 20; ++seed) {
    const Rng root(seed, stream_id("dnnt_reduction"));
    for (const bool planted : {true, false}) {
      const SubsetSum ss = draw_subset_sum(root, 6, 25, planted, 1000);
      ASSERT_EQ(ss.items.size(), 6u);
      std::int64_t total = 0;
      for (const auto s : ss.items) {
        EXPECT_GE(s, 1);
        EXPECT_LE(s, 25);
        total += s;
      }
      EXPECT_GE(ss.target, 1);
      EXPECT_LE(ss.target, total);
      EXPECT_EQ(subset_sum_solve(ss.items, ss.target).has_value(), planted);
      if (planted) {
        std::int64_t sum = 0;
        for (const int i : ss.subset) sum += ss.items[static_cast<std::size_t>(i)];
        EXPECT_EQ(sum, ss.target);
        EXPECT_FALSE(ss.subset.empty());
      }
      DnntInstance inst = one_unit(6);
      const Json truth = reduce_subset_sum(ss, planted, inst);
      ASSERT_EQ(inst.X.size(), 1u);
      for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(inst.X[0][i], 3 * ss.items[i]);
      EXPECT_EQ(inst.y, std::vector<std::int64_t>{3 * ss.target});
      EXPECT_EQ(truth["yes"].get<bool>(), planted);
      EXPECT_EQ(truth.contains("planted_network"), planted);
      if (planted) EXPECT_EQ(inst.total_loss(theta_from_json(truth["planted_network"])), 0);
      // The problem is exactly these two stages.
      const Instance made =
          make("dnnt_reduction",
               {"m=6", "magnitude=25", planted ? "planted=true" : "planted=false"}, seed);
      EXPECT_EQ(made.truth, truth);
    }
  }
}

TEST(DnntReductionStages, ExactCoverDrawAndReduction) {
  for (Seed seed = 0; seed < 20; ++seed) {
    const Rng root(seed, stream_id("dnnt_reduction"));
    for (const bool planted : {true, false}) {
      const ExactCover ec = draw_exact_cover(root, 7, 2, planted, 1000);
      ASSERT_EQ(ec.universe, 6);
      ASSERT_EQ(ec.sets.size(), 7u);
      std::vector<int> hits(6, 0);
      for (const auto& t : ec.sets) {
        ASSERT_EQ(t.size(), 3u);
        EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
        for (const int e : t) ++hits[static_cast<std::size_t>(e)];
      }
      EXPECT_EQ(exact_cover_solve(ec.universe, ec.sets, nullptr).has_value(), planted);
      if (planted) {
        // The cover's two triples hold every element exactly once.
        std::vector<int> once(6, 0);
        ASSERT_EQ(ec.cover.size(), 2u);
        for (const int j : ec.cover)
          for (const int e : ec.sets[static_cast<std::size_t>(j)])
            ++once[static_cast<std::size_t>(e)];
        EXPECT_EQ(once, std::vector<int>(6, 1));
      } else {
        for (const int h : hits) EXPECT_GE(h, 1);  // a non-trivial NO instance
      }
      DnntInstance inst = one_unit(7);
      const Json truth = reduce_exact_cover(ec, planted, true, inst);
      ASSERT_EQ(inst.X.size(), 7u);  // one point per element, then the origin
      for (int u = 0; u < 6; ++u) {
        EXPECT_EQ(inst.y[static_cast<std::size_t>(u)], 1);
        for (int j = 0; j < 7; ++j) {
          const auto& t = ec.sets[static_cast<std::size_t>(j)];
          const bool in = std::find(t.begin(), t.end(), u) != t.end();
          EXPECT_EQ(inst.X[static_cast<std::size_t>(u)][static_cast<std::size_t>(j)], in ? 1 : 0);
        }
      }
      EXPECT_EQ(inst.X.back(), std::vector<std::int64_t>(7, 0));
      EXPECT_EQ(inst.y.back(), 0);
      EXPECT_EQ(truth["yes"].get<bool>(), planted);
      if (planted) EXPECT_EQ(inst.total_loss(theta_from_json(truth["planted_network"])), 0);
      const Instance made =
          make("dnnt_reduction",
               {"source=x3c", "m=7", "q=2", planted ? "planted=true" : "planted=false"}, seed);
      EXPECT_EQ(made.truth, truth);
    }
  }
}

}  // namespace
}  // namespace hardnets::dnnt
