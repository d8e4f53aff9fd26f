#include "hardnets/problems/relu_reduction.h"

#include <algorithm>
#include <stdexcept>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"

namespace hardnets::relu_reduction {
namespace {

const ProblemRegistration kRegister{std::make_unique<ReluReductionProblem>()};

// Decisions tolerate floating-point optima: the gaps are 1 and 1/2.
constexpr double kDecisionTol = 1e-6;

// A clause on three distinct random variables, literals negated with
// probability 1/2 when `negations`.
sat::Clause random_clause(int num_vars, bool negations, Rng& rng) {
  sat::Clause c;
  while (c.size() < 3) {
    const int v = static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(num_vars)));
    if (std::none_of(c.begin(), c.end(), [&](const sat::Literal& l) { return l.var == v; })) {
      c.push_back({v, negations && rng.bernoulli(0.5)});
    }
  }
  return c;
}

Json clauses_json(const std::vector<sat::Clause>& clauses) {
  Json out = Json::array();
  for (const auto& c : clauses) {
    Json lits = Json::array();
    for (const auto& l : c) lits.push_back(l.negated ? -(l.var + 1) : l.var + 1);
    out.push_back(lits);
  }
  return out;
}

}  // namespace

Thresholds thresholds(sat::Kind kind, int num_vars) {
  if (kind == sat::Kind::kOneInThree) return {1, 4.0 * num_vars, 4.0 * num_vars + 1.0};
  return {2, 0.0, 0.5};
}

Dataset reduction_data(sat::Kind kind, int num_vars, const std::vector<sat::Clause>& clauses) {
  const bool one = kind == sat::Kind::kOneInThree;
  const Eigen::Index N = num_vars, M = static_cast<Eigen::Index>(clauses.size());
  const Eigen::Index n = 2 * N + (one ? M : 2 * M);
  Dataset data;
  data.X = Matrix::Zero(n, N);
  data.y.resize(n);
  // Variable gadgets: ±2e_u (label 2) for 1-in-3, ±e_u (label 1) for NAE.
  const double g = one ? 2.0 : 1.0;
  for (Eigen::Index u = 0; u < N; ++u) {
    data.X(2 * u, u) = g;
    data.X(2 * u + 1, u) = -g;
    data.y[2 * u] = data.y[2 * u + 1] = g;
  }
  Eigen::Index row = 2 * N;
  for (const auto& c : clauses) {
    // c = Σ s_ℓ e_var(ℓ): σ·c = (#true) − (#false) literals.
    Eigen::VectorXd point = Eigen::VectorXd::Zero(N);
    for (const auto& l : c) point[l.var] = l.negated ? -1.0 : 1.0;
    if (one) {
      data.X.row(row) = -point.transpose();
      data.y[row++] = 1.0;
    } else {
      data.X.row(row) = point.transpose();
      data.y[row++] = 1.0;
      data.X.row(row) = -point.transpose();
      data.y[row++] = 1.0;
    }
  }
  return data;
}

ReluNet certificate_network(sat::Kind kind, const sat::Assignment& assignment) {
  const int N = static_cast<int>(assignment.size());
  const int k = kind == sat::Kind::kOneInThree ? 1 : 2;
  ReluNet net({N, k, 1});
  auto& L = net.layers();
  for (int u = 0; u < N; ++u) {
    const double s = assignment[static_cast<std::size_t>(u)] ? 1.0 : -1.0;
    L[0].W(0, u) = s;
    if (k == 2) L[0].W(1, u) = -s;
  }
  L[1].W.setOnes();
  return net;
}

mpq_class exact_square_loss(const ReluNet& net, const Dataset& data) {
  mpq_class total = 0;
  const auto& layers = net.layers();
  for (Eigen::Index i = 0; i < data.X.rows(); ++i) {
    std::vector<mpq_class> h(static_cast<std::size_t>(data.X.cols()));
    for (Eigen::Index a = 0; a < data.X.cols(); ++a) h[static_cast<std::size_t>(a)] = data.X(i, a);
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const auto& layer = layers[l];
      std::vector<mpq_class> next(static_cast<std::size_t>(layer.W.rows()));
      for (Eigen::Index r = 0; r < layer.W.rows(); ++r) {
        mpq_class v = layer.b[r];
        for (Eigen::Index a = 0; a < layer.W.cols(); ++a) {
          v += mpq_class(layer.W(r, a)) * h[static_cast<std::size_t>(a)];
        }
        if (l + 1 < layers.size() && v < 0) v = 0;
        next[static_cast<std::size_t>(r)] = v;
      }
      h = std::move(next);
    }
    const mpq_class r = h[0] - mpq_class(data.y[i]);
    total += r * r;
  }
  return total;
}

bool in_class(const ReluNet& net, int k) {
  if (net.depth() != 2) return false;
  const auto& L = net.layers();
  return L[0].W.rows() <= k && (L[0].b.array() == 0.0).all() && L[1].b[0] == 0.0;
}

