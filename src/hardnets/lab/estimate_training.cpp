#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hardnets/estimate/training.h"
#include "hardnets/lab/estimate_models.h"
#include "hardnets/problems/dnnt_problems.h"

namespace hardnets::estimate_models {

namespace {

// exact_relu's seconds per program on this machine: the geometric mean of
// seconds / programs at the largest n of each (d, k) row of
// docs/exact-results.md (experiment 1: 26.6, 13.0, 19.4, 4.2, 6.6 and
// 16.3 microseconds; one thread, the machine shared), so every one of
// those six points is within a factor 2.9 of it. The cost per program
// grows with n (the least-squares bound is O(n)) and pruning removes a
// growing share where programs are many: a lab-scale rule, not a law.
constexpr double kSecondsPerProgram = 1.2e-5;
constexpr double kSecondsPerProgramSpread = 2.9;

// The activation-pattern enumeration on n points of R^D for k units:
// programs = Σ_{j<=k} binom(2P, j), P = Cover's count; each a convex
// program in k D + 1 variables with k n constraints.
AttackEstimate pattern_enumeration(std::int64_t n, std::int64_t D, std::int64_t k) {
  AttackEstimate out = make_estimate(
      "exact_relu", "exact_relu",
      "activation-pattern enumeration: Σ_{j<=k} binom(2P, j) convex programs, P = Cover's count "
      "of the arrangement (Cover 1965; Arora, Basu, Mianjy, Mukherjee, ICLR 2018)",
      "floating-point operations: programs x n (k D)^2 (one QP's normal equations each)");
  const double log2_patterns = estimate::log2_cover_count(n, D);
  const double log2_programs = estimate::log2_sets_up_to(1 + log2_patterns, k);
  const double kd = static_cast<double>(k * D);
  out.log2_ops = log2_programs + std::log2(static_cast<double>(n)) + 2 * std::log2(kd);
  out.log2_memory = std::log2(static_cast<double>(n) * kd);
  out.samples = static_cast<double>(n);
  out.success_probability = 1;  // exact: the global optimum, whatever the data
  out.succeeds = true;
  if (log2_programs < 60) out.seconds = kSecondsPerProgram * std::exp2(log2_programs);
  out.details = {
      {"log2_patterns", log2_patterns},
      {"log2_programs", log2_programs},
      {"dimension", D},
      {"units", k},
      {"seconds_model", fmt::format("{:.1e} s per program (within a factor {} at the lab's points)",
                                    kSecondsPerProgram, kSecondsPerProgramSpread)}};
  return out;
}

}  // namespace

// exact_relu on a teacher's data: Gaussian, hypercube or sphere inputs are
// in general position (almost surely for the continuous laws), so Cover's
// count is the exact number of patterns of an affine unit (D = d + 1).
AttackEstimate exact_relu_teacher(const Params& p, std::int64_t n_train) {
  const std::int64_t d = p.integer("d"), k = p.integer("width");
  if (p.integer("depth") != 2) {
    AttackEstimate out = make_estimate("exact_relu", "exact_relu", "", "");
    out.note = "not applicable: exact_relu trains one hidden layer (depth = 2)";
    return out;
  }
  AttackEstimate out = pattern_enumeration(n_train, d + 1, k);
  out.validated_range =
      "d <= 3, k <= 2, n up to 1600 (d = 1, k = 1) .. 14 (d = 3, k = 2): patterns and programs "
      "exact (docs/exact-results.md), seconds within a factor 2.9";
  out.extrapolated = d > 3 || k > 2;
  if (p.text("inputs") == "hypercube")
    append_note(out,
                "hypercube inputs repeat points at small d: fewer patterns than Cover's count");
  return out;
}

// exact_relu on relu_reduction's points: homogeneous units on R^N, n = 2N
// + M (1-in-3, one unit) or 2N + 2M (NAE, two units). The points lie on
// the axes and in ± pairs, far from general position, so Cover's count is an
// upper bound, and a loose one.
AttackEstimate exact_relu_reduction(const Params& p, std::int64_t) {
  const std::int64_t N = p.integer("vars"), M = p.integer("clauses");
  const bool one = p.text("source") == "one_in_three";
  AttackEstimate out = pattern_enumeration(one ? 2 * N + M : 2 * N + 2 * M, N, one ? 1 : 2);
  out.seconds = std::numeric_limits<double>::quiet_NaN();  // the bound is too loose for seconds
  out.note =
      "an upper bound: the reduction's points are not in general position (NAE, N = 5, M = 10: "
      "5.8e6 programs solved against the bound's 6.2e9)";
  out.validated_range = "an upper bound (any size); checked at N = 5, M = 10 (docs/problems.md)";
  return out;
}

// The reduction's source decided by brute force (relu_reduction's own
// certifier up to N = 20): 2^N assignments, each checked on M clauses.
AttackEstimate relu_source_search(const Params& p, std::int64_t) {
  const std::int64_t N = p.integer("vars"), M = p.integer("clauses");
  AttackEstimate out = make_estimate(
      "source_search", "",
      "the source formula read back from the gadgets and decided over all 2^N assignments "
      "(the lab's brute-force certifier)",
      "clause evaluations, 2^N M");
  out.log2_ops = static_cast<double>(N) + std::log2(static_cast<double>(M));
  out.log2_memory = std::log2(static_cast<double>(N + 3 * M));
  out.samples = static_cast<double>(p.text("source") == "one_in_three" ? 2 * N + M : 2 * N + 2 * M);
  out.success_probability = 1;
  out.succeeds = true;
  out.note =
      "an upper bound: exponential-time algorithms for 1-in-3 SAT and NAE-3SAT below 2^N, and "
      "CDCL solvers on random formulas, are faster (not modelled)";
  out.validated_range = "exact count of the brute-force certifier (any N)";
  return out;
}

namespace {

// What the D-NNT models read of an instance: its points, layer widths
// (input first, output 1 last), domain and magnitudes.
struct DnntShape {
  std::int64_t points = 0;
  std::vector<std::int64_t> widths;
  double log2_domain = 0;  // log2 |W|
  double max_weight = 0;   // max |w| over W
  double max_input = 0;    // max |x|
  std::int64_t hidden_units() const { return widths.size() > 2 ? widths[1] : 0; }
};

DnntShape dnnt_shape(const Params& p) {
  DnntShape s;
  if (p.has("source")) {  // dnnt_reduction: one hidden unit, W = {0, 1}
    const std::int64_t m = p.integer("m");
    const bool subset_sum = p.text("source") == "subset_sum";
    s.points = subset_sum ? 1 : 3 * p.integer("q") + (p.flag("origin") ? 1 : 0);
    s.widths = {m, 1, 1};
    s.log2_domain = 1;
    s.max_weight = 1;
    s.max_input = subset_sum ? 3.0 * static_cast<double>(p.integer("magnitude")) : 1.0;
    return s;
  }
  const std::vector<std::int64_t> domain = dnnt::parse_domain(p.text("domain"), "estimate");
  s.points = p.integer("n");
  s.widths.push_back(p.integer("d"));
  for (std::int64_t l = 1; l < p.integer("depth"); ++l) s.widths.push_back(p.integer("width"));
  s.widths.push_back(1);
  s.log2_domain = std::log2(static_cast<double>(domain.size()));
  for (std::int64_t v : domain) s.max_weight = std::max(s.max_weight, std::abs(double(v)));
  s.max_input = static_cast<double>(p.integer("data"));
  return s;
}

}  // namespace

// dnnt_brute's search space without its loss bounds: the hidden layers
// before the last as multisets of unit tuples (fan-in weights and bias),
// the last hidden layer with each unit's output weight, searched unit by
// unit; its `nodes` statistic equals this count for two layers when
// nothing is pruned (tested). Each full choice's output bias is a binary
// search, and each node evaluates its units on the points.
AttackEstimate dnnt_brute_force(const Params& p, std::int64_t) {
  const DnntShape s = dnnt_shape(p);
  AttackEstimate out = make_estimate(
      "brute_force", "dnnt_brute",
      "enumeration of the parameter domains with interchangeable hidden units as multisets "
      "(docs/learners.md, dnnt_brute), without the loss bounds' pruning",
      "integer operations: nodes x log2 |W| x points x fan-in");
  double log2_nodes = 0;
  const std::size_t L = s.widths.size() - 1;  // weight layers
  for (std::size_t l = 1; l + 1 <= L; ++l) {
    const double fan_in = static_cast<double>(s.widths[l - 1]);
    const double tuple = (fan_in + 1 + (l + 1 == L ? 1 : 0)) * s.log2_domain;
    // The last hidden layer's search tree counts its partial choices too;
    // an earlier layer's full choices only (deeper networks: approximate).
    log2_nodes += l + 1 == L ? estimate::log2_multiset_tree(tuple, s.widths[l])
                             : estimate::log2_multisets(tuple, s.widths[l]);
  }
  if (L == 1) log2_nodes = static_cast<double>(s.widths[0]) * s.log2_domain;
  // Each node's output bias is a binary search along its domain.
  const double search = std::max(1.0, s.log2_domain);
  const double fan_in = static_cast<double>(s.widths[L - 1]);
  out.log2_ops = log2_nodes + std::log2(search * static_cast<double>(s.points) * (fan_in + 1));
  out.log2_memory = std::log2(static_cast<double>(s.points) * static_cast<double>(L + 1));
  out.samples = static_cast<double>(s.points);
  out.success_probability = 1;
  out.succeeds = true;
  out.note = "an upper bound: the loss bounds cut branches, and the search stops at loss 0";
  out.validated_range = "an upper bound (any size)";
  out.details = {{"log2_nodes", log2_nodes}, {"weight_layers", static_cast<std::int64_t>(L)}};
  return out;
}

// dnnt_dp's reachable sets bounded by their boxes (docs/learners.md,
// dnnt_dp, "Complexity"): pre-activations in [-M_z, M_z], M_z = W(1 + dX),
// contributions in [-M_c, M_c], M_c = W M_z; a set of n-vectors holds at
// most min(its combinations, its box) points. Cost: building a unit's
// pre-activations, the root's distance transform on the grid of targets,
// and the scan of the left half's states.
AttackEstimate dnnt_dynamic_program(const Params& p, std::int64_t) {
  const DnntShape s = dnnt_shape(p);
  AttackEstimate out = make_estimate(
      "dynamic_program", "dnnt_dp",
      "the pseudo-polynomial DP over reachable output vectors, meet in the middle at the root "
      "(ours; Doron-Arad, AAAI 2025 states that such an algorithm exists), sets bounded by "
      "their boxes",
      "word operations: d |W| Z + n G + |L| |W|");
  if (s.widths.size() != 3) {
    out.note = "not applicable: the DP covers two layers (depth = 2)";
    return out;
  }
  const double n = static_cast<double>(s.points), d = static_cast<double>(s.widths[0]);
  const std::int64_t k = s.hidden_units(), h = k / 2, r = k - h;
  const double W = s.max_weight, Mz = W * (1 + d * s.max_input), Mc = W * Mz;
  const double log2_Z = std::min((d + 1) * s.log2_domain, n * std::log2(2 * Mz + 1));
  const double log2_C = std::min(s.log2_domain + log2_Z, n * std::log2(2 * Mc + 1));
  const double log2_L =
      h == 0 ? 0.0 : std::min(double(h) * log2_C, n * std::log2(2 * double(h) * Mc + 1));
  const double log2_G = n * std::log2(2 * double(r) * Mc + 2 * W + 1);
  const double terms[] = {std::log2(d) + s.log2_domain + log2_Z, std::log2(n) + log2_G,
                          log2_L + s.log2_domain};
  out.log2_ops = *std::max_element(std::begin(terms), std::end(terms)) + std::log2(3.0);
  out.log2_memory = std::max({log2_Z, log2_C, log2_L, log2_G}) + 3;
  out.samples = n;
  out.success_probability = 1;
  out.succeeds = true;
  out.note = "an upper bound: the reachable sets are usually far smaller than their boxes";
  out.validated_range = "an upper bound (any size); the set sizes checked against dnnt_dp's";
  out.details = {{"log2_unit_states", log2_Z},
                 {"log2_contributions", log2_C},
                 {"log2_left_states", log2_L},
                 {"log2_grid", log2_G}};
  return out;
}

}  // namespace hardnets::estimate_models
