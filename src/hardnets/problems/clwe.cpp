#include "hardnets/problems/clwe.h"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "hardnets/core/error.h"
#include "hardnets/nets/periodic.h"
#include "hardnets/problems/teacher.h"

namespace hardnets {
namespace {

constexpr double kSqrt2Pi = 2.5066282746310002;   // √(2π): ρ_s ↔ standard-normal
constexpr std::int64_t kMaxTruthLifts = 100'000;  // beyond this the truth omits k and e
// The held-out distinguishing figure of the CLWE-family judges (the
// statistic of their null_hypothesis): 1 − nmse for the label problems, the
// Fourier correlation along the recovered direction for clwe.
constexpr const char* kAdvantage = "advantage";

// All three problems draw the secret and the inputs from the same streams, so
// one seed gives the same w and x in clwe, periodic_neuron and clwe_relu.
Rng clwe_root(Seed seed) {
  return Rng(seed, stream_id("clwe"));
}

Vector draw_secret(Seed seed, Eigen::Index d) {
  Vector w(d);
  Rng rng = clwe_root(seed).substream("secret");
  rng.fill_sphere({w.data(), static_cast<std::size_t>(d)});
  return w;
}

Json vector_json(const Vector& v) {
  return Json(std::vector<double>(v.data(), v.data() + v.size()));
}

void check_data_size(const std::string& problem, Eigen::Index d, const Sizes& sizes) {
  const double values = static_cast<double>(d) * static_cast<double>(sizes.n_train + sizes.n_test);
  if (values > 2e9)
    fail("{}: d * (n_train + n_test) = {} values is too large (limit 2e9)", problem, values);
}

// Null-CLWE's z ~ U[0,1), one per row, independent of x. The periodic
// problems' labels = null reuses them as the uniform phase u of y = φ(u) + η.
Vector null_phases(const Rng& root, const std::string& split, Eigen::Index n) {
  Rng uniform = root.substream(split + "_null");
  Vector z(n);
  for (Eigen::Index i = 0; i < n; ++i) z[i] = uniform.uniform();
  return z;
}

Json convention_card(double gamma) {
  return Json{
      {"convention", "standard-normal: x ~ N(0, I_d), noise parameters are standard deviations"},
      {"gamma_brst", gamma * kSqrt2Pi},
      {"brst_hardness_gamma", "gamma >= sqrt(2d/pi) (BRST gamma >= 2 sqrt(d))"}};
}

// ---------------------------------------------------------------------------
// clwe

// The distinguishing statistic of the clwe judge, held out: with ŵ the fit's
// direction normalised, the test mean of cos 2π(z − γ⟨ŵ,x⟩). For CLWE and
// ŵ = w it is E cos 2πe = e^{−2π²β²} (hCLWE: z = 0, the same up to γ/s); for
// ŵ off the secret E cos 2πγ⟨w − ŵ,x⟩ = e^{−2π²γ²‖w − ŵ‖²} ≈ 0; on null
// samples it is 0 ± 1/√(2 n_test) for every ŵ independent of the test set.
// No direction: 0 (the figure of a guess).
double fourier_advantage(const Dataset& test, double gamma, const Fit& fit) {
  if (!fit.output.contains("w") || !fit.output["w"].is_array()) return 0.0;
  const std::vector<double> guess = fit.output["w"].get<std::vector<double>>();
  if (static_cast<Eigen::Index>(guess.size()) != test.dim()) return 0.0;
  const Vector g = Eigen::Map<const Vector>(guess.data(), test.dim());
  const double norm = g.norm();
  if (!(norm > 0.0) || !std::isfinite(norm)) return 0.0;
  const Vector u = (gamma / norm) * (test.X * g);
  double sum = 0.0;
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    const double r = test.y[i] - u[i];
    sum += std::cos(2.0 * std::numbers::pi * (r - std::floor(r)));
  }
  return sum / static_cast<double>(u.size());
}

// One CLWE split: inputs, z, and (for the truth) the lifts k and noise e.
struct ClweSamples {
  Matrix X;
  Vector z;
  std::vector<std::int64_t> k;
  Vector e;
  std::vector<std::string> z_mp;  // multiprecision z (precision > 53 only)
};

// Standard CLWE in binary64: u = γ⟨w,x⟩ + βg, z = u - ⌊u⌋, k = ⌊u⌋.
// The periodic problems' `source = reduction` draws its (x, z) with this same
// function and streams, so its z are the clwe problem's z.
void sample_standard(const Matrix& X, const Vector& w, double gamma, double beta, Rng noise,
                     ClweSamples& s) {
  const Eigen::Index n = X.rows();
  s.z.resize(n);
  s.e.resize(n);
  s.k.resize(static_cast<std::size_t>(n));
  const Vector projection = X * w;
  for (Eigen::Index i = 0; i < n; ++i) {
    noise.seek(2 * static_cast<std::uint64_t>(i));
    const double e = beta * noise.normal();
    const double u = gamma * projection[i] + e;
    const double k = std::floor(u);
    s.z[i] = u - k;
    s.k[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(k);
    s.e[i] = e;
  }
}

// The same with MPFR at `bits`: the secret is normalised, projected and
// reduced mod 1 in multiprecision; the binary64 inputs and the binary64 noise
// draw are taken as exact reals. z is kept as a decimal string with enough
// digits to round-trip at `bits`.
void sample_standard_mp(const Vector& g_secret, double gamma, double beta, int bits, Rng noise,
                        ClweSamples& s) {
  const Eigen::Index n = s.X.rows(), d = s.X.cols();
  mpfr_t norm, acc, term, u, k;
  mpfr_inits2(bits, norm, acc, term, u, k, static_cast<mpfr_ptr>(nullptr));
  std::vector<mpfr_t> w(static_cast<std::size_t>(d));
  mpfr_set_zero(norm, 1);
  for (Eigen::Index j = 0; j < d; ++j) {
    mpfr_set_d(term, g_secret[j], MPFR_RNDN);
    mpfr_fma(norm, term, term, norm, MPFR_RNDN);
  }
  mpfr_sqrt(norm, norm, MPFR_RNDN);
  for (Eigen::Index j = 0; j < d; ++j) {
    mpfr_init2(w[static_cast<std::size_t>(j)], bits);
    mpfr_set_d(w[static_cast<std::size_t>(j)], g_secret[j], MPFR_RNDN);
    mpfr_div(w[static_cast<std::size_t>(j)], w[static_cast<std::size_t>(j)], norm, MPFR_RNDN);
  }
  s.z.resize(n);
  s.e.resize(n);
  s.k.resize(static_cast<std::size_t>(n));
  s.z_mp.resize(static_cast<std::size_t>(n));
  // Digits so that the decimal string determines the value at `bits`.
  const auto digits = static_cast<std::size_t>(std::ceil(bits * std::log10(2.0))) + 3;
  for (Eigen::Index i = 0; i < n; ++i) {
    mpfr_set_zero(acc, 1);
    for (Eigen::Index j = 0; j < d; ++j) {
      mpfr_mul_d(term, w[static_cast<std::size_t>(j)], s.X(i, j), MPFR_RNDN);
      mpfr_add(acc, acc, term, MPFR_RNDN);
    }
    noise.seek(2 * static_cast<std::uint64_t>(i));
    const double e = beta * noise.normal();
    mpfr_mul_d(u, acc, gamma, MPFR_RNDN);
    mpfr_add_d(u, u, e, MPFR_RNDN);
    mpfr_floor(k, u);
    mpfr_sub(u, u, k, MPFR_RNDN);  // z = u - ⌊u⌋, exact in MPFR
    s.z[i] = mpfr_get_d(u, MPFR_RNDN);
    s.k[static_cast<std::size_t>(i)] = mpfr_get_si(k, MPFR_RNDN);
    s.e[i] = e;
    mpfr_exp_t exponent = 0;
    char* text = mpfr_get_str(nullptr, &exponent, 10, digits, u, MPFR_RNDN);
    // mpfr_get_str gives mantissa digits and a decimal exponent: 0.<digits>e<exponent>.
    std::string mantissa(text);
    mpfr_free_str(text);
    const bool negative = !mantissa.empty() && mantissa[0] == '-';
    if (negative) mantissa.erase(0, 1);
    std::string& out = s.z_mp[static_cast<std::size_t>(i)];
    out.assign(negative ? "-0." : "0.");
    out.append(mantissa).append("e").append(std::to_string(exponent));
  }
  for (auto& x : w) mpfr_clear(x);
  mpfr_clears(norm, acc, term, u, k, static_cast<mpfr_ptr>(nullptr));
}

// Homogeneous CLWE ("Gaussian pancakes"), exactly: with s² = γ² + β²,
// k ~ D_{Z,s} (P(k) ∝ exp(-k²/2s²)), t | k ~ N(kγ/s², β²/s²), and
// x = (I - wwᵀ)g + t w. Completing the square in
// exp(-|x|²/2) Σ_k exp(-(k - γ⟨w,x⟩)²/2β²) gives exactly this mixture.
void sample_homogeneous(const Vector& w, double gamma, double beta, Rng pancakes, ClweSamples& s) {
  const Eigen::Index n = s.X.rows();
  const double s2 = gamma * gamma + beta * beta;
  const double spread = std::sqrt(s2);
  s.z = Vector::Zero(n);
  s.e.resize(n);
  s.k.resize(static_cast<std::size_t>(n));
  const Vector along = s.X * w;
  for (Eigen::Index i = 0; i < n; ++i) {
    // Row i owns 2^16 words: the rejection sampler uses a variable number.
    pancakes.seek(static_cast<std::uint64_t>(i) << 16);
    const std::int64_t k = pancakes.discrete_gaussian(spread);
    const double t = static_cast<double>(k) * gamma / s2 + beta / spread * pancakes.normal();
    s.X.row(i) += (t - along[i]) * w.transpose();
    s.k[static_cast<std::size_t>(i)] = k;
    s.e[i] = static_cast<double>(k) - gamma * t;  // γ⟨w,x⟩ = k - e, z = 0
  }
}

class ClweProblem : public Problem {
 public:
  ClweProblem() : spec_("clwe") {
    spec_
        .cite("bruna2021continuous",
              "the problem: CLWE samples and the homogeneous (pancake) variant")
        .cite("li2025hardness", "the hard one-hidden-layer network built on CLWE")
        .construction(Construction::Source::kPaper,
                      "CLWE and homogeneous CLWE as defined by Bruna, Regev, Song and Tang; the "
                      "multiprecision option is ours");
    spec_.integer("d", 8, 1, 100000, "dimension of the secret and the inputs")
        .real("gamma", 4.0, 0.0, 1e9, "frequency gamma (standard-normal convention)", true)
        .real("beta", 1e-3, 0.0, 1e3, "noise standard deviation beta (0 = noiseless)")
        .choice("variant", "standard", {"standard", "null", "homogeneous"},
                "standard CLWE, null (z uniform, same inputs) or homogeneous (hCLWE pancakes)")
        .integer("precision", 53, 53, 100000,
                 "bits of z: 53 = binary64; more = MPFR (task.z_mp holds z at that precision)");
  }
  std::string name() const override { return "clwe"; }
  TaskPublication publishes() const override { return {&clwe_schema()}; }
  std::string summary() const override {
    return "Continuous LWE samples (x, gamma<w,x> + e mod 1), null and homogeneous (pancake) "
           "variants, optional multiprecision z";
  }
  const ParamSpec& spec() const override { return spec_; }

  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override {
    check_sizes(name(), sizes);
    const Eigen::Index d = params.integer("d");
    check_data_size(name(), d, sizes);
    const double gamma = params.real("gamma"), beta = params.real("beta");
    const std::string& variant = params.text("variant");
    const int bits = static_cast<int>(params.integer("precision"));
    if (bits > 53 && variant == "homogeneous") {
      fail(
          "clwe: precision = {} needs variant = standard: homogeneous samples are stored as "
          "binary64 inputs, whose rounding (about 1e-16) is a noise floor no extra bits of z "
          "remove",
          bits);
    }
    if (bits > 53 && variant == "null") {
      fail("clwe: precision = {} needs variant = standard (null z are uniform doubles)", bits);
    }
    Instance inst;
    inst.problem = name();
    inst.params = params;
    inst.seed = seed;
    const Rng root = clwe_root(seed);
    Vector g_secret(d);
    {
      Rng rng = root.substream("secret");
      rng.fill_normal({g_secret.data(), static_cast<std::size_t>(d)});
    }
    const Vector w = draw_secret(seed, d);  // the rounding of the MPFR secret below

    auto make_split = [&](const std::string& split, std::int64_t n) {
      ClweSamples s;
      s.X = draw_inputs("gaussian", n, d, root.substream(split + "_inputs"), ctx.threads);
      const Rng noise = root.substream(split + "_noise");
      if (variant == "homogeneous") {
        sample_homogeneous(w, gamma, beta, root.substream(split + "_pancakes"), s);
      } else if (bits > 53) {
        sample_standard_mp(g_secret, gamma, beta, bits, noise, s);
      } else {
        sample_standard(s.X, w, gamma, beta, noise, s);
      }
      if (variant == "null") s.z = null_phases(root, split, n);
      return s;
    };
    ClweSamples train = make_split("train", sizes.n_train);
    ClweSamples test = make_split("test", sizes.n_test);
    inst.train = Dataset{std::move(train.X), train.z};
    inst.test = Dataset{std::move(test.X), test.z};

    inst.truth = Json{{"w", vector_json(w)}, {"variant", variant}};
    if (sizes.n_train <= kMaxTruthLifts) {
      inst.truth["k"] = train.k;
      inst.truth["e"] = vector_json(train.e);
    }
    inst.task = Json{{"family", "clwe"},
                     {"convention", "standard-normal"},
                     {"variant", variant == "homogeneous" ? "homogeneous" : "clwe"},
                     {"gamma", gamma},
                     {"beta", beta},
                     {"precision_bits", bits}};
    if (bits > 53) inst.task["z_mp"] = train.z_mp;

    inst.card = base_card(*this, params, seed, sizes);
    inst.card.update(convention_card(gamma));
    inst.card["beta_brst"] = beta * kSqrt2Pi;
    // First Fourier coefficient of e mod 1: how much one z says about γ⟨w,x⟩.
    inst.card["noise_fourier_coefficient"] =
        std::exp(-2.0 * std::numbers::pi * std::numbers::pi * beta * beta);
    inst.card["truth_has_lifts"] = sizes.n_train <= kMaxTruthLifts;
    if (variant == "homogeneous") {
      const double s2 = gamma * gamma + beta * beta;
      inst.card["pancake_spacing"] = gamma / s2;
      inst.card["pancake_thickness"] = beta / std::sqrt(s2);
    }
    return inst;
  }

  Metrics judge(const Instance& instance, const Fit& fit) const override {
    Metrics m;
    const bool homogeneous = instance.truth.value("variant", "") == "homogeneous";
    const std::vector<double> w = instance.truth.at("w").get<std::vector<double>>();
    judge_direction(Eigen::Map<const Vector>(w.data(), static_cast<Eigen::Index>(w.size())), fit,
                    !homogeneous, m);
    if (!instance.test.empty()) {
      m[kAdvantage] = fourier_advantage(instance.test, instance.params.real("gamma"), fit);
    }
    return m;
  }

  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"variant", "null", kAdvantage, false,
                          "null-CLWE: the same x, z ~ U[0,1) independent of x (no secret)"};
  }

