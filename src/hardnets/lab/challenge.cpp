#include "hardnets/lab/challenge.h"

#include <bit>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/core/sha256.h"
#include "hardnets/lab/estimate.h"

namespace hardnets {

namespace {

// The instance a ladder prescribes at one size.
struct Rung {
  Json params;
  std::int64_t n_train = 0, n_test = 0;
  double width = 0;  // input columns
};

// A family: the graded levels come from `at` (none: no cost model), searched
// over `size_param` from `start`; the lab level is fixed.
struct Ladder {
  std::string family, problem, summary;
  std::string size_param;
  std::int64_t start = 1;
  std::function<Rung(std::int64_t size)> at;
  Rung lab;
  std::string breaker;
  Json breaker_params = Json::object();
  // The lab attack tried on the graded levels when the lab level's does not
  // apply to them ("" = the same).
  std::string graded_breaker;
  std::string success_metric = "success";
  std::string caveat;
};

Ladder make_ladder(std::string family, std::string problem, std::string summary,
                   std::string size_param, std::int64_t start) {
  Ladder l;
  l.family = std::move(family);
  l.problem = std::move(problem);
  l.summary = std::move(summary);
  l.size_param = std::move(size_param);
  l.start = start;
  return l;
}

// lll_primal with progressive BKZ 2.0 up to the block size that verifies,
// judged by `found` (the secret recovered and checked on held-out samples).
void use_primal_breaker(Ladder& l) {
  l.breaker = "lll_primal";
  l.breaker_params = Json{{"reducer", "bkz2"}, {"block_size", "0"}};
  l.success_metric = "found";
}

std::string num(double v) {
  return fmt::format("{:.17g}", v);
}

Ladder lwe_ladder() {
  Ladder l = make_ladder(
      "lwe", "lwe",
      "LWE (Regev 2005), q = 3329, uniform secret, error width 1, m = 2n samples: graded by "
      "the primal uSVP estimate (core-SVP)",
      "n", 16);
  l.at = [](std::int64_t n) {
    return Rung{
        Json{{"n", std::to_string(n)}, {"q", "3329"}, {"secret", "uniform"}, {"sigma_e", "1"}},
        2 * n, 64, static_cast<double>(n)};
  };
  l.lab = l.at(40);
  use_primal_breaker(l);
  l.caveat =
      "the dual and hybrid attacks are not modelled (not compared with the lattice "
      "estimator at these parameters)";
  return l;
}

Ladder clwe_ladder() {
  Ladder l = make_ladder(
      "clwe", "clwe",
      "Continuous LWE (Bruna, Regev, Song, Tang 2021), gamma = 2 sqrt(d), beta = 1e-3, 4d "
      "samples: graded by the primal uSVP and integer-relation estimates",
      "d", 8);
  l.at = [](std::int64_t d) {
    return Rung{Json{{"d", std::to_string(d)},
                     {"gamma", num(2 * std::sqrt(static_cast<double>(d)))},
                     {"beta", "0.001"}},
                4 * d, 64, static_cast<double>(d)};
  };
  l.lab = l.at(16);
  use_primal_breaker(l);
  l.caveat =
      "the primal model's embedding geometry is our derivation, validated against the "
      "lab's LLL thresholds at d <= 64 (docs/estimates.md)";
  return l;
}

Ladder parity_ladder() {
  Ladder l =
      make_ladder("parity", "sparse_parity",
                  "k-sparse parity with noise 0.1 on n = 256 inputs, 4096 samples: graded by "
                  "exhaustive search over the supports",
                  "k", 2);
  l.at = [](std::int64_t k) {
    return Rung{Json{{"n", "256"}, {"k", std::to_string(k)}, {"noise", "0.1"}}, 4096, 256, 256};
  };
  l.lab = Rung{Json{{"n", "32"}, {"k", "3"}, {"noise", "0"}}, 1000, 256, 32};
  l.breaker = "gf2";
  l.graded_breaker = "sgd";  // elimination does not apply to noisy labels; SGD does
  l.caveat =
      "an upper bound on hardness: Valiant's n^(0.8k) algorithm (FOCS 2012) and sample "
      "amplification for Blum-Kalai-Wasserman (modelled, but it needs 2^45 samples at n = "
      "256) are not modelled; the lab level is noiseless (elimination)";
  return l;
}

Ladder prg_xor_ladder() {
  Ladder l = make_ladder(
      "prg_xor", "prg_hyperedge",
      "Goldreich's PRG with XOR_3, index encoding, n ceil(ln n) outputs: graded by GF(2) "
      "elimination's bit operations",
      "n", 64);
  l.at = [](std::int64_t n) {
    const auto m = static_cast<std::int64_t>(static_cast<double>(n) *
                                             std::ceil(std::log(static_cast<double>(n))));
    return Rung{
        Json{{"n", std::to_string(n)}, {"predicate", "xor"}, {"k", "3"}, {"encoding", "index"}}, m,
        256, 3};
  };
  l.lab = Rung{Json{{"n", "256"}, {"predicate", "xor"}, {"k", "3"}, {"encoding", "index"}}, 2048,
               256, 3};
  l.breaker = "gf2";
  l.caveat =
      "XOR_k is linear: elimination is polynomial, so the grade is a count of bit "
      "operations, not cryptographic hardness";
  return l;
}

Ladder prg_p5_ladder() {
  Ladder l = make_ladder("prg_p5", "prg_hyperedge",
                         "Goldreich's PRG with P5, index encoding, m = n^1.2 outputs: graded by "
                         "collisions plus guess-and-determine",
                         "n", 32);
  l.at = [](std::int64_t n) {
    const auto m = std::llround(std::pow(static_cast<double>(n), 1.2));
    return Rung{Json{{"n", std::to_string(n)}, {"predicate", "p5"}, {"encoding", "index"}}, m, 256,
                5};
  };
  l.lab = Rung{Json{{"predicate", "p5"}}, 1000, 256, 0};  // n = 64, one-hot
  l.breaker = "p5_collision";
  l.caveat =
      "an upper bound on hardness: linearization and the spectral attack are modelled (both need "
      "m ~ n^1.5, far above these levels' n^1.2), Groebner-basis attacks are not";
  return l;
}

Ladder clwe_relu_ladder() {
  Ladder l = make_ladder("clwe_relu", "clwe_relu",
                         "the one-hidden-layer ReLU network of Li, Zadik, Zampetakis (2025) on "
                         "CLWE, gamma = 2 sqrt(d), cap R = 4, label noise 1e-6, 4d samples: graded "
                         "by the label attack's uSVP estimate",
                         "d", 8);
  l.at = [](std::int64_t d) {
    return Rung{Json{{"d", std::to_string(d)},
                     {"gamma", num(2 * std::sqrt(static_cast<double>(d)))},
                     {"R", "4"},
                     {"sigma", "1e-6"}},
                4 * d, 256, static_cast<double>(d)};
  };
  l.lab = l.at(8);
  l.lab.n_train = 32;
  l.breaker = "lll_labels";
  l.caveat =
      "the label attack's embedding geometry is our derivation, validated at d <= 16; "
      "SGD and kernels already failed from gamma = 1 at sigma = 0.01 (docs/clwe-results.md)";
  return l;
}

Ladder prg_depth3_ladder() {
  Ladder l = make_ladder("prg_depth3", "prg_depth3",
                         "the depth-3 ReLU network planting Goldreich's PRG with P5 (our "
                         "reconstruction of Daniely, Srebro, Vardi 2023), 1.5 n^1.2 Gaussian "
                         "inputs: graded by decode-then-attack (guess-and-determine on the "
                         "decoded rows)",
                         "n", 64);
  // n must be a power of two (log2 n sign bits per index): a size is
  // rounded up to the next one, so neighbouring levels may share an n.
  l.at = [](std::int64_t size) {
    const auto n = static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(size)));
    const auto rows = std::llround(1.5 * std::pow(static_cast<double>(n), 1.2));
    const double R = 5.0 * std::countr_zero(static_cast<std::uint64_t>(n));
    return Rung{Json{{"n", std::to_string(n)}, {"predicate", "p5"}}, rows, 256, R + n};
  };
  l.lab = Rung{Json::object(), 1000, 256, 0};  // n = 64, P5
  l.breaker = "p5_collision";
  l.caveat =
      "sizes are powers of two, so a level's cost can exceed its target (its card gives the "
      "estimate); an upper bound on hardness as for prg_p5; SGD and kernels fail on this lift "
      "even for an easy predicate at n <= 32 (docs/prg-results.md)";
  return l;
}

