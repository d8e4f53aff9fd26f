#include "hardnets/problems/prg_hyperedge.h"

#include <cmath>
#include <string>
#include <unordered_set>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {

const ProblemRegistration kRegister{std::make_unique<PrgHyperedgeProblem>()};

// One-hot rows above this many values (8 bytes each) are refused.
constexpr double kMaxOneHotValues = 5e8;

Vector as_vector(const std::vector<std::uint8_t>& bits) {
  Vector y(static_cast<Eigen::Index>(bits.size()));
  for (std::size_t i = 0; i < bits.size(); ++i) y[static_cast<Eigen::Index>(i)] = bits[i];
  return y;
}

// Independent fair bits, bit i from word i of `rng`.
Vector uniform_bits(std::int64_t m, Rng rng) {
  Vector y(m);
  for (std::int64_t i = 0; i < m; ++i) {
    rng.seek(static_cast<std::uint64_t>(i));
    y[i] = static_cast<double>(rng.next_u64() >> 63);
  }
  return y;
}

}  // namespace

ReluNet hyperedge_network(const goldreich::Predicate& p, const std::vector<std::uint8_t>& seed) {
  const int k = p.k, n = static_cast<int>(seed.size());
  std::vector<std::uint32_t> ones;
  for (std::uint32_t a = 0; a < p.table.size(); ++a) {
    if (p(a)) ones.push_back(a);
  }
  // A constant-0 predicate still gets one (dead) unit so the network is valid.
  const int width = std::max<int>(1, static_cast<int>(ones.size()));
  ReluNet net({k * n, width, 1});
  auto& L = net.layers();
  for (std::size_t u = 0; u < ones.size(); ++u) {
    const std::uint32_t a = ones[u];
    // Block j reads s (a_j = 1) or 1 − s (a_j = 0): the unit counts the
    // positions where s_S agrees with a, minus k − 1.
    for (int j = 0; j < k; ++j) {
      const bool want = (a >> j) & 1u;
      for (int c = 0; c < n; ++c) {
        L[0].W(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(j) * n + c) =
            (seed[static_cast<std::size_t>(c)] == want) ? 1.0 : 0.0;
      }
    }
    L[0].b[static_cast<Eigen::Index>(u)] = -(k - 1.0);
    L[1].W(0, static_cast<Eigen::Index>(u)) = 1.0;
  }
  if (ones.empty()) L[0].b[0] = -1.0;
  return net;
}

void split_accuracy(const std::vector<char>& correct, const std::vector<char>& seen,
                    const std::vector<char>& counted, Metrics& metrics) {
  double right = 0, total = 0, seen_right = 0, seen_total = 0;
  for (std::size_t i = 0; i < correct.size(); ++i) {
    if (!counted[i]) continue;
    total += 1;
    right += correct[i];
    if (seen[i]) {
      seen_total += 1;
      seen_right += correct[i];
    }
  }
  const double unseen_total = total - seen_total, unseen_right = right - seen_right;
  if (total == 0) return;
  metrics[metric::kAccuracy] = right / total;
  metrics["unseen_fraction"] = unseen_total / total;
  if (seen_total > 0) metrics["seen_accuracy"] = seen_right / seen_total;
  if (unseen_total > 0) {
    metrics[metric::kUnseenAccuracy] = unseen_right / unseen_total;
    metrics["advantage"] = unseen_right / unseen_total - 0.5;
  }
}

void judge_seed(const goldreich::Predicate& p, const std::vector<std::uint8_t>& seed,
                const Fit& fit, Metrics& metrics) {
  if (fit.output.contains("found")) metrics["found"] = fit.output["found"].get<bool>();
  if (!fit.output.contains("seed")) return;
  const int n = static_cast<int>(seed.size());
  const auto guess = goldreich::seed_from_string(fit.output["seed"].get<std::string>(), n, "judge");
  int same = 0;
  for (int i = 0; i < n; ++i)
    same += guess[static_cast<std::size_t>(i)] == seed[static_cast<std::size_t>(i)];
  // The complement is the same seed for a complement-invariant predicate.
  const int best = goldreich::complement_invariant(p) ? std::max(same, n - same) : same;
  metrics[metric::kSuccess] = best == n;
  metrics["seed_bit_accuracy"] = static_cast<double>(best) / n;
}