 private:
  ParamSpec spec_;
};

// ---------------------------------------------------------------------------
// periodic_neuron and clwe_relu

// d, gamma, sigma: the parameters both label problems share (same names,
// ranges and defaults, so one sweep can pair them).
ParamSpec& label_params(ParamSpec& spec) {
  return spec.integer("d", 8, 1, 100000, "input dimension")
      .real("gamma", 4.0, 0.0, 1e9, "frequency gamma (standard-normal convention)", true)
      .real("sigma", 0.01, 0.0, 1e3, "standard deviation of the Gaussian label noise");
}

// source, beta, labels: where the labels come from (declared after each
// problem's own parameters; shared names and defaults as above).
ParamSpec& source_params(ParamSpec& spec) {
  return spec
      .choice("source", "network", {"network", "reduction"},
              "network: y = target(x) + noise; reduction: Li-Zadik-Zampetakis' reduction, "
              "y = phi(z) + noise for CLWE samples (x, z = gamma<w,x> + e mod 1)")
      .real("beta", 1e-3, 0.0, 1.0,
            "source = reduction: CLWE noise standard deviation beta (0 = noiseless)")
      .choice("labels", "planted", {"planted", "null"},
              "planted: labels carry the secret; null: y = phi(u) + noise, u ~ U[0,1) "
              "independent of x (null-CLWE z for source = reduction)");
}

