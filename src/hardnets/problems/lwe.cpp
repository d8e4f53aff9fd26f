#include "hardnets/problems/lwe.h"

#include <cmath>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {

const ProblemRegistration kRegister{std::make_unique<LweProblem>()};

std::vector<std::int64_t> draw_secret(const Params& params, Rng rng) {
  const int n = static_cast<int>(params.integer("n"));
  const std::int64_t q = params.integer("q");
  const std::string& kind = params.text("secret");
  std::vector<std::int64_t> s(static_cast<std::size_t>(n));
  for (auto& v : s) {
    if (kind == "uniform") {
      v = static_cast<std::int64_t>(rng.uniform_int(static_cast<std::uint64_t>(q)));
    } else if (kind == "ternary") {
      v = static_cast<std::int64_t>(rng.uniform_int(3)) - 1;
    } else {
      v = rng.discrete_gaussian(params.real("sigma_s"));
    }
  }
  return s;
}

struct Samples {
  Matrix X;
  Vector y;
  std::vector<std::int64_t> errors;
};

// m samples: a from `a_rng`, e from `e_rng` (word i for sample i, so the
// draws do not depend on the thread count or on each other), uniform b under
// the null from `null_rng`.
Samples draw_samples(const Params& params, const std::vector<std::int64_t>& s, std::int64_t m,
                     const Rng& root, const std::string& part) {
  const int n = static_cast<int>(s.size());
  const std::int64_t q = params.integer("q");
  const double sigma_e = params.real("sigma_e");
  const bool uniform = params.text("labels") == "uniform";
  Samples out{Matrix(m, n), Vector(m), std::vector<std::int64_t>(static_cast<std::size_t>(m))};
  Rng a_rng = root.substream(part + "_a");
  Rng e_rng = root.substream(part + "_e");
  Rng null_rng = root.substream(part + "_null");
  for (std::int64_t i = 0; i < m; ++i) {
    std::int64_t dot = 0;
    for (int j = 0; j < n; ++j) {
      const auto a = static_cast<std::int64_t>(a_rng.uniform_int(static_cast<std::uint64_t>(q)));
      out.X(i, j) = static_cast<double>(a);
      dot = mod_q(dot + mod_q(a * mod_q(s[static_cast<std::size_t>(j)], q), q), q);
    }
    // 1024 words a sample: the rejection sampler needs about 20 and more than
    // 1024 with probability below 1e-20, so the windows do not overlap.
    e_rng.seek(static_cast<std::uint64_t>(i) * 1024);
    const std::int64_t e = sigma_e > 0 ? e_rng.discrete_gaussian(sigma_e) : 0;
    out.errors[static_cast<std::size_t>(i)] = e;
    std::int64_t b = mod_q(dot + e, q);
    if (uniform) {
      null_rng.seek(static_cast<std::uint64_t>(i));
      b = static_cast<std::int64_t>(null_rng.uniform_int(static_cast<std::uint64_t>(q)));
    }
    out.y[i] = static_cast<double>(b);
  }
  return out;
}

// The standard deviation of one secret coordinate: the discrete Gaussian's
// exact one (summed over |k| <= 12 sigma + 1, the sampler's support),
// sqrt((q^2 - 1)/12) for uniform residues, sqrt(2/3) for ternary.
double secret_std(const Params& params) {
  const std::string& kind = params.text("secret");
  if (kind == "uniform") {
    const double q = static_cast<double>(params.integer("q"));
    return std::sqrt((q * q - 1.0) / 12.0);
  }
  if (kind == "ternary") return std::sqrt(2.0 / 3.0);
  const double sigma = params.real("sigma_s");
  if (sigma < 0.05) return 0.0;  // the sampler returns 0
  double mass = 0, second = 0;
  const auto reach = static_cast<std::int64_t>(std::ceil(12 * sigma)) + 1;
  for (std::int64_t k = -reach; k <= reach; ++k) {
    const double w = std::exp(-static_cast<double>(k * k) / (2 * sigma * sigma));
    mass += w;
    second += w * static_cast<double>(k * k);
  }
  return std::sqrt(second / mass);
}

}  // namespace