ReluReductionProblem::ReluReductionProblem() : spec_("relu_reduction") {
  spec_
      .cite("goel2021tight",
            "the theorem: training one ReLU (agnostic) and two (realizable) is NP-hard")
      .cite("schaefer1978complexity", "1-in-3 SAT is NP-complete")
      .cite("garey1979computers", "NAE-3SAT (set splitting) is NP-complete")
      .cite("cadical", "the certifier of NO instances")
      .construction(Construction::Source::kReconstruction,
                    "both reductions (1-in-3 SAT to one ReLU, NAE-3SAT to two) and their proofs "
                    "are ours, for homogeneous units; the paper's gadgets were not available");
  spec_
      .choice("source", "nae3sat", {"one_in_three", "nae3sat"},
              "NP-complete source: 1-in-3 SAT → one ReLU, agnostic (c_YES = 4N, c_NO = 4N + 1); "
              "NAE-3SAT → sum of two ReLUs, realizable (c_YES = 0, c_NO = 1/2)")
      .integer("vars", 4, 3, 100'000, "N: source variables = input dimension")
      .integer("clauses", 4, 1, 10'000'000, "M: source clauses (3 distinct variables each)")
      .choice("instance", "planted", {"planted", "random", "unsat"},
              "planted: clauses drawn to satisfy a hidden assignment (YES); random: M random "
              "clauses, decided by the certifier; unsat: random clause sets redrawn until the "
              "certifier proves them unsatisfiable (NO)")
      .flag("negations", false,
            "negate each literal with probability 1/2 (the positive problems are NP-complete "
            "already; negations give NO instances on fewer variables)")
      .choice("certifier", "auto", {"auto", "brute_force", "cadical"},
              "decider of the source: brute force over 2^N assignments, CaDiCaL, or auto "
              "(brute force for N <= 20)")
      .integer("tries", 1000, 1, 100'000'000,
               "unsat: clause sets drawn at most; planted: rejection draws per clause ×1000");
}

std::string ReluReductionProblem::summary() const {
  return "certified NP-hard ReLU training: 1-in-3 SAT → one ReLU (agnostic), NAE-3SAT → sum of "
         "two ReLUs (realizable), homogeneous units, proofs in docs/problems.md";
}

Instance ReluReductionProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                        const GenerateContext&) const {
  const sat::Kind kind = sat::kind_from_name(params.text("source"));
  const int N = static_cast<int>(params.integer("vars"));
  const int M = static_cast<int>(params.integer("clauses"));
  const std::string mode = params.text("instance");
  const bool negations = params.flag("negations");
  const std::string certifier_choice = params.text("certifier");
  const std::int64_t tries = params.integer("tries");
  if (certifier_choice == "brute_force" && N > 30) {
    fail("relu_reduction: certifier = brute_force handles vars <= 30, got {}", N);
  }
  if (static_cast<double>(N) * (2.0 * N + 2.0 * M) > 4e8) {
    fail("relu_reduction: the data would have {} x {} entries; lower vars or clauses",
         2 * N + 2 * M, N);
  }
  const Rng root(seed, stream_id("relu_reduction"));
  std::string certifier;
  auto decide = [&](const std::vector<sat::Clause>& clauses) {
    if (certifier_choice == "brute_force") {
      certifier = "brute_force";
      return sat::brute_force_solve(kind, N, clauses);
    }
    if (certifier_choice == "cadical") {
      certifier = "cadical";
      return sat::cadical_solve(kind, N, clauses);
    }
    return sat::solve(kind, N, clauses, &certifier);
  };

  std::vector<sat::Clause> clauses;
  std::optional<sat::Assignment> assignment;
  std::int64_t attempts = 0;
  if (mode == "planted") {
    Rng rng = root.substream("planted");
    // A hidden assignment under which a random clause can be satisfied: for
    // positive clauses 1-in-3 needs one true and two false variables, NAE one
    // of each value.
    sat::Assignment sigma(static_cast<std::size_t>(N));
    for (int redraw = 0;; ++redraw) {
      int trues = 0;
      for (int u = 0; u < N; ++u) {
        sigma[static_cast<std::size_t>(u)] = rng.bernoulli(0.5);
        trues += sigma[static_cast<std::size_t>(u)] ? 1 : 0;
      }
      const bool ok = negations || (kind == sat::Kind::kOneInThree ? trues >= 1 && N - trues >= 2
                                                                   : trues >= 1 && N - trues >= 1);
      if (ok) break;
      if (redraw > 10000) throw std::logic_error("relu_reduction: no plantable assignment");
    }
    for (int j = 0; j < M; ++j) {
      for (std::int64_t draw = 0;; ++draw) {
        if (draw >= 1000 * tries) {
          fail("relu_reduction: no clause satisfied by the planted assignment in {} draws",
               1000 * tries);
        }
        sat::Clause c = random_clause(N, negations, rng);
        if (sat::satisfies(kind, c, sigma)) {
          clauses.push_back(std::move(c));
          break;
        }
      }
    }
    assignment = sigma;
    // The certifier is still run, as a check of the generator.
    if (!decide(clauses)) throw std::logic_error("relu_reduction: planted instance refuted");
    certifier = "planted";
  } else {
    bool found = false;
    for (attempts = 1; attempts <= (mode == "random" ? 1 : tries) && !found; ++attempts) {
      Rng rng = root.substream(mode).substream(static_cast<std::uint64_t>(attempts));
      clauses.clear();
      for (int j = 0; j < M; ++j) clauses.push_back(random_clause(N, negations, rng));
      assignment = decide(clauses);
      found = mode == "random" || !assignment;
    }
    --attempts;
    if (!found) {
      fail(
          "relu_reduction: no unsatisfiable {} instance with {} variables and {} clauses in {} "
          "tries: add clauses{} or tries",
          sat::kind_name(kind), N, M, tries, negations ? "" : ", allow negations");
    }
    // Small instances: the other decider must agree.
    if (N <= 14) {
      const bool brute = sat::brute_force_solve(kind, N, clauses).has_value();
      const bool cdcl = sat::cadical_solve(kind, N, clauses).has_value();
      if (brute != assignment.has_value() || cdcl != brute) {
        throw std::logic_error("relu_reduction: brute force and CaDiCaL disagree");
      }
    }
  }
  const bool yes = assignment.has_value();
  const Thresholds th = thresholds(kind, N);

  Instance inst;
  inst.problem = name();
  inst.params = params;
  inst.seed = seed;
  inst.train = reduction_data(kind, N, clauses);
  inst.test = inst.train;  // an optimisation problem on the given points
  inst.task = Json{{kHiddenWidth.name, th.k}, {"unit_bias", false}, {"output_bias", false},
                   {"loss", "square_sum"},    {"c_yes", th.c_yes},  {"c_no", th.c_no}};
  inst.truth = Json{{"yes", yes},
                    {"source", sat::kind_name(kind)},
                    {"vars", N},
                    {"clauses", clauses_json(clauses)},
                    {"certifier", certifier}};
  if (mode == "unsat") inst.truth["attempts"] = attempts;
  if (yes) {
    Json values = Json::array();
    for (const bool b : *assignment) values.push_back(b ? 1 : 0);
    inst.truth["assignment"] = values;
    const ReluNet cert = certificate_network(kind, *assignment);
    const mpq_class loss = exact_square_loss(cert, inst.train);
    if (loss > mpq_class(th.c_yes)) {
      throw std::logic_error("relu_reduction: the certificate's loss exceeds c_yes");
    }
    inst.truth["certificate_network"] = cert.to_json();
    inst.truth["certificate_loss"] = loss.get_d();
  }
  inst.card = base_card(*this, params, seed, sizes);
  inst.card["n_train"] = inst.train.size();
  inst.card["n_test"] = inst.test.size();
  inst.card["k"] = th.k;
  inst.card["c_yes"] = th.c_yes;
  inst.card["c_no"] = th.c_no;
  inst.card["class"] =
      "homogeneous: Σ_j a_j [w_j·x]_+, no unit or output bias (exact_relu unit_bias=false "
      "output_bias=false)";
  inst.card["yes"] = yes;
  return inst;
}