// The Lipschitz constant L of the link (nets/periodic.h): 1 for tri, 2π =
// max |φ'| for cos(2π·); |φ(u + e) − φ(u)| <= L|e|.
double lipschitz(periodic::Link link) {
  return link == periodic::Link::kTri ? 1.0 : 2.0 * std::numbers::pi;
}

// Total variation between the reduction's m examples and the network's m
// examples (docs/problems.md, `clwe_relu`, "The reduction's total-variation
// bound"). Given x with |⟨w,x⟩| <= R the network's label is N(f(x), σ²) and
// the reduction's the e-mixture of N(φ(γ⟨w,x⟩ + e), σ²), with
// |φ(γ⟨w,x⟩ + e) − f(x)| <= L|e| + ε (ε the network's sup-error, 0 for tri).
// TV(N(a,σ²), N(b,σ²)) = 2Φ(|a−b|/2σ) − 1 <= |a−b|/(σ√(2π)) and
// E|e| = β√(2/π), so by convexity the per-sample TV is at most
//   p_R + (Lβ√(2/π) + ε)/(σ√(2π)) = p_R + Lβ/(πσ) + ε/(σ√(2π)),
// p_R = P(|⟨w,x⟩| > R) (0 without cap); m samples: m times that. Through KL
// (jointly convex, additive; KL(N(a,σ²)‖N(b,σ²)) = (a−b)²/2σ²) and Pinsker:
//   TV_m <= m p_R + √(m E(L|e| + ε)² / 4σ²).
Json tv_bound_card(double L, double beta, double sigma, double tail, double eps, std::int64_t m) {
  const double pi = std::numbers::pi;
  const double shift = L * beta * std::sqrt(2.0 / pi) + eps;  // bound on E|a − b|
  const double shift2 =
      L * L * beta * beta + 2.0 * L * beta * std::sqrt(2.0 / pi) * eps + eps * eps;
  auto ratio = [sigma](double num) {  // num / σ, with 0/0 = 0 and x/0 = +inf
    return num == 0.0 ? 0.0 : sigma == 0.0 ? std::numeric_limits<double>::infinity() : num / sigma;
  };
  const double per_sample = std::min(1.0, tail + ratio(shift) / std::sqrt(2.0 * pi));
  const double md = static_cast<double>(m);
  const double linear = std::min(1.0, md * per_sample);
  const double pinsker = std::min(1.0, md * tail + std::sqrt(md / 4.0) * ratio(std::sqrt(shift2)));
  return Json{{"lipschitz", L},
              {"beta", beta},
              {"tail_mass", tail},
              {"sup_error", eps},
              {"m", m},
              {"per_sample", per_sample},
              {"linear", linear},
              {"pinsker", pinsker},
              {"bound", std::min(linear, pinsker)}};
}