LweProblem::LweProblem() : spec_("lwe") {
  spec_.cite("regev2005lattices", "the problem: Learning With Errors")
      .construction(
          Construction::Source::kPaper,
          "Regev's LWE with a discrete Gaussian error; the secret laws are the standard ones");
  spec_.integer("n", 32, 1, 4096, "secret dimension")
      .integer("q", 3329, 2, 2147483647, "modulus")
      .real("sigma_s", 1.0, 0.0, 1e9,
            "secret = gaussian: width of the secret's discrete Gaussian (0: the zero secret)")
      .real("sigma_e", 1.0, 0.0, 1e9, "width of the errors' discrete Gaussian (0: noiseless)")
      .choice("secret", "gaussian", {"gaussian", "uniform", "ternary"},
              "gaussian: discrete Gaussian of width sigma_s; uniform: uniform mod q; ternary: "
              "uniform in {-1, 0, 1}")
      .choice("labels", "lwe", {"lwe", "uniform"},
              "lwe: b = <a, s> + e mod q; uniform: b uniform mod q, independent of a (the "
              "distinguisher's null)");
}

std::string LweProblem::summary() const {
  return "Learning With Errors (Regev 2005): a uniform in Z_q^n, b = <a, s> + e mod q with a "
         "discrete Gaussian error; gaussian, uniform or ternary secret; the uniform null";
}

Instance LweProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                              const GenerateContext&) const {
  check_sizes(name(), sizes);
  const std::int64_t n = params.integer("n");
  const double values = static_cast<double>(n) * static_cast<double>(sizes.n_train + sizes.n_test);
  if (values > 2e9)
    fail("lwe: n * (n_train + n_test) = {} values is too large (limit 2e9)", values);
  const Rng root(seed, stream_id("lwe"));
  const std::vector<std::int64_t> s = draw_secret(params, root.substream("secret"));
  Samples train = draw_samples(params, s, sizes.n_train, root, "train");
  Samples test = draw_samples(params, s, sizes.n_test, root, "test");
  Instance inst;
  inst.problem = name();
  inst.params = params;
  inst.seed = seed;
  inst.train.X = std::move(train.X);
  inst.train.y = std::move(train.y);
  inst.test.X = std::move(test.X);
  inst.test.y = std::move(test.y);
  inst.task = Json{{"family", "lwe"},
                   {"n", n},
                   {"q", params.integer("q")},
                   {"secret", params.text("secret")},
                   {"secret_std", secret_std(params)},
                   {"sigma_e", params.real("sigma_e")}};
  inst.truth = Json{{"secret", s}, {"train_errors", train.errors}, {"test_errors", test.errors}};
  inst.card = base_card(*this, params, seed, sizes);
  inst.card["labels"] = params.text("labels") == "uniform"
                            ? "b uniform in Z_q, independent of a (null)"
                            : "b = <a, s> + e mod q, e a discrete Gaussian of width sigma_e";
  return inst;
}

Metrics LweProblem::judge(const Instance& instance, const Fit& fit) const {
  Metrics m;
  const std::int64_t q = instance.params.integer("q");
  if (fit.output.contains("secret")) {
    const auto truth = instance.truth.at("secret").get<std::vector<std::int64_t>>();
    const auto found = fit.output["secret"].get<std::vector<std::int64_t>>();
    bool same = found.size() == truth.size();
    for (std::size_t j = 0; same && j < truth.size(); ++j)
      same = mod_q(found[j] - truth[j], q) == 0;
    m[metric::kSuccess] = same;
  }
  if (fit.predictor && !instance.test.empty()) {
    const Vector pred = fit.predictor->predict(instance.test.X);
    const Metrics regression = regression_metrics(instance.test, pred);
    m.insert(regression.begin(), regression.end());
    const double width = 2 * instance.params.real("sigma_e");
    Eigen::Index close = 0;
    for (Eigen::Index i = 0; i < pred.size(); ++i) {
      if (!std::isfinite(pred[i])) continue;
      const auto r = centred_mod(static_cast<std::int64_t>(instance.test.y[i]) -
                                     static_cast<std::int64_t>(std::llround(std::fmod(pred[i], q))),
                                 q);
      close += std::abs(static_cast<double>(r)) <= width;
    }
    const double fraction = static_cast<double>(close) / static_cast<double>(pred.size());
    // Under uniform b the residual is uniform mod q: floor(width) * 2 + 1 of q values are close.
    const double chance = std::min(1.0, (2 * std::floor(width) + 1) / static_cast<double>(q));
    m["close_fraction"] = fraction;
    m["advantage"] = fraction - chance;
  }
  return m;
}

}  // namespace hardnets
