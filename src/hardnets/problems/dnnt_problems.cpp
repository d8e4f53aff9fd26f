#include "hardnets/problems/dnnt_problems.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "hardnets/core/error.h"
#include "hardnets/problems/dnnt_certify.h"

namespace hardnets::dnnt {
namespace {

const ProblemRegistration kRegisterRandom{std::make_unique<DnntRandomProblem>()};
const ProblemRegistration kRegisterReduction{std::make_unique<DnntReductionProblem>()};

constexpr std::int64_t kMaxExact = std::int64_t{1} << 53;  // labels are stored as doubles

std::int64_t parse_int(const std::string& text, const std::string& owner,
                       const std::string& whole) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    fail("{}: domain \"{}\": \"{}\" is not an integer (write e.g. \"-1,0,1\" or \"-2..2\")", owner,
         whole, text);
  }
  return v;
}

// Uniform integer in [lo, hi].
std::int64_t uniform_in(Rng& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng.uniform_int(static_cast<std::uint64_t>(hi - lo) + 1));
}

// Fills Instance fields common to both problems from a D-NNT instance.
Instance package(const Problem& problem, const Params& params, Seed seed, const Sizes& sizes,
                 const DnntInstance& dnnt, Json truth) {
  Instance inst;
  inst.problem = problem.name();
  inst.params = params;
  inst.seed = seed;
  inst.train = dnnt.dataset();
  // D-NNT is optimisation on the given points: the test set is a copy of them.
  inst.test = inst.train;
  inst.task = dnnt.to_task();
  inst.truth = std::move(truth);
  inst.card = base_card(problem, params, seed, sizes);
  // The instance fixes its own size: the requested n_train/n_test are ignored.
  inst.card["n_train"] = dnnt.n();
  inst.card["n_test"] = dnnt.n();
  inst.card["num_params"] = dnnt.num_params();
  inst.card["gamma"] = dnnt.gamma ? Json(*dnnt.gamma) : Json();
  inst.card["yes"] = inst.truth["yes"];
  inst.card["magnitude_bits"] = mpz_sizeinbase(dnnt.magnitude_bound().get_mpz_t(), 2);
  return inst;
}

DnntInstance one_unit_01(int d, const std::string& loss) {
  DnntInstance inst;
  inst.d = d;
  inst.hidden = {1};
  inst.set_shared_domain({0, 1});
  inst.loss = loss == "l1" ? Loss::kL1 : Loss::kSquare;
  inst.gamma = 0;
  return inst;
}

}  // namespace

std::vector<std::int64_t> parse_domain(const std::string& text, const std::string& owner) {
  std::string s;
  for (const char ch : text) {
    if (ch != ' ' && ch != '\t') s.push_back(ch);
  }
  std::vector<std::int64_t> values;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    const std::string item = s.substr(start, comma - start);
    const std::size_t dots = item.find("..");
    if (dots != std::string::npos) {
      const std::int64_t lo = parse_int(item.substr(0, dots), owner, text);
      const std::int64_t hi = parse_int(item.substr(dots + 2), owner, text);
      if (lo > hi) fail("{}: domain \"{}\": empty range {}..{}", owner, text, lo, hi);
      if (hi - lo > 1'000'000)
        fail("{}: domain \"{}\": range {}..{} too long", owner, text, lo, hi);
      for (std::int64_t v = lo; v <= hi; ++v) values.push_back(v);
    } else {
      values.push_back(parse_int(item, owner, text));
    }
    start = comma + 1;
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  for (const auto v : values) {
    if (v > kMaxExact || v < -kMaxExact) fail("{}: domain value {} exceeds 2^53", owner, v);
  }
  return values;
}