Ladder relu_training_ladder() {
  Ladder l = make_ladder("relu_training", "relu_reduction",
                         "training a sum of two homogeneous ReLUs on a planted NAE-3SAT reduction "
                         "with M = 2N clauses (our reduction after Goel, Klivans, Manurangsi, "
                         "Reichman 2021): graded by brute force on the source formula",
                         "vars", 4);
  l.at = [](std::int64_t N) {
    return Rung{
        Json{
            {"source", "nae3sat"}, {"vars", std::to_string(N)}, {"clauses", std::to_string(2 * N)}},
        6 * N, 6 * N, static_cast<double>(N)};
  };
  l.lab = Rung{Json::object(), 1000, 256, 0};
  l.breaker = "exact_relu";
  l.breaker_params = Json{{"k", "2"}, {"unit_bias", "false"}, {"output_bias", "false"}};
  l.caveat =
      "an upper bound: the grade is 2^N M assignments checked, and SAT solvers decide planted "
      "formulas far faster; exact_relu breaks only the lab level (its cost grows as "
      "C(n, N)^2); the gadgets are ours, not the paper's";
  return l;
}

Ladder dnnt_ladder() {
  Ladder l = make_ladder("dnnt", "dnnt_random",
                         "discrete two-layer training (D-NNT, Doron-Arad 2025), width 2, "
                         "weights in {-1, 0, 1}, n = d planted points in [-2, 2]^d: graded by "
                         "the exact solvers' search spaces (brute force, DP)",
                         "d", 2);
  l.at = [](std::int64_t d) {
    return Rung{Json{{"n", std::to_string(d)}, {"d", std::to_string(d)}}, d, d,
                static_cast<double>(d)};
  };
  l.lab = Rung{Json::object(), 1000, 256, 0};
  l.breaker = "dnnt_dp";
  l.caveat =
      "an upper bound: the grade counts dnnt_brute's nodes without its loss bounds, which cut "
      "up to 8e5x on small instances, and the DP's sets by their boxes; MIP is not modelled";
  return l;
}