class PeriodicProblemBase : public Problem {
 public:
  TaskPublication publishes() const override { return {&periodic_schema()}; }
  Metrics judge(const Instance& instance, const Fit& fit) const override {
    Metrics m;
    const std::vector<double> w = instance.truth.at("w").get<std::vector<double>>();
    const Vector secret = Eigen::Map<const Vector>(w.data(), static_cast<Eigen::Index>(w.size()));
    if (fit.predictor && !instance.test.empty()) {
      // One prediction serves the test nmse and the distance to the
      // noiseless target E[(f̂ - f)²] / Var f.
      const Vector pred = fit.predictor->predict(instance.test.X);
      m = regression_metrics(instance.test, pred);
      m[metric::kNetDistance] =
          normalized_mse(pred, clean_labels(instance, secret, instance.test.X));
    }
    if (!instance.test.empty()) {
      // No predictor: the mean predictor's 1 − nmse, 0.
      m[kAdvantage] = m.count(metric::kNmse) ? 1.0 - m[metric::kNmse] : 0.0;
    }
    judge_direction(secret, fit, /*sign_matters=*/false, m);
    return m;
  }

  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"labels", "null", kAdvantage, false,
                          "y = phi(u) + N(0, sigma^2) with u ~ U[0,1) independent of x: the same "
                          "label marginal, no secret"};
  }

 protected:
  // The noiseless target on the rows of X.
  virtual Vector clean_labels(const Instance& instance, const Vector& w, const Matrix& X) const = 0;

  // The labels of one split before the label noise η (the same η stream for
  // every source). source = network: the target. source = reduction: φ(z)
  // for CLWE samples z = γ⟨w,x⟩ + e mod 1 drawn by the clwe problem's
  // sampler from its streams (the same (x, z) as clwe with this seed, d, γ,
  // β); φ is 1-periodic, so φ(z) = φ(γ⟨w,x⟩ + e). labels = null: φ(u) with
  // u the null-CLWE z ~ U[0,1) (so both sources give the same null instance).
  Vector noiseless_labels(const Instance& inst, const Vector& w, const Matrix& X, const Rng& root,
                          const std::string& split) const {
    const Params& params = inst.params;
    const auto link = periodic::parse_link(params.text("phi"));
    auto phi = [link](double v) { return periodic::apply(link, v); };
    if (params.text("labels") == "null") return null_phases(root, split, X.rows()).unaryExpr(phi);
    if (params.text("source") == "network") return clean_labels(inst, w, X);
    ClweSamples s;
    sample_standard(X, w, params.real("gamma"), params.real("beta"),
                    root.substream(split + "_noise"), s);
    return s.z.unaryExpr(phi);
  }

  // Shared generation: secret, inputs, clean labels, noise, task and truth.
  Instance generate_labels(const Params& params, Seed seed, const Sizes& sizes,
                           const GenerateContext& ctx, Json truth, const Json& R) const {
    check_sizes(name(), sizes);
    const Eigen::Index d = params.integer("d");
    check_data_size(name(), d, sizes);
    const double sigma = params.real("sigma");
    Instance inst;
    inst.problem = name();
    inst.params = params;
    inst.seed = seed;
    const Vector w = draw_secret(seed, d);
    truth["w"] = vector_json(w);
    inst.truth = std::move(truth);
    const Rng root = clwe_root(seed);
    for (const std::string split : {"train", "test"}) {
      Dataset& data = split == "train" ? inst.train : inst.test;
      data.X = draw_inputs("gaussian", split == "train" ? sizes.n_train : sizes.n_test, d,
                           root.substream(split + "_inputs"), ctx.threads);
      data.y = noiseless_labels(inst, w, data.X, root, split);
      add_noise(data.y, sigma, root.substream(split + "_label_noise"));
    }
    inst.task = Json{{"family", "periodic"},
                     {"convention", "standard-normal"},
                     {"phi", params.text("phi")},
                     {"gamma", params.real("gamma")},
                     {"sigma", sigma},
                     {"R", R}};
    inst.card = base_card(*this, params, seed, sizes);
    inst.card.update(convention_card(params.real("gamma")));
    return inst;
  }
};