Metrics ReluReductionProblem::judge(const Instance& instance, const Fit& fit) const {
  Metrics m = fit.predictor
                  ? regression_metrics(instance.test, fit.predictor->predict(instance.test.X))
                  : Metrics{};
  const int k = instance.task.at(kHiddenWidth.name).get<int>();
  const double c_yes = instance.task.at("c_yes").get<double>();
  const double c_no = instance.task.at("c_no").get<double>();
  const bool yes = instance.truth.at("yes").get<bool>();
  m["c_yes"] = c_yes;
  m["c_no"] = c_no;
  const auto* net = dynamic_cast<const ReluNetPredictor*>(fit.predictor.get());
  const bool member = net != nullptr && in_class(net->net(), k);
  m["in_class"] = member ? 1.0 : 0.0;
  if (!fit.predictor) {
    m[metric::kSuccess] = 0.0;
    return m;
  }
  const double loss =
      member ? exact_square_loss(net->net(), instance.train).get_d()
             : (fit.predictor->predict(instance.train.X) - instance.train.y).squaredNorm();
  m["reduction_loss"] = loss;
  m["excess_over_c_yes"] = loss - c_yes;
  // A NO certificate is a proof that no k-unit network has a smaller square
  // loss: the learner must claim optimality for the square loss over k units
  // (an l1 optimum, or one over fewer units, proves nothing about OPT).
  const bool certified = member && fit.output.is_object() && fit.output.value("certified", false) &&
                         fit.output.value("loss", std::string()) == "square" &&
                         net->net().layers()[0].W.rows() == k;
  const bool found_yes = member && loss <= c_yes + kDecisionTol;
  const bool certified_no = certified && loss >= c_no - kDecisionTol;
  m["found_yes"] = found_yes ? 1.0 : 0.0;
  m["certified_no"] = certified_no ? 1.0 : 0.0;
  m[metric::kSuccess] = (yes ? found_yes : certified_no) ? 1.0 : 0.0;
  if (certified) m["calibrated"] = (yes ? found_yes : certified_no) ? 1.0 : 0.0;
  return m;
}

}  // namespace hardnets::relu_reduction