PrgHyperedgeProblem::PrgHyperedgeProblem() : spec_("prg_hyperedge") {
  spec_.cite("daniely2021local", "the learning problem: hyperedge to PRG output")
      .cite("daniely2023smoothness", "the networks that lift it to Gaussian inputs")
      .cite("goldreich2000candidate", "Goldreich's PRG")
      .cite("odonnell2014goldreich", "the predicates and stretch regimes")
      .construction(
          Construction::Source::kReconstruction,
          "Goldreich's PRG is standard; the sampling convention (ordered tuples of distinct "
          "indices, drawn independently) is our reading of Daniely and Vardi 2021");
  goldreich::declare_predicate_params(spec_);
  spec_
      .real("stretch", 0.0, 0.0, 8.0,
            "σ: m = round(n^σ) PRG outputs form the training set; 0 = m from --n-train")
      .choice("encoding", "onehot", {"onehot", "index"},
              "row of a hyperedge: onehot = k blocks of n indicators (width kn); index = the k "
              "indices (width k, for the algebraic attacks at large n)")
      .choice("labels", "prg", {"prg", "uniform"},
              "prg: y = P(s_S); uniform: independent fair bits (the distinguisher's null)");
}

std::string PrgHyperedgeProblem::summary() const {
  return "Goldreich PRG outputs as a learning problem (Daniely-Vardi): hyperedge S (one-hot or "
         "indices) -> P(s_S); xor, p5, xor_maj or any truth table; exact depth-2 network";
}

Instance PrgHyperedgeProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                       const GenerateContext&) const {
  check_sizes(name(), sizes);
  const int n = static_cast<int>(params.integer("n"));
  const goldreich::Predicate p = goldreich::predicate_from_params(params, name());
  if (p.k > n)
    fail("prg_hyperedge: k = {} exceeds n = {} (a hyperedge has k distinct indices)", p.k, n);
  const double stretch = params.real("stretch");
  std::int64_t m = sizes.n_train;
  if (stretch > 0) {
    const double exact = std::round(std::pow(static_cast<double>(n), stretch));
    if (exact > 1e9)
      fail("prg_hyperedge: m = n^stretch = {:.3g} outputs is too many (limit 1e9)", exact);
    m = std::max<std::int64_t>(1, static_cast<std::int64_t>(exact));
  }
  const std::string& encoding = params.text("encoding");
  const double width = encoding == "onehot" ? static_cast<double>(p.k) * n : p.k;
  if (width * static_cast<double>(m + sizes.n_test) > kMaxOneHotValues) {
    fail(
        "prg_hyperedge: {} rows of width {} are {:.3g} values (limit {:.0e}); use "
        "-p encoding=index or fewer samples",
        m + sizes.n_test, width, width * static_cast<double>(m + sizes.n_test), kMaxOneHotValues);
  }
  const bool uniform = params.text("labels") == "uniform";

  const Rng root(seed, stream_id("prg_hyperedge"));
  const auto secret = goldreich::draw_seed(n, root.substream("seed"));
  const goldreich::Hypergraph train =
      goldreich::draw_hypergraph(n, p.k, m, root.substream("train"));
  const goldreich::Hypergraph test =
      goldreich::draw_hypergraph(n, p.k, sizes.n_test, root.substream("test"));

  Instance inst;
  inst.problem = name();
  inst.params = params;
  inst.seed = seed;
  inst.train.X = goldreich::encode(train, encoding);
  inst.test.X = goldreich::encode(test, encoding);
  if (uniform) {
    inst.train.y = uniform_bits(m, root.substream("train_labels"));
    inst.test.y = uniform_bits(sizes.n_test, root.substream("test_labels"));
  } else {
    inst.train.y = as_vector(goldreich::outputs(p, train, secret));
    inst.test.y = as_vector(goldreich::outputs(p, test, secret));
  }

  const goldreich::Task task{n, p, encoding};
  inst.task = task.to_json();
  inst.truth = Json{{"seed", goldreich::seed_to_string(secret)}, {"labels", params.text("labels")}};

  inst.card = base_card(*this, params, seed, sizes);
  inst.card["m"] = m;
  inst.card["stretch_effective"] =
      std::log(static_cast<double>(m)) / std::log(static_cast<double>(n));
  inst.card["predicate"] = p.label();
  inst.card["k"] = p.k;
  inst.card["table"] = p.hex();
  inst.card["bias"] = goldreich::bias(p);
  inst.card["resilience_order"] = goldreich::resilience_order(p);
  inst.card["gf2_degree"] = goldreich::gf2_degree(p);
  inst.card["complement_invariant"] = goldreich::complement_invariant(p);
  std::vector<char> used(static_cast<std::size_t>(n), 0);
  for (auto i : train.indices) used[static_cast<std::size_t>(i)] = 1;
  inst.card["unused_variables"] = n - static_cast<int>(std::count(used.begin(), used.end(), 1));
  inst.card["expected_unused_variables"] =
      n * std::exp(static_cast<double>(m) * std::log1p(-static_cast<double>(p.k) / n));
  if (p.k >= 2) {
    inst.card["pair_collisions"] = goldreich::count_pair_collisions(train);
    inst.card["expected_pair_collisions"] = goldreich::expected_pair_collisions(n, m);
  }
  double possible = 1;
  for (int j = 0; j < p.k; ++j) possible *= n - j;
  inst.card["hyperedges_possible"] = possible;
  return inst;
}