class PeriodicNeuronProblem : public PeriodicProblemBase {
 public:
  PeriodicNeuronProblem() : spec_("periodic_neuron") {
    spec_.cite("song2021cryptographic", "the problem: single periodic neurons, hard from CLWE")
        .cite("li2025hardness", "the hard network whose link is a periodic neuron")
        .cite("bruna2021continuous", "CLWE, the source of the hardness")
        .construction(Construction::Source::kPaper,
                      "y = phi(gamma <w, x>) + noise as in Song, Zadik and Bruna; the triangle "
                      "wave is our 1-Lipschitz choice of phi");
    label_params(spec_).choice("phi", "cos", {"cos", "tri"},
                               "1-periodic link: cos(2 pi u) or the triangle wave");
    source_params(spec_);
  }
  std::string name() const override { return "periodic_neuron"; }
  std::string summary() const override {
    return "single periodic neuron y = phi(gamma<w,x>) + noise, phi = cos(2 pi .) or triangle wave";
  }
  const ParamSpec& spec() const override { return spec_; }

  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override {
    Instance inst = generate_labels(params, seed, sizes, ctx, Json::object(), nullptr);
    const auto link = periodic::parse_link(params.text("phi"));
    inst.card["var_phi_uniform"] = periodic::uniform_variance(link);
    inst.card["gradient_signal"] = std::exp(-2.0 * std::numbers::pi * std::numbers::pi *
                                            params.real("gamma") * params.real("gamma"));
    if (params.text("source") == "reduction") {
      inst.card["tv_bound"] = tv_bound_card(lipschitz(link), params.real("beta"),
                                            params.real("sigma"), 0.0, 0.0, sizes.n_train);
    }
    return inst;
  }

