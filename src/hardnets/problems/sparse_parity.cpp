#include "hardnets/problems/sparse_parity.h"

#include <algorithm>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/error.h"
#include "hardnets/problems/teacher.h"

namespace hardnets {
namespace {

const ProblemRegistration kRegister{std::make_unique<SparseParityProblem>()};

// Flips y_i with probability eta, the i-th flip from word i of `rng`.
void flip_labels(Vector& y, double eta, Rng rng) {
  if (eta == 0.0) return;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    rng.seek(static_cast<std::uint64_t>(i));
    if (rng.bernoulli(eta)) y[i] = -y[i];
  }
}

// Sign of a prediction as a ±1 label (0 counts as +1).
double sign_label(double v) {
  return v < 0 ? -1.0 : 1.0;
}

double agreement(const Vector& predictions, const Vector& labels) {
  if (labels.size() == 0) return 0.0;
  Eigen::Index same = 0;
  for (Eigen::Index i = 0; i < labels.size(); ++i) same += sign_label(predictions[i]) == labels[i];
  return static_cast<double>(same) / static_cast<double>(labels.size());
}

}  // namespace

SparseParityProblem::SparseParityProblem() : spec_("sparse_parity") {
  spec_.cite("blum2003noise", "sparse parity with noise")
      .cite("barak2022hidden", "SGD on sparse parities")
      .construction(
          Construction::Source::kPaper,
          "the standard k-sparse parity over uniform +-1 inputs, with optional label noise");
  spec_.integer("n", 32, 1, 1 << 20, "input dimension (inputs uniform on {-1, +1}^n)")
      .integer("k", 3, 1, 1 << 20, "size of the secret support S (k <= n)")
      .real("noise", 0.0, 0.0, 0.5,
            "probability that a label (train and test) is flipped: learning parity with noise")
      .choice("labels", "parity", {"parity", "uniform"},
              "parity: y as above; uniform: independent fair ±1 labels, the task unchanged (the "
              "distinguisher's null)");
}

std::string SparseParityProblem::summary() const {
  return "k-sparse parity y = Π_{i∈S} x_i over uniform ±1 inputs, optional label noise: the "
         "positive control where Gaussian elimination beats gradients";
}

Instance SparseParityProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                       const GenerateContext& ctx) const {
  check_sizes(name(), sizes);
  const int n = static_cast<int>(params.integer("n"));
  const int k = static_cast<int>(params.integer("k"));
  const double eta = params.real("noise");
  if (k > n)
    fail("sparse_parity: k = {} exceeds n = {} (the support has k distinct indices)", k, n);
  const double values = static_cast<double>(n) * static_cast<double>(sizes.n_train + sizes.n_test);
  if (values > 2e9) {
    fail("sparse_parity: n * (n_train + n_test) = {} values is too large (limit 2e9)", values);
  }
  const Rng root(seed, stream_id("sparse_parity"));
  // The support: k distinct indices, uniform, stored sorted. draw_edge takes
  // one uniform_int per index whatever k is, so large k is as cheap as small.
  std::vector<std::int32_t> drawn(static_cast<std::size_t>(k));
  Rng support_rng = root.substream("support");
  if (k <= goldreich::kMaxArity) {
    goldreich::draw_edge(n, k, support_rng, drawn);
  } else {
    std::vector<std::int32_t> all(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = i;
    shuffle(all, support_rng);
    std::copy(all.begin(), all.begin() + k, drawn.begin());
  }
  std::vector<int> support(drawn.begin(), drawn.end());
  std::sort(support.begin(), support.end());

  Instance inst;
  inst.problem = name();
  inst.params = params;
  inst.seed = seed;
  inst.train.X =
      draw_inputs("hypercube", sizes.n_train, n, root.substream("train_inputs"), ctx.threads);
  // The null (labels = uniform): every label flipped with probability 1/2
  // from its own stream, i.e. fair and independent of x.
  const bool uniform = params.text("labels") == "uniform";
  inst.train.y = parity(inst.train.X, support);
  flip_labels(inst.train.y, eta, root.substream("train_noise"));
  if (uniform) flip_labels(inst.train.y, 0.5, root.substream("train_null"));
  inst.test.X =
      draw_inputs("hypercube", sizes.n_test, n, root.substream("test_inputs"), ctx.threads);
  inst.test.y = parity(inst.test.X, support);
  flip_labels(inst.test.y, eta, root.substream("test_noise"));
  if (uniform) flip_labels(inst.test.y, 0.5, root.substream("test_null"));

  inst.task = Json{{"family", "parity"}, {"n", n}, {"k", k}, {"noise", eta}};
  inst.truth = Json{{"support", support}};
  inst.card = base_card(*this, params, seed, sizes);
  inst.card["labels"] = "y = prod_{i in S} x_i in {-1, +1}, flipped with probability noise";
  return inst;
}

Metrics SparseParityProblem::judge(const Instance& instance, const Fit& fit) const {
  Metrics m;
  const auto support = instance.truth.at("support").get<std::vector<int>>();
  const bool has_support = fit.output.contains("support");
  if (has_support) {
    auto found = fit.output["support"].get<std::vector<int>>();
    std::sort(found.begin(), found.end());
    m[metric::kSuccess] = found == support;
  }
  if (fit.output.contains("found")) m["found"] = fit.output["found"].get<bool>();
  if (fit.predictor && !instance.test.empty()) {
    const Vector pred = fit.predictor->predict(instance.test.X);
    const Metrics regression = regression_metrics(instance.test, pred);
    m.insert(regression.begin(), regression.end());
    m[metric::kAccuracy] = agreement(pred, instance.test.y);
    m["clean_accuracy"] = agreement(pred, parity(instance.test.X, support));
    if (!has_support) m[metric::kSuccess] = m["clean_accuracy"] >= 0.99;
  }
  return m;
}

}  // namespace hardnets