std::optional<NullHypothesis> PrgHyperedgeProblem::null_hypothesis() const {
  return NullHypothesis{"labels", "uniform", "advantage", false,
                        "the same public hyperedges with every label an independent fair bit"};
}

Metrics PrgHyperedgeProblem::judge(const Instance& instance, const Fit& fit) const {
  Metrics m;
  const goldreich::Task task = goldreich::Task::from_json(instance.task, name());
  const bool uniform = instance.truth.value("labels", "prg") == "uniform";
  const auto secret =
      goldreich::seed_from_string(instance.truth.at("seed").get<std::string>(), task.n, name());
  judge_seed(task.predicate, secret, fit, m);
  // Nothing to recover under uniform labels: an attack "succeeds" never.
  if (uniform && m.count(metric::kSuccess)) m[metric::kSuccess] = 0;
  if (!fit.predictor || instance.test.empty()) return m;

  const Vector pred = fit.predictor->predict(instance.test.X);
  const Metrics regression = regression_metrics(instance.test, pred);
  m.insert(regression.begin(), regression.end());
  const goldreich::Hypergraph train = goldreich::decode(instance.train.X, task, name());
  const goldreich::Hypergraph test = goldreich::decode(instance.test.X, task, name());
  // Ordered tuples as raw bytes: exact keys whatever n^(k) is.
  auto key = [](std::span<const std::int32_t> edge) {
    return std::string(reinterpret_cast<const char*>(edge.data()), edge.size_bytes());
  };
  std::unordered_set<std::string> seen_tuples;
  for (std::int64_t i = 0; i < train.size(); ++i) seen_tuples.insert(key(train.edge(i)));
  const std::size_t t = static_cast<std::size_t>(test.size());
  std::vector<char> correct(t), seen(t), counted(t, 1);
  for (std::size_t i = 0; i < t; ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    correct[i] = (pred[row] > 0.5 ? 1.0 : 0.0) == instance.test.y[row];
    seen[i] = seen_tuples.count(key(test.edge(row))) > 0;
  }
  split_accuracy(correct, seen, counted, m);
  return m;
}

}  // namespace hardnets