 protected:
  Vector clean_labels(const Instance& instance, const Vector& w, const Matrix& X) const override {
    const auto link = periodic::parse_link(instance.params.text("phi"));
    const double gamma = instance.params.real("gamma");
    const Vector u = gamma * (X * w);
    return u.unaryExpr([link](double v) { return periodic::apply(link, v); });
  }

 private:
  ParamSpec spec_;
};

class ClweReluProblem : public PeriodicProblemBase {
 public:
  ClweReluProblem() : spec_("clwe_relu") {
    spec_
        .cite("li2025hardness",
              "the theorem: one hidden layer under Gaussian inputs is hard from CLWE")
        .cite("bruna2021continuous", "CLWE")
        .cite("song2021cryptographic", "periodic neurons from CLWE")
        .construction(Construction::Source::kReconstruction,
                      "the explicit knots and weights of the capped periodic link as ReLU units "
                      "are ours: only the abstract of Li, Zadik, Zampetakis was available");
    label_params(spec_)
        .real("R", 3.0, 0.0, 1e3,
              "cap: the network computes phi(clip(gamma<w,x>, -gamma R, gamma R))", true)
        .choice("phi", "tri", {"tri", "cos"},
                "link: tri (exact network) or cos (linear interpolation, see sup_error)")
        .real("sup_error", 1e-3, 0.0, 1.0, "cos only: sup-norm error of the interpolated link",
              true)
        .integer("max_width", 1000000, 1, 100000000, "refuse networks wider than this");
    source_params(spec_);
  }
  std::string name() const override { return "clwe_relu"; }
  std::string summary() const override {
    return "Li–Zadik–Zampetakis' hard one-hidden-layer ReLU network: capped periodic link "
           "phi(clip(gamma<w,x>, -gamma R, gamma R)) as exact ReLU units, Gaussian label noise";
  }
  const ParamSpec& spec() const override { return spec_; }