Metrics judge_dnnt(const Instance& instance, const Fit& fit) {
  Metrics m = instance.test.empty() || !fit.predictor
                  ? Metrics{}
                  : regression_metrics(instance.test, fit.predictor->predict(instance.test.X));
  const DnntInstance inst = DnntInstance::from_task(instance.task, instance.train);
  // The planted network's largest exact intermediate value, in bits: how the
  // integers a verifier must handle grow with depth (reported for any learner).
  if (instance.truth.contains("planted_max_bits")) {
    m["planted_max_bits"] = instance.truth["planted_max_bits"].get<double>();
  }
  const bool yes = instance.truth.value("yes", false);
  const Verification v = verify_output(inst, fit.output);
  m["verified"] = v.ok ? 1.0 : 0.0;
  if (!v.ok) {
    m[metric::kSuccess] = 0.0;
    return m;
  }
  m[metric::kOptLoss] = v.loss.get_d();
  // Bit length of the largest exact intermediate value of the reported network
  // on the data: how the numbers grow with depth (what a verifier must handle).
  const auto bits = inst.max_bits_per_layer(fit.output.at("theta").get<Theta>());
  if (!bits.empty())
    m["max_bits"] = static_cast<double>(*std::max_element(bits.begin(), bits.end()));
  const mpz_class gamma = static_cast<long>(inst.gamma.value_or(0));
  const bool found_yes = v.loss <= gamma;
  const bool optimal = fit.output.value("optimal", false);
  m[metric::kSuccess] = (found_yes == yes && (yes || optimal)) ? 1.0 : 0.0;
  return m;
}

// ---------------------------------------------------------------------------
// dnnt_random

DnntRandomProblem::DnntRandomProblem() : DnntProblem("dnnt_random") {
  spec_.cite("doronarad2025discretely", "the problem: discrete neural-network training (D-NNT)")
      .construction(Construction::Source::kReconstruction,
                    "the problem is the paper's D-NNT; these random planted instances are ours");
  spec_.integer("n", 4, 1, 1'000'000, "data points")
      .integer("d", 2, 1, 10'000, "input dimension")
      .integer("width", 2, 1, 10'000, "units per hidden layer")
      .integer("depth", 2, 1, 16,
               "weight layers: 1 = linear, 2 = one hidden layer (f = c + Σ a_j [w_j·x + b_j]_+)")
      .text("domain", "-1,0,1",
            "shared parameter domain: integers and ranges, e.g. \"-1,0,1\" or \"-2..2\"")
      .integer("data", 2, 0, 1'000'000, "inputs uniform integers in [-data, data]")
      .choice("loss", "square", {"square", "l1"}, "loss ℓ(f, y): (f - y)^2 or |f - y|")
      .integer("flips", 0, 0, 1'000'000,
               "labels moved by ±1 after planting: the planted loss, and γ, equal flips");
}

std::string DnntRandomProblem::summary() const {
  return "discrete training (D-NNT): random integer data labelled by a planted network with "
         "parameters from a finite domain (a YES instance for γ = flips)";
}

Instance DnntRandomProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                     const GenerateContext&) const {
  const std::int64_t n = params.integer("n"), flips = params.integer("flips");
  if (flips > n) fail("dnnt_random: flips = {} exceeds n = {}", flips, n);
  DnntInstance inst;
  inst.d = static_cast<int>(params.integer("d"));
  inst.hidden.assign(static_cast<std::size_t>(params.integer("depth") - 1),
                     static_cast<int>(params.integer("width")));
  const auto domain = parse_domain(params.text("domain"), "dnnt_random");
  if (domain.empty()) fail("dnnt_random: the domain is empty");
  inst.set_shared_domain(domain);
  inst.loss = params.text("loss") == "l1" ? Loss::kL1 : Loss::kSquare;
  inst.gamma = flips;

  const Rng root(seed, stream_id("dnnt_random"));
  Rng net_rng = root.substream("network");
  Theta theta(inst.num_params());
  for (std::size_t p = 0; p < theta.size(); ++p) {
    theta[p] = domain[net_rng.uniform_int(domain.size())];
  }
  const std::int64_t data = params.integer("data");
  Rng x_rng = root.substream("inputs");
  inst.X.assign(static_cast<std::size_t>(n), std::vector<std::int64_t>(inst.d));
  for (auto& row : inst.X) {
    for (auto& v : row) v = uniform_in(x_rng, -data, data);
  }
  inst.y.resize(static_cast<std::size_t>(n));
  const auto f = inst.outputs(theta);
  const mpz_class limit = static_cast<long>(kMaxExact - 2);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (abs(f[i]) > limit) {
      fail(
          "dnnt_random: a label has {} bits, more than the 53 a double holds exactly (use a "
          "smaller domain, data or depth)",
          mpz_sizeinbase(f[i].get_mpz_t(), 2));
    }
    inst.y[i] = f[i].get_si();
  }
  // Label noise: `flips` distinct points (a partial Fisher–Yates shuffle) get ±1.
  Rng noise = root.substream("flips");
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::vector<int> flipped;
  for (std::int64_t t = 0; t < flips; ++t) {
    const auto pick =
        static_cast<std::size_t>(t) + noise.uniform_int(static_cast<std::uint64_t>(n - t));
    std::swap(order[static_cast<std::size_t>(t)], order[pick]);
    const int i = order[static_cast<std::size_t>(t)];
    inst.y[static_cast<std::size_t>(i)] += noise.sign() > 0 ? 1 : -1;
    flipped.push_back(i);
  }
  std::sort(flipped.begin(), flipped.end());
  inst.validate();
  const mpz_class planted_loss = inst.total_loss(theta);
  Json truth{{"yes", true},
             {"planted_network", network_json(inst, theta)},
             {"planted_loss", planted_loss.get_str()},
             {"flipped", flipped}};
  Instance out = package(*this, params, seed, sizes, inst, std::move(truth));
  // Bit length of the largest pre-activation of each layer under the planted
  // network: how the exact integers grow with depth.
  const auto planted_bits = inst.max_bits_per_layer(theta);
  out.card["planted_bits_per_layer"] = planted_bits;
  out.truth["planted_max_bits"] = *std::max_element(planted_bits.begin(), planted_bits.end());
  return out;
}