std::vector<Ladder> ladders() {
  return {lwe_ladder(),        clwe_ladder(),          parity_ladder(),
          prg_xor_ladder(),    prg_p5_ladder(),        clwe_relu_ladder(),
          prg_depth3_ladder(), relu_training_ladder(), dnnt_ladder()};
}

ChallengeLevel level_of(const Ladder& l, const std::string& level, const Rung& rung) {
  ChallengeLevel c;
  c.name = l.family + "-" + level;
  c.family = l.family;
  c.level = level;
  c.summary = l.summary;
  c.problem = l.problem;
  c.size_param = l.size_param;
  c.params = rung.params;
  c.n_train = rung.n_train;
  c.n_test = rung.n_test;
  c.success_metric = l.success_metric;
  const bool graded = level != "lab" && !l.graded_breaker.empty();
  c.breaker = graded ? l.graded_breaker : l.breaker;
  c.breaker_params = graded ? Json::object() : l.breaker_params;
  c.caveat = l.caveat;
  c.available = true;
  return c;
}

// The graded level at `bits`: the least size whose cheapest modelled attack
// costs at least 2^bits (estimate.h's solve_for, with the ladder's rung).
ChallengeLevel graded_level(const Ladder& l, double bits) {
  ChallengeLevel c = level_of(l, fmt::format("{}", bits), Rung{});
  c.target_bits = bits;
  c.available = false;
  if (!l.at) {
    c.reason = "no cost model for this family yet (docs/estimates.md, what is not done)";
    return c;
  }
  SolveRequest request;
  request.base = {l.problem, l.at(l.start).params, l.at(l.start).n_train, ""};
  request.param = l.size_param;
  request.target_bits = bits;
  request.at_value = [&l](std::int64_t size) {
    const Rung r = l.at(size);
    return EstimateRequest{l.problem, r.params, r.n_train, ""};
  };
  const SolveResult solved = solve_for(request);
  if (!solved.found) {
    c.reason = solved.reason;
    return c;
  }
  const Rung rung = l.at(solved.value);
  c.params = rung.params;
  c.n_train = rung.n_train;
  c.n_test = rung.n_test;
  c.estimate = solved.at_value.to_json();
  if (!solved.at_value.cheapest) {
    c.reason = fmt::format(
        "at {} = {} no modelled attack succeeds with these samples, so the estimator grades it "
        "by infeasibility, not by cost",
        l.size_param, solved.value);
    return c;
  }
  const double entries = rung.width * static_cast<double>(rung.n_train + rung.n_test);
  if (entries > kChallengeMaxEntries) {
    c.reason = fmt::format(
        "at {} = {} the inputs hold {:.3g} entries, more than the {:.3g} a "
        "level may",
        l.size_param, solved.value, entries, kChallengeMaxEntries);
    return c;
  }
  c.available = true;
  return c;
}

}  // namespace