  // The network's piecewise-linear link and its sup-error against φ.
  static periodic::Spline make_spline(const Params& params, double* sup_error) {
    const double T = params.real("gamma") * params.real("R");
    const auto link = periodic::parse_link(params.text("phi"));
    const double width_needed =
        link == periodic::Link::kTri
            ? 4.0 * T + 2.0
            : 2.0 * T * std::numbers::pi / std::sqrt(2.0 * params.real("sup_error")) + 1.0;
    if (width_needed > static_cast<double>(params.integer("max_width"))) {
      fail(
          "clwe_relu: the network needs about {:.0f} hidden units (gamma R = {}), above "
          "max_width = {}",
          width_needed, T, params.integer("max_width"));
    }
    if (link == periodic::Link::kTri) {
      *sup_error = 0.0;
      return periodic::capped_tri_spline(T);
    }
    return periodic::interpolated_spline(link, T, params.real("sup_error"), sup_error);
  }

  static ReluNet make_network(const Params& params, const Vector& w, double* sup_error) {
    return periodic::spline_network(make_spline(params, sup_error), w, params.real("gamma"));
  }

  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override {
    double sup_error = 0.0;
    (void)make_spline(params, &sup_error);  // validates the width before any sampling
    Instance inst = generate_labels(params, seed, sizes, ctx, Json::object(), params.real("R"));
    const std::vector<double> wv = inst.truth["w"].get<std::vector<double>>();
    const Vector w = Eigen::Map<const Vector>(wv.data(), static_cast<Eigen::Index>(wv.size()));
    const ReluNet net = make_network(params, w, &sup_error);
    const double T = params.real("gamma") * params.real("R");
    const auto link = periodic::parse_link(params.text("phi"));
    const int width = net.sizes()[1];
    inst.card["width"] = width;
    if (link == periodic::Link::kTri) {
      inst.card["width_formula"] = std::floor(2.0 * T) == 2.0 * T
                                       ? "4 gamma R + 1 (gamma R in Z/2)"
                                       : "2 + #(Z/2 inside (-gamma R, gamma R))";
    }
    inst.card["sup_error"] = sup_error;
    inst.card["tail_mass"] = periodic::tail_mass(params.real("R"));
    inst.card["var_phi_uniform"] = periodic::uniform_variance(link);
    if (params.text("source") == "reduction") {
      inst.card["tv_bound"] =
          tv_bound_card(lipschitz(link), params.real("beta"), params.real("sigma"),
                        periodic::tail_mass(params.real("R")), sup_error, sizes.n_train);
    }
    if (!inst.test.empty()) {
      const Vector clean = clean_labels(inst, w, inst.test.X);
      inst.card["var_f_test"] = (clean.array() - clean.mean()).square().mean();
    }
    inst.truth["network"] = net.to_json();
    return inst;
  }