// ---------------------------------------------------------------------------
// dnnt_reduction

DnntReductionProblem::DnntReductionProblem() : DnntProblem("dnnt_reduction") {
  spec_.cite("doronarad2025discretely", "the theorem: D-NNT is NP-hard")
      .cite("garey1979computers", "subset sum and X3C are NP-complete")
      .cite("knuth2000dancing", "the exact-cover certifier")
      .construction(Construction::Source::kReconstruction,
                    "both reductions (subset sum, X3C to one-unit D-NNT) and their proofs are "
                    "ours; the paper's were not available");
  spec_
      .choice("source", "subset_sum", {"subset_sum", "x3c"},
              "source problem: subset sum (one point, one unit) or exact cover by 3-sets")
      .flag("planted", true,
            "true: a planted YES instance; false: a random NO instance "
            "certified by the independent solver (subset-sum DP / dancing links)")
      .integer("m", 6, 1, 10'000, "items (subset_sum) or 3-sets (x3c): the input dimension d")
      .integer("magnitude", 20, 1, 1'000'000'000, "subset_sum: items uniform in [1, magnitude]")
      .integer("q", 2, 1, 3'000, "x3c: the universe has 3q elements (q sets in a cover)")
      .flag("origin", true,
            "x3c: add the origin with label 0 (false reproduces the broken "
            "reduction in which w = 0, b = 1 fits every label)")
      .choice("loss", "square", {"square", "l1"}, "loss ℓ(f, y): (f - y)^2 or |f - y|")
      .integer("tries", 1000, 1, 10'000'000,
               "random draws allowed to find a certified NO instance");
}

std::string DnntReductionProblem::summary() const {
  return "discrete training (D-NNT) from subset sum or exact cover by 3-sets: planted YES "
         "instances or certified NO instances (loss 0 ⇔ YES, otherwise ≥ 1)";
}

namespace {

// The planted network of both reductions: w = indicator of `chosen` (the
// subset's items, the cover's sets), b = 0, a = 1, c = 0.
Json indicator_network(const DnntInstance& inst, const std::vector<int>& chosen) {
  Theta theta(inst.num_params(), 0);
  for (const int i : chosen) theta[inst.index_weight(1, 0, i)] = 1;
  theta[inst.index_weight(2, 0, 0)] = 1;
  return network_json(inst, theta);
}

}  // namespace

SubsetSum draw_subset_sum(const Rng& root, int m, std::int64_t magnitude, bool planted,
                          std::int64_t tries) {
  if (static_cast<double>(m) * static_cast<double>(magnitude) > 1e8) {
    fail("dnnt_reduction: m * magnitude = {} exceeds 1e8 (the certifying DP's table)",
         static_cast<double>(m) * static_cast<double>(magnitude));
  }
  SubsetSum ss;
  ss.items.resize(static_cast<std::size_t>(m));
  bool found = false;
  for (std::int64_t attempt = 0; attempt < (planted ? 1 : tries) && !found; ++attempt) {
    Rng rng = root.substream("subset_sum").substream(static_cast<std::uint64_t>(attempt));
    for (auto& s : ss.items) s = uniform_in(rng, 1, magnitude);
    const std::int64_t total = std::accumulate(ss.items.begin(), ss.items.end(), std::int64_t{0});
    if (planted) {
      // A random non-empty subset; its sum is the target.
      do {
        ss.subset.clear();
        for (int i = 0; i < m; ++i) {
          if (rng.bernoulli(0.5)) ss.subset.push_back(i);
        }
      } while (ss.subset.empty());
      ss.target = 0;
      for (const int i : ss.subset) ss.target += ss.items[static_cast<std::size_t>(i)];
      found = true;
    } else {
      // T ≥ 1 (the proof needs 3T > max c) and T ≤ Σ s (else trivially NO).
      ss.target = uniform_in(rng, 1, total);
      found = !subset_sum_solve(ss.items, ss.target).has_value();
    }
  }
  if (!found) {
    fail(
        "dnnt_reduction: no NO instance of subset sum in {} tries (m = {} items up to {} reach "
        "almost every target): use fewer items, a larger magnitude or more tries",
        tries, m, magnitude);
  }
  // The certificate is checked by the independent DP in both cases.
  const auto dp = subset_sum_solve(ss.items, ss.target);
  if (dp.has_value() != planted) throw std::logic_error("dnnt_reduction: subset-sum DP disagrees");
  return ss;
}

Json reduce_subset_sum(const SubsetSum& ss, bool planted, DnntInstance& inst) {
  std::vector<std::int64_t> x(ss.items.size());
  for (std::size_t i = 0; i < ss.items.size(); ++i) x[i] = 3 * ss.items[i];
  inst.X = {x};
  inst.y = {3 * ss.target};
  Json truth{{"yes", planted},
             {"source", "subset_sum"},
             {"items", ss.items},
             {"target", ss.target},
             {"certifier", "subset_sum_dp"}};
  if (planted) {
    truth["certificate"] = ss.subset;
    truth["planted_network"] = indicator_network(inst, ss.subset);
  }
  return truth;
}

namespace {

// Three distinct elements of [0, universe), sorted.
std::vector<int> random_triple(Rng& rng, int universe) {
  std::vector<int> t;
  while (t.size() < 3) {
    const int e = static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(universe)));
    if (std::find(t.begin(), t.end(), e) == t.end()) t.push_back(e);
  }
  std::sort(t.begin(), t.end());
  return t;
}

// A random partition of U into q triples, m - q random decoys, all shuffled;
// ec.cover lists where the partition's triples went.
void plant_exact_cover(Rng& rng, int m, int q, ExactCover& ec) {
  std::vector<int> elements(static_cast<std::size_t>(ec.universe));
  std::iota(elements.begin(), elements.end(), 0);
  shuffle(elements, rng);
  for (int j = 0; j < q; ++j) {
    std::vector<int> t(elements.begin() + 3 * j, elements.begin() + 3 * j + 3);
    std::sort(t.begin(), t.end());
    ec.sets.push_back(t);
  }
  for (int j = q; j < m; ++j) ec.sets.push_back(random_triple(rng, ec.universe));
  std::vector<int> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  std::vector<std::vector<int>> shuffled(static_cast<std::size_t>(m));
  ec.cover.clear();
  for (int j = 0; j < m; ++j) {
    shuffled[static_cast<std::size_t>(j)] = ec.sets[static_cast<std::size_t>(order[j])];
    if (order[j] < q) ec.cover.push_back(j);
  }
  ec.sets = std::move(shuffled);
}

// m random triples covering every element of U, certified to have no exact
// cover by dancing links; false when they leave an element uncovered or have
// a cover.
bool draw_no_exact_cover(Rng& rng, int m, ExactCover& ec) {
  for (int j = 0; j < m; ++j) ec.sets.push_back(random_triple(rng, ec.universe));
  // Non-trivial NO instances only: every element lies in some set.
  std::vector<char> covered(static_cast<std::size_t>(ec.universe), 0);
  for (const auto& t : ec.sets) {
    for (const int e : t) covered[static_cast<std::size_t>(e)] = 1;
  }
  if (std::find(covered.begin(), covered.end(), 0) != covered.end()) return false;
  return !exact_cover_solve(ec.universe, ec.sets, &ec.nodes).has_value();
}

}  // namespace

ExactCover draw_exact_cover(const Rng& root, int m, int q, bool planted, std::int64_t tries) {
  ExactCover ec;
  ec.universe = 3 * q;
  if (m < q) {
    fail("dnnt_reduction: x3c needs m >= q sets (a cover has q sets), got m = {}, q = {}", m, q);
  }
  bool found = false;
  for (std::int64_t attempt = 0; attempt < (planted ? 1 : tries) && !found; ++attempt) {
    Rng rng = root.substream("x3c").substream(static_cast<std::uint64_t>(attempt));
    ec.sets.clear();
    if (planted) {
      plant_exact_cover(rng, m, q, ec);
      found = true;
    } else {
      found = draw_no_exact_cover(rng, m, ec);
    }
  }
  if (!found) {
    fail(
        "dnnt_reduction: no NO instance of x3c in {} tries (m = {} sets on {} elements): "
        "use fewer sets or more tries",
        tries, m, ec.universe);
  }
  const auto dlx = exact_cover_solve(ec.universe, ec.sets, &ec.nodes);
  if (dlx.has_value() != planted) throw std::logic_error("dnnt_reduction: dancing links disagrees");
  return ec;
}

Json reduce_exact_cover(const ExactCover& ec, bool planted, bool origin, DnntInstance& inst) {
  const int m = static_cast<int>(ec.sets.size());
  for (int u = 0; u < ec.universe; ++u) {
    std::vector<std::int64_t> x(static_cast<std::size_t>(m), 0);
    for (int j = 0; j < m; ++j) {
      const auto& t = ec.sets[static_cast<std::size_t>(j)];
      if (std::find(t.begin(), t.end(), u) != t.end()) x[static_cast<std::size_t>(j)] = 1;
    }
    inst.X.push_back(x);
    inst.y.push_back(1);
  }
  if (origin) {
    inst.X.emplace_back(static_cast<std::size_t>(m), 0);
    inst.y.push_back(0);
  }
  Json truth{{"yes", planted},
             {"source", "x3c"},
             {"universe", ec.universe},
             {"sets", ec.sets},
             {"origin", origin},
             {"certifier", "dancing_links"},
             {"certifier_nodes", ec.nodes}};
  if (!origin) {
    // Without the origin the reduction is broken: w = 0, b = 1, a = 1, c = 0 fits.
    truth["yes"] = true;
    truth["source_yes"] = planted;
    truth["note"] = "origin=false: the D-NNT instance is YES whatever the source";
  }
  if (planted) {
    truth["certificate"] = ec.cover;
    truth["planted_network"] = indicator_network(inst, ec.cover);
  }
  return truth;
}

Instance DnntReductionProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                        const GenerateContext&) const {
  const bool planted = params.flag("planted");
  const int m = static_cast<int>(params.integer("m"));
  const std::int64_t tries = params.integer("tries");
  const Rng root(seed, stream_id("dnnt_reduction"));
  DnntInstance inst = one_unit_01(m, params.text("loss"));
  Json truth;
  if (params.text("source") == "subset_sum") {
    const SubsetSum ss = draw_subset_sum(root, m, params.integer("magnitude"), planted, tries);
    truth = reduce_subset_sum(ss, planted, inst);
  } else {
    const int q = static_cast<int>(params.integer("q"));
    const ExactCover ec = draw_exact_cover(root, m, q, planted, tries);
    truth = reduce_exact_cover(ec, planted, params.flag("origin"), inst);
  }
  inst.validate();
  if (truth.contains("planted_network") &&
      inst.total_loss(theta_from_json(truth["planted_network"])) != 0) {
    throw std::logic_error("dnnt_reduction: the planted network does not fit");
  }
  return package(*this, params, seed, sizes, inst, std::move(truth));
}

}  // namespace hardnets::dnnt