Json ChallengeLevel::to_json() const {
  return Json{
      {"name", name},         {"family", family},
      {"level", level},       {"summary", summary},
      {"problem", problem},   {"params", params},
      {"n_train", n_train},   {"n_test", n_test},
      {"seed", seed},         {"available", available},
      {"reason", reason},     {"target_bits", target_bits ? Json(*target_bits) : Json(nullptr)},
      {"estimate", estimate}, {"success", fmt::format("{} >= {}", success_metric, success_at)},
      {"breaker", breaker},   {"breaker_params", breaker_params},
      {"caveat", caveat}};
}

std::vector<ChallengeLevel> challenge_levels() {
  std::vector<ChallengeLevel> out;
  for (const Ladder& l : ladders()) {
    for (double bits : kChallengeBits) out.push_back(graded_level(l, bits));
    out.push_back(level_of(l, "lab", l.lab));
  }
  return out;
}

ChallengeLevel challenge_level(const std::string& name) {
  std::string known;
  for (const Ladder& l : ladders()) {
    if (name == l.family + "-lab") return level_of(l, "lab", l.lab);
    for (double bits : kChallengeBits) {
      if (name == fmt::format("{}-{}", l.family, bits)) return graded_level(l, bits);
    }
    known += (known.empty() ? "" : ", ") + l.family;
  }
  fail(
      "challenge: unknown level '{}'; levels are FAMILY-32|48|64|80|128|lab for the families {} "
      "(hardnets challenge list)",
      escaped(name), known);
}

ChallengeLevel challenge_rung(const std::string& family, std::int64_t size) {
  for (const Ladder& l : ladders()) {
    if (l.family != family) continue;
    if (!l.at) fail("challenge: family '{}' has no graded ladder", escaped(family));
    ChallengeLevel c = level_of(l, fmt::format("{}={}", l.size_param, size), l.at(size));
    c.name = fmt::format("{}@{}", l.family, c.level);
    return c;
  }
  fail("challenge: unknown family '{}'", escaped(family));
}

Seed private_seed_value(const std::string& passphrase) {
  if (passphrase.empty()) fail("--private-seed: the passphrase is empty");
  const std::string digest = sha256_hex(passphrase);
  return static_cast<Seed>(std::stoull(digest.substr(0, 16), nullptr, 16));
}

GenerateRequest challenge_request(const ChallengeLevel& level,
                                  const std::optional<std::string>& private_seed) {
  if (!level.available) fail("challenge {} is not available: {}", level.name, level.reason);
  GenerateRequest r;
  r.problem = level.problem;
  r.params = level.params;
  r.seed = private_seed ? private_seed_value(*private_seed) : level.seed;
  r.sizes = {level.n_train, level.n_test};
  return r;
}

}  // namespace hardnets