  // Besides the fit's figures, the construction's own (the sanity table of
  // experiments/clwe_network.toml): width, sup-error, cap mass, Var f.
  Metrics judge(const Instance& instance, const Fit& fit) const override {
    Metrics m = PeriodicProblemBase::judge(instance, fit);
    for (const char* key : {"width", "sup_error", "tail_mass", "var_f_test"}) {
      if (instance.card.contains(key)) m[key] = instance.card.at(key).get<double>();
    }
    return m;
  }

 protected:
  Vector clean_labels(const Instance& instance, const Vector& w, const Matrix& X) const override {
    double sup_error = 0.0;
    return forward_blocked(make_network(instance.params, w, &sup_error), X, 1);
  }

 private:
  ParamSpec spec_;
};

const ProblemRegistration kRegisterClwe{std::make_unique<ClweProblem>()};
const ProblemRegistration kRegisterPeriodic{std::make_unique<PeriodicNeuronProblem>()};
const ProblemRegistration kRegisterClweRelu{std::make_unique<ClweReluProblem>()};

}  // namespace

void judge_direction(const Vector& w, const Fit& fit, bool sign_matters, Metrics& metrics) {
  metrics[metric::kCosine] = 0.0;
  metrics[metric::kSuccess] = 0.0;
  metrics["found"] = fit.output.value("found", false) ? 1.0 : 0.0;
  if (!fit.output.contains("w") || !fit.output["w"].is_array()) return;
  const std::vector<double> guess = fit.output["w"].get<std::vector<double>>();
  if (static_cast<Eigen::Index>(guess.size()) != w.size()) return;
  const Vector g = Eigen::Map<const Vector>(guess.data(), w.size());
  const double norm = g.norm();
  if (!(norm > 0.0) || !std::isfinite(norm)) return;
  double cosine = g.dot(w) / (norm * w.norm());
  if (!sign_matters) cosine = std::abs(cosine);
  metrics[metric::kCosine] = cosine;
  metrics[metric::kSuccess] = cosine >= 0.99 ? 1.0 : 0.0;
}

}  // namespace hardnets
