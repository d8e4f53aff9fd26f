// Tests of the lattice attacks (lll_relation, lll_primal, lll_labels) and the
// grid search on CLWE, hCLWE and periodic-neuron samples generated here from
// the formulas of docs/problems.md, `clwe` and `periodic_neuron` (standard-normal
// convention), independently of the problem generators.
//
// Success criterion throughout (the judge's `success`, docs/problems.md):
// cosine ⟨ŵ,w⟩ >= 0.99 (|⟨ŵ,w⟩| where ±w are equivalent). Recovery is bimodal
// (cosine 1 − O(β²) or ≈ 0), so the tests ask for 0.99 when the attack should
// work and < 0.5 on null samples.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mpfr.h>

#include "hardnets/core/rng.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/periodic.h"
#include "hardnets/problems/problem.h"
#include "test_util.h"

namespace hardnets {
namespace {

struct Samples {
  Dataset train;
  Json task;
  Vector w;
};

Vector unit(Rng& rng, int d) {
  Vector w(d);
  for (int i = 0; i < d; ++i) w[i] = rng.normal();
  return w / w.norm();
}

Matrix gaussian(Rng& rng, int n, int d) {
  Matrix X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = rng.normal();
  return X;
}

// CLWE in binary64: z = γ⟨w,x⟩ + β g mod 1; `null` draws z ~ U[0,1) instead.
Samples clwe(int d, double gamma, double beta, int n, Seed seed, bool null = false) {
  Rng rng(seed, stream_id("lattice-test-clwe"));
  Samples s;
  s.w = unit(rng, d);
  s.train.X = gaussian(rng, n, d);
  s.train.y.resize(n);
  for (int i = 0; i < n; ++i) {
    const double u = gamma * s.train.X.row(i).dot(s.w) + beta * rng.normal();
    s.train.y[i] = null ? rng.uniform() : u - std::floor(u);
  }
  s.task = Json{{"family", "clwe"},  {"convention", "standard-normal"},
                {"variant", "clwe"}, {"gamma", gamma},
                {"beta", beta},      {"precision_bits", 53}};
  return s;
}

// hCLWE (docs/problems.md, `clwe`, variant homogeneous): k ~ D_{Z, sqrt(γ²+β²)},
// t | k ~ N(kγ/(γ²+β²), β²/(γ²+β²)), x = (I − wwᵀ)g + t w.
Samples hclwe(int d, double gamma, double beta, int n, Seed seed) {
  Rng rng(seed, stream_id("lattice-test-hclwe"));
  Samples s;
  s.w = unit(rng, d);
  s.train.X = gaussian(rng, n, d);
  s.train.y = Vector::Zero(n);
  const double v = gamma * gamma + beta * beta;
  for (int i = 0; i < n; ++i) {
    const double k = static_cast<double>(rng.discrete_gaussian(std::sqrt(v)));
    const double t = k * gamma / v + std::sqrt(beta * beta / v) * rng.normal();
    Vector x = s.train.X.row(i).transpose();
    x += (t - x.dot(s.w)) * s.w;
    s.train.X.row(i) = x.transpose();
  }
  s.task = Json{{"family", "clwe"},
                {"convention", "standard-normal"},
                {"variant", "homogeneous"},
                {"gamma", gamma},
                {"beta", beta},
                {"precision_bits", 53}};
  return s;
}

// CLWE with w, ⟨w,x⟩ and z in MPFR at `bits` (x binary64, exact): z_mp holds
// z as decimal strings, train.y the rounded z.
Samples clwe_mp(int d, double gamma, double beta, int n, Seed seed, int bits) {
  Rng rng(seed, stream_id("lattice-test-clwe-mp"));
  Samples s;
  const Vector g = [&] {
    Vector v(d);
    for (int i = 0; i < d; ++i) v[i] = rng.normal();
    return v;
  }();
  s.w = g / g.norm();
  s.train.X = gaussian(rng, n, d);
  s.train.y.resize(n);
  mpfr_t norm, acc, tmp;
  mpfr_inits2(bits, norm, acc, tmp, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_zero(norm, 1);
  for (int i = 0; i < d; ++i) {
    mpfr_set_d(tmp, g[i], MPFR_RNDN);
    mpfr_fma(norm, tmp, tmp, norm, MPFR_RNDN);
  }
  mpfr_sqrt(norm, norm, MPFR_RNDN);
  Json z_mp = Json::array();
  for (int r = 0; r < n; ++r) {
    mpfr_set_zero(acc, 1);
    for (int i = 0; i < d; ++i) {  // Σ g_i x_i exactly enough, then / ‖g‖
      mpfr_set_d(tmp, g[i], MPFR_RNDN);
      mpfr_mul_d(tmp, tmp, s.train.X(r, i), MPFR_RNDN);
      mpfr_add(acc, acc, tmp, MPFR_RNDN);
    }
    mpfr_div(acc, acc, norm, MPFR_RNDN);
    mpfr_mul_d(acc, acc, gamma, MPFR_RNDN);
    mpfr_set_d(tmp, rng.normal(), MPFR_RNDN);
    mpfr_mul_d(tmp, tmp, beta, MPFR_RNDN);
    mpfr_add(acc, acc, tmp, MPFR_RNDN);
    mpfr_floor(tmp, acc);
    mpfr_sub(acc, acc, tmp, MPFR_RNDN);
    s.train.y[r] = mpfr_get_d(acc, MPFR_RNDN);
    char* text = nullptr;
    mpfr_asprintf(&text, "%.*Re", static_cast<int>(bits * 0.30103) + 5, acc);
    z_mp.push_back(std::string(text));
    mpfr_free_str(text);
  }
  mpfr_clears(norm, acc, tmp, static_cast<mpfr_ptr>(nullptr));
  s.task = Json{
      {"family", "clwe"}, {"convention", "standard-normal"}, {"variant", "clwe"}, {"gamma", gamma},
      {"beta", beta},     {"precision_bits", bits},          {"z_mp", z_mp}};
  return s;
}

// Periodic labels y = φ(clip(γ⟨w,x⟩, ±γR)) + σ g (R = +inf: uncapped).
Samples labels(const std::string& phi, int d, double gamma, double sigma, int n, Seed seed,
               double R = std::numeric_limits<double>::infinity()) {
  Rng rng(seed, stream_id("lattice-test-labels"));
  const periodic::Link link = periodic::parse_link(phi);
  Samples s;
  s.w = unit(rng, d);
  s.train.X = gaussian(rng, n, d);
  s.train.y.resize(n);
  for (int i = 0; i < n; ++i)
    s.train.y[i] =
        periodic::capped(link, gamma * s.train.X.row(i).dot(s.w), gamma * R) + sigma * rng.normal();
  s.task = Json{{"family", "periodic"}, {"convention", "standard-normal"},
                {"phi", phi},           {"gamma", gamma},
                {"sigma", sigma},       {"R", std::isfinite(R) ? Json(R) : Json(nullptr)}};
  return s;
}

Fit run(const std::string& learner, const Samples& s, const std::vector<std::string>& args,
        Seed seed = 1) {
  const Learner& l = learner_registry().get(learner);
  LearnerContext ctx;
  ctx.task = s.task;
  ctx.seed = seed;
  return l.fit(s.train, l.spec().resolve(args), ctx);
}

double cosine(const Fit& fit, const Vector& w, bool sign_free) {
  if (!fit.output.contains("w")) return 0.0;
  const std::vector<double> v = fit.output["w"].get<std::vector<double>>();
  const Vector wh = Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
  const double c = wh.dot(w) / wh.norm();
  return sign_free ? std::abs(c) : c;
}

bool found(const Fit& fit) {
  return fit.output.value("found", false);
}

// lll_primal at d=16, n=64, β=1e-2 (LLL alone; docs/clwe-results.md §2 measures n = 3d).
TEST(LatticePrimal, RecoversAtD16Beta1em2) {
  const double gamma = 2.0 * std::sqrt(16.0);
  int ok = 0;
  for (Seed seed = 1; seed <= 10; ++seed) {
    const Samples s = clwe(16, gamma, 1e-2, 400, seed);
    const Fit fit = run("lll_primal", s, {"n=64"});
    if (cosine(fit, s.w, false) >= 0.99 && found(fit)) ++ok;
  }
  EXPECT_GE(ok, 9);
}

// lll_relation, β = 0, d = 8, binary64 samples (noise floor ~1e-15; at d = 8,
// docs/clwe-results.md §1 has 10/10 seeds down to β = 1e-30 and 8/10 at 1e-15):
// recovery on every seed.
TEST(LatticeRelation, RecoversNoiselessD8) {
  for (Seed seed = 1; seed <= 5; ++seed) {
    const Samples s = clwe(8, 2.0 * std::sqrt(8.0), 0.0, 200, seed);
    const Fit fit = run("lll_relation", s, {});
    EXPECT_GE(cosine(fit, s.w, false), 0.99) << "seed " << seed;
    EXPECT_TRUE(found(fit)) << "seed " << seed;
    EXPECT_EQ(fit.stats.at("samples"), 9.0);
  }
}

// On null samples (z uniform) no verification passes and the direction is
// unrelated: a random direction in d = 8 has |cosine| < 0.5 with probability
// ~0.85, so the mean over 6 seeds is asked to stay below 0.5.
TEST(LatticeRelation, FindsNothingOnNullSamples) {
  double total = 0.0;
  for (Seed seed = 1; seed <= 6; ++seed) {
    const Samples s = clwe(8, 2.0 * std::sqrt(8.0), 0.0, 200, seed, /*null=*/true);
    const Fit fit = run("lll_relation", s, {});
    EXPECT_FALSE(found(fit)) << "seed " << seed;
    const double c = std::abs(cosine(fit, s.w, false));
    EXPECT_LT(c, 0.99) << "seed " << seed;
    total += c;
  }
  EXPECT_LT(total / 6.0, 0.5);
}

// MPFR samples at 256 bits, d = 16, β = 1e-40 (docs/clwe-results.md §1: 9/10 seeds):
// N = 138 bits.
TEST(LatticeRelation, RecoversMultiprecisionD16) {
  int ok = 0;
  for (Seed seed = 1; seed <= 5; ++seed) {
    const Samples s = clwe_mp(16, 8.0, 1e-40, 100, seed, 256);
    const Fit fit = run("lll_relation", s, {});
    if (cosine(fit, s.w, false) >= 0.99 && found(fit)) ++ok;
  }
  EXPECT_EQ(ok, 5);
}

// hCLWE with the relation attack (τ row dropped): ±w.
TEST(LatticeRelation, RecoversHomogeneous) {
  for (Seed seed = 1; seed <= 3; ++seed) {
    const Samples s = hclwe(6, 2.0 * std::sqrt(6.0), 1e-13, 100, seed);
    const Fit fit = run("lll_relation", s, {});
    EXPECT_GE(cosine(fit, s.w, true), 0.99) << "seed " << seed;
    EXPECT_TRUE(found(fit)) << "seed " << seed;
  }
}

// lll_primal on hCLWE pancakes, d = 8, β = 1e-3, n = 32: ±w.
TEST(LatticePrimal, RecoversHomogeneous) {
  for (Seed seed = 1; seed <= 3; ++seed) {
    const Samples s = hclwe(8, 2.0 * std::sqrt(8.0), 1e-3, 300, seed);
    const Fit fit = run("lll_primal", s, {"n=32"});
    EXPECT_GE(cosine(fit, s.w, true), 0.99) << "seed " << seed;
    EXPECT_TRUE(found(fit)) << "seed " << seed;
  }
}

// lll_labels on tri and cos labels (±w): noiseless and σ = 1e-5 at d = 4 and 8
// (measured thresholds, docs/clwe-results.md §3: σ* ≈ 1e-3 at d = 4, 1e-4
// at d = 8, so both are well inside the regime where recovery should be
// certain), plus a capped tri network (clwe_relu's target, R = 3) whose
// predictor must then reach test mse ≈ σ².
TEST(LatticeLabels, RecoversTriAndCos) {
  for (const char* phi : {"tri", "cos"})
    for (int d : {4, 8})
      for (double sigma : {0.0, 1e-5}) {
        const Samples s = labels(phi, d, 2.0 * std::sqrt(d), sigma, 300, 3);
        const Fit fit = run("lll_labels", s, {});
        const std::string what = fmt::format("{} d={} sigma={}", phi, d, sigma);
        EXPECT_GE(cosine(fit, s.w, true), 0.99) << what;
        EXPECT_TRUE(found(fit)) << what;
      }
  const Samples capped = labels("tri", 6, 2.0 * std::sqrt(6.0), 1e-4, 400, 5, 3.0);
  const Fit fit = run("lll_labels", capped, {});
  EXPECT_GE(cosine(fit, capped.w, true), 0.99);
  EXPECT_TRUE(found(fit));
  const Samples fresh = labels("tri", 6, 2.0 * std::sqrt(6.0), 0.0, 2000, 5, 3.0);
  ASSERT_NE(fit.predictor, nullptr);
  const Vector err = fit.predictor->predict(fresh.train.X) - fresh.train.y;
  // Noiseless fresh labels of the same network (same seed → same w): mse far
  // below Var f = 1/48 ≈ 0.02; allow 1e-6 (σ² = 1e-8, estimation error O(σ²d/n)).
  EXPECT_LT(err.squaredNorm() / static_cast<double>(err.size()), 1e-6);
}

// On labels from an unrelated direction (pure noise labels) nothing verifies
// and the fit falls back to the mean predictor.
TEST(LatticeLabels, FallsBackToMeanWithoutSignal) {
  Samples s = labels("tri", 6, 2.0 * std::sqrt(6.0), 1e-4, 300, 9);
  Rng rng(4, stream_id("lattice-test-shuffle"));
  for (Eigen::Index i = 0; i < s.train.y.size(); ++i) s.train.y[i] = 0.5 * rng.uniform();
  const Fit fit = run("lll_labels", s, {});
  EXPECT_FALSE(found(fit));
  ASSERT_NE(fit.predictor, nullptr);
  const Vector p = fit.predictor->predict(s.train.X.topRows(3));
  EXPECT_DOUBLE_EQ(p[0], s.train.y.mean());
}

// grid at d = 2 and 3: capped tri labels (σ = 0.01, R = 3) and
// CLWE (β = 0.01). The default step keeps |Δγ⟨w,x⟩| ≲ σ, then the pattern
// search refines: cosine >= 0.99 and test-free verification (mse <= 9σ² + ...).
TEST(LatticeGrid, RecoversAtD2AndD3) {
  for (int d : {2, 3}) {
    const double gamma = 2.0 * std::sqrt(d);
    const Samples tri = labels("tri", d, gamma, 0.01, 2000, 7, 3.0);
    const Fit fit = run("grid", tri, {});
    EXPECT_GE(cosine(fit, tri.w, true), 0.99) << "d " << d;
    EXPECT_TRUE(found(fit)) << "d " << d;
    ASSERT_NE(fit.predictor, nullptr);
    // The predictor reproduces the noiseless labels: mse ≈ σ² on the training set.
    EXPECT_LT(fit.stats.at("train_loss"), 2.0 * 0.01 * 0.01) << "d " << d;

    const Samples c = clwe(d, gamma, 0.01, 2000, 8);
    const Fit cf = run("grid", c, {});
    EXPECT_GE(cosine(cf, c.w, false), 0.99) << "d " << d;
    EXPECT_TRUE(found(cf)) << "d " << d;
  }
}

// Bad inputs are UserErrors that say what is wrong.
TEST(LatticeAttacks, RejectBadInputs) {
  using testing::user_error;
  Samples s = clwe(6, 4.0, 1e-3, 50, 1);
  Samples no_task = s;
  no_task.task = Json::object();
  EXPECT_CONTAINS(user_error([&] { run("lll_primal", no_task, {}); }), "task.family missing");
  Samples periodic_task = labels("tri", 6, 4.0, 0.01, 50, 1);
  EXPECT_CONTAINS(user_error([&] { run("lll_primal", periodic_task, {}); }), "family");
  EXPECT_CONTAINS(user_error([&] { run("lll_labels", s, {}); }), "periodic_neuron");
  Samples bad = s;
  bad.task["gamma"] = 0.0;
  EXPECT_CONTAINS(user_error([&] { run("lll_relation", bad, {}); }), "gamma");
  bad = s;
  bad.task["beta"] = -1.0;
  EXPECT_CONTAINS(user_error([&] { run("lll_primal", bad, {}); }), "beta");
  EXPECT_CONTAINS(user_error([&] { run("lll_primal", s, {"n=5"}); }), "n >= d+1");
  EXPECT_CONTAINS(user_error([&] { run("lll_primal", s, {"n=51"}); }), "exceeds");
  EXPECT_CONTAINS(user_error([&] { run("lll_relation", s, {"n=60"}); }), "exceeds");
  EXPECT_CONTAINS(user_error([&] { run("grid", s, {}); }), "d <= 4");
  Samples tiny = clwe(2, 4.0, 1e-3, 50, 1);
  EXPECT_CONTAINS(user_error([&] { run("grid", tiny, {"resolution=1e-6"}); }), "max_candidates");
}

// End to end on the problems themselves (clwe, periodic_neuron, clwe_relu):
// the problem's judge reads the output and declares success (cosine >= 0.99).
TEST(LatticeAttacks, SucceedOnTheProblemsGenerators) {
  struct Case {
    const char* problem;
    std::vector<std::string> params;
    std::int64_t n_train;
    const char* learner;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"clwe", {"d=16", "gamma=8", "beta=1e-40", "precision=256"}, 100, "lll_relation", {}},
      {"clwe", {"d=16", "gamma=8", "beta=1e-2"}, 300, "lll_primal", {"n=64"}},
      {"clwe",
       {"d=8", "gamma=5.6", "beta=1e-3", "variant=homogeneous"},
       300,
       "lll_primal",
       {"n=32"}},
      {"clwe_relu", {"d=4", "gamma=4", "sigma=1e-5", "R=3", "phi=tri"}, 300, "lll_labels", {}},
      {"periodic_neuron", {"d=6", "gamma=4.9", "sigma=1e-5", "phi=cos"}, 300, "lll_labels", {}},
      {"periodic_neuron", {"d=2", "gamma=2.8", "sigma=0.01", "phi=tri"}, 2000, "grid", {}},
  };
  for (const Case& c : cases) {
    const Problem& problem = problem_registry().get(c.problem);
    const Instance inst =
        problem.generate(problem.spec().resolve(c.params), 11, {c.n_train, 500}, {1});
    const Learner& learner = learner_registry().get(c.learner);
    LearnerContext ctx;
    ctx.task = inst.task;
    const Fit fit = learner.fit(inst.train, learner.spec().resolve(c.args), ctx);
    const Metrics m = problem.judge(inst, fit);
    const std::string what = fmt::format("{} {} {}", c.problem, c.learner, c.params[0]);
    EXPECT_EQ(m.at(metric::kSuccess), 1.0) << what;
    EXPECT_TRUE(found(fit)) << what;
    // Label problems: the recovered network predicts the test labels to about σ.
    if (m.count(metric::kNmse)) EXPECT_LT(m.at(metric::kNmse), 0.05) << what;
  }
}

}  // namespace
}  // namespace hardnets
