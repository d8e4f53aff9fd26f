#include "hardnets/learners/spectral_p5.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/gf2.h"
#include "hardnets/learners/gf2_system.h"
#include "hardnets/learners/prg_decode.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<SpectralP5Learner>()};

constexpr const char* kWho = "spectral_p5";

struct Timeout {};

using Vec = std::vector<double>;

// Position of the unordered pair a < b among the C(n, 2) pairs (row-major).
std::int64_t pair_index(std::int64_t a, std::int64_t b, std::int64_t n) {
  return a * (2 * n - a - 1) / 2 + (b - a - 1);
}

double dot(const Vec& x, const Vec& y) {
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}

// The pairing matrix, applied without being stored. Both arrangements see
// the incidences (output i, index e of its XOR triple, the pair {a, b} of
// the two other indices) grouped by e, with the signs (−1)^{y_i} of the
// labelling in use; only the outputs [0, used) take part.
class PairMatrix {
 public:
  PairMatrix(const goldreich::Hypergraph& g, std::int64_t used) : n_(g.n) {
    start_.assign(static_cast<std::size_t>(n_) + 1, 0);
    for (std::int64_t i = 0; i < used; ++i) {
      const auto e = g.edge(i);
      for (int j = 0; j < 3; ++j) ++start_[static_cast<std::size_t>(e[j]) + 1];
    }
    for (int v = 0; v < n_; ++v) {
      const double d = static_cast<double>(start_[static_cast<std::size_t>(v) + 1]);
      pairings_ += d * (d - 1) / 2;
      start_[static_cast<std::size_t>(v) + 1] += start_[static_cast<std::size_t>(v)];
    }
    const auto total = static_cast<std::size_t>(3 * used);
    a_.resize(total);
    b_.resize(total);
    output_.resize(total);
    sign_.resize(total);
    std::vector<std::int64_t> cursor(start_.begin(), start_.end() - 1);
    for (std::int64_t i = 0; i < used; ++i) {
      const auto e = g.edge(i);
      for (int j = 0; j < 3; ++j) {
        const auto slot = static_cast<std::size_t>(cursor[static_cast<std::size_t>(e[j])]++);
        a_[slot] = std::min(e[(j + 1) % 3], e[(j + 2) % 3]);
        b_[slot] = std::max(e[(j + 1) % 3], e[(j + 2) % 3]);
        output_[slot] = i;
      }
    }
    // Within each group, by (a, b, output): the products then sweep the
    // rows of their vectors in order (locality only; sums are re-associated
    // the same way on every run).
    std::vector<std::size_t> order;
    std::vector<std::int32_t> ta, tb;
    std::vector<std::int64_t> to;
    for (std::size_t e = 0; e + 1 < start_.size(); ++e) {
      const auto lo = static_cast<std::size_t>(start_[e]),
                 hi = static_cast<std::size_t>(start_[e + 1]);
      order.resize(hi - lo);
      for (std::size_t t = 0; t < order.size(); ++t) order[t] = lo + t;
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return std::tie(a_[x], b_[x], output_[x]) < std::tie(a_[y], b_[y], output_[y]);
      });
      ta.clear();
      tb.clear();
      to.clear();
      for (std::size_t t : order) {
        ta.push_back(a_[t]);
        tb.push_back(b_[t]);
        to.push_back(output_[t]);
      }
      std::copy(ta.begin(), ta.end(), a_.begin() + static_cast<std::ptrdiff_t>(lo));
      std::copy(tb.begin(), tb.end(), b_.begin() + static_cast<std::ptrdiff_t>(lo));
      std::copy(to.begin(), to.end(), output_.begin() + static_cast<std::ptrdiff_t>(lo));
    }
  }
  virtual ~PairMatrix() = default;

  int n() const { return n_; }
  double pairings() const { return pairings_; }
  // sign_of_output[i] = (−1)^{y_i} of the labelling to use.
  void set_signs(const std::vector<std::int8_t>& sign_of_output) {
    for (std::size_t t = 0; t < output_.size(); ++t)
      sign_[t] = sign_of_output[static_cast<std::size_t>(output_[t])];
  }

  virtual std::size_t dim() const = 0;
  // y = A x.
  virtual void apply(const Vec& x, Vec& y) const = 0;
  // A c with A + cI positive semidefinite, when the structure gives one.
  virtual std::optional<double> psd_shift() const = 0;
  // out = W in, W the symmetric n × n matrix the eigenvector x spells
  // (≈ ±(−1)^{s_a ⊕ s_b} under the spike).
  virtual void spike_multiply(const Vec& x, const Vec& in, Vec& out) const = 0;
  // ⟨x, the unit spike of `seed`⟩.
  virtual double spike_overlap(const Vec& x, const std::vector<std::uint8_t>& seed) const = 0;
  // The expected Rayleigh quotient of the unit spike (every pairing at its
  // mean 1/4).
  virtual double spike_expected() const = 0;

 protected:
  int n_;
  std::vector<std::int64_t> start_;   // incidences of index e: [start_[e], start_[e + 1])
  std::vector<std::int32_t> a_, b_;   // the other two indices, a < b
  std::vector<std::int64_t> output_;  // the output
  std::vector<std::int8_t> sign_;     // (−1)^{y_output} of the current labelling
  double pairings_ = 0;
};

double sigma(const std::vector<std::uint8_t>& seed, int a) {
  return seed[static_cast<std::size_t>(a)] ? -1.0 : 1.0;
}

// `mixed`: rows and columns are ORDERED pairs (x, x') ∈ [n]², one index from
// each output of a pairing: the pairing of {e, a, b} and {e, a', b'} adds
// ss' at ((a, a'), (b, b')), ((a, b'), (b, a')) and their mirrors. The block
// of one e is T_e ⊗ T_e minus its self-terms (T_e[a][b] = T_e[b][a] = s_i),
// of small norm, and the spike is (−1)^{s_x ⊕ s_x'}. Vectors are symmetric
// n × n arrays (the operator keeps them symmetric): y = Y + Yᵀ with
// Y = Σ_e Σ_{i < i'} t_i X t_i'.
class MixedMatrix : public PairMatrix {
 public:
  using PairMatrix::PairMatrix;
  std::size_t dim() const override { return static_cast<std::size_t>(n_) * n_; }
  void apply(const Vec& x, Vec& y) const override {
    const auto n = static_cast<std::size_t>(n_);
    buffer_.assign(n * n, 0.0);
    double* Y = buffer_.data();
    const double* X = x.data();
    for (std::size_t e = 0; e + 1 < start_.size(); ++e) {
      const auto lo = static_cast<std::size_t>(start_[e]),
                 hi = static_cast<std::size_t>(start_[e + 1]);
      for (std::size_t i = lo; i < hi; ++i) {
        const std::size_t a = static_cast<std::size_t>(a_[i]) * n,
                          b = static_cast<std::size_t>(b_[i]) * n;
        const double si = sign_[i];
        double* Ya = Y + a;
        double* Yb = Y + b;
        const double* Xa = X + a;
        const double* Xb = X + b;
        for (std::size_t k = i + 1; k < hi; ++k) {
          const double w = si * sign_[k];
          const auto a2 = static_cast<std::size_t>(a_[k]), b2 = static_cast<std::size_t>(b_[k]);
          Ya[b2] += w * Xb[a2];
          Ya[a2] += w * Xb[b2];
          Yb[b2] += w * Xa[a2];
          Yb[a2] += w * Xa[b2];
        }
      }
    }
    constexpr std::size_t kBlock = 32;  // y = Y + Yᵀ by blocks (cache-friendly transpose)
    for (std::size_t r0 = 0; r0 < n; r0 += kBlock) {
      for (std::size_t c0 = 0; c0 < n; c0 += kBlock) {
        for (std::size_t r = r0; r < std::min(n, r0 + kBlock); ++r) {
          for (std::size_t c = c0; c < std::min(n, c0 + kBlock); ++c)
            y[r * n + c] = Y[r * n + c] + Y[c * n + r];
        }
      }
    }
  }
  std::optional<double> psd_shift() const override { return std::nullopt; }
  void spike_multiply(const Vec& x, const Vec& in, Vec& out) const override {
    const auto n = static_cast<std::size_t>(n_);
    for (std::size_t r = 0; r < n; ++r) {
      double t = 0;
      for (std::size_t c = 0; c < n; ++c) t += x[r * n + c] * in[c];
      out[r] = t;
    }
  }
  double spike_overlap(const Vec& x, const std::vector<std::uint8_t>& seed) const override {
    double t = 0;
    for (int r = 0; r < n_; ++r) {
      for (int c = 0; c < n_; ++c)
        t += x[static_cast<std::size_t>(r) * static_cast<std::size_t>(n_) +
               static_cast<std::size_t>(c)] *
             sigma(seed, r) * sigma(seed, c);
    }
    return t / n_;
  }
  // 4 entries per ordered pairing at 1/4 each: 2 · pairings / n².
  double spike_expected() const override { return 2 * pairings_ / (static_cast<double>(n_) * n_); }

 private:
  mutable Vec buffer_;
};

// `clause` (the literal pair-against-pair arrangement): rows and columns are the
// unordered pairs {a, b} of ONE output: A[(a, b), (a', b')] += ss', i.e.
// A = Σ_e u_e u_eᵀ − D with u_e[(a, b)] = Σ s_i over the outputs {e, a, b}
// and D the self-terms. Each block u_e u_eᵀ has eigenvalue |u_e|² ≈ 3m/n,
// which the spike (≈ 4.5 m²/n³) passes only at m ≈ n² (measured: see docs).
class ClauseMatrix : public PairMatrix {
 public:
  ClauseMatrix(const goldreich::Hypergraph& g, std::int64_t used)
      : PairMatrix(g, used), dim_(static_cast<std::size_t>(g.n) * (g.n - 1) / 2) {
    coord_.resize(a_.size());
    diag_.assign(dim_, 0.0);
    for (std::size_t t = 0; t < a_.size(); ++t) {
      coord_[t] = static_cast<std::int32_t>(pair_index(a_[t], b_[t], n_));
      diag_[static_cast<std::size_t>(coord_[t])] += 1;
    }
    max_diag_ = diag_.empty() ? 0.0 : *std::max_element(diag_.begin(), diag_.end());
  }
  std::size_t dim() const override { return dim_; }
  void apply(const Vec& x, Vec& y) const override {
    for (std::size_t p = 0; p < dim_; ++p) y[p] = -diag_[p] * x[p];
    for (std::size_t e = 0; e + 1 < start_.size(); ++e) {
      const auto lo = static_cast<std::size_t>(start_[e]),
                 hi = static_cast<std::size_t>(start_[e + 1]);
      double t = 0;
      for (std::size_t k = lo; k < hi; ++k) t += sign_[k] * x[static_cast<std::size_t>(coord_[k])];
      if (t == 0) continue;
      for (std::size_t k = lo; k < hi; ++k) y[static_cast<std::size_t>(coord_[k])] += sign_[k] * t;
    }
  }
  std::optional<double> psd_shift() const override { return max_diag_; }
  void spike_multiply(const Vec& x, const Vec& in, Vec& out) const override {
    std::fill(out.begin(), out.end(), 0.0);
    std::size_t p = 0;
    for (int a = 0; a < n_; ++a) {
      for (int b = a + 1; b < n_; ++b, ++p) {
        out[static_cast<std::size_t>(a)] += x[p] * in[static_cast<std::size_t>(b)];
        out[static_cast<std::size_t>(b)] += x[p] * in[static_cast<std::size_t>(a)];
      }
    }
  }
  double spike_overlap(const Vec& x, const std::vector<std::uint8_t>& seed) const override {
    double t = 0;
    std::size_t p = 0;
    for (int a = 0; a < n_; ++a) {
      for (int b = a + 1; b < n_; ++b, ++p) t += x[p] * sigma(seed, a) * sigma(seed, b);
    }
    return dim_ > 0 ? t / std::sqrt(static_cast<double>(dim_)) : 0.0;
  }
  // vᵀAv/|v|² at mean 1/4 per pairing: 2 · pairings / 4 / C(n, 2).
  double spike_expected() const override {
    return dim_ > 0 ? pairings_ / (2.0 * static_cast<double>(dim_)) : 0.0;
  }

 private:
  std::size_t dim_;
  std::vector<std::int32_t> coord_;  // the pair's position among the C(n, 2)
  Vec diag_;
  double max_diag_ = 0;
};

struct Eigenpair {
  double lambda = 0;
  Vec v;
  int iterations = 0;
};

// The largest algebraic eigenvalue of A by power iteration on A + cI from
// the unit vector `start`: c = the structural shift when A has one, else the
// spectral radius estimated by `kRadiusIterations` products with A² (enough
// for A + cI to favour the top of the spectrum over its bottom).
constexpr int kRadiusIterations = 5;

Eigenpair top_eigenpair(const PairMatrix& A, const Vec& start, int max_iterations, double tolerance,
                        const Deadline& deadline) {
  Eigenpair out;
  out.v = start;
  Vec y(start.size()), z(start.size());
  double c = 0;
  if (const auto shift = A.psd_shift()) {
    c = *shift;
  } else {
    Vec w = start;
    for (int it = 0; it < kRadiusIterations; ++it) {
      if (deadline.expired()) throw Timeout{};
      A.apply(w, y);
      A.apply(y, z);
      const double norm = std::sqrt(dot(z, z));
      if (norm == 0) break;
      c = std::sqrt(norm);  // |A² w| for the unit w
      for (std::size_t p = 0; p < z.size(); ++p) w[p] = z[p] / norm;
    }
  }
  double previous = std::numeric_limits<double>::quiet_NaN();
  for (int it = 1; it <= max_iterations; ++it) {
    if (deadline.expired()) throw Timeout{};
    A.apply(out.v, y);
    out.lambda = dot(out.v, y);  // Rayleigh quotient of the unit vector v
    out.iterations = it;
    for (std::size_t p = 0; p < y.size(); ++p) y[p] += c * out.v[p];
    const double norm = std::sqrt(dot(y, y));
    if (norm == 0) break;
    for (std::size_t p = 0; p < y.size(); ++p) out.v[p] = y[p] / norm;
    if (std::abs(out.lambda - previous) <= tolerance * std::max(std::abs(out.lambda), 1e-300))
      break;
    previous = out.lambda;
  }
  A.apply(out.v, y);
  out.lambda = dot(out.v, y);
  return out;
}

// The top eigenvector (largest |λ|) of the n × n matrix W the eigenvector x
// spells, by power iteration on W² from a Gaussian start: ±(−1)^s under the
// spike.
Vec round_spike(const PairMatrix& A, const Vec& x, Rng rng, int iterations,
                const Deadline& deadline) {
  const auto n = static_cast<std::size_t>(A.n());
  Vec w(n), y(n);
  rng.fill_normal(w);
  for (int it = 0; it < iterations; ++it) {
    if (deadline.expired()) throw Timeout{};
    A.spike_multiply(x, w, y);
    A.spike_multiply(x, y, w);
    const double norm = std::sqrt(dot(w, w));
    if (norm == 0) break;
    for (double& t : w) t /= norm;
  }
  return w;
}

// Greedy local search: repeatedly flip the seed bit whose flip removes the
// most wrong outputs (lowest index on ties) while that number is positive.
class LocalSearch {
 public:
  LocalSearch(const goldreich::Predicate& p, const goldreich::Hypergraph& g,
              const std::vector<std::uint8_t>& labels)
      : p_(p), g_(g), labels_(labels), start_(static_cast<std::size_t>(g.n) + 1, 0) {
    for (std::int64_t i = 0; i < g.size(); ++i) {
      for (int v : g.edge(i)) ++start_[static_cast<std::size_t>(v) + 1];
    }
    for (int v = 0; v < g.n; ++v)
      start_[static_cast<std::size_t>(v) + 1] += start_[static_cast<std::size_t>(v)];
    outputs_.resize(static_cast<std::size_t>(start_.back()));
    std::vector<std::int64_t> cursor(start_.begin(), start_.end() - 1);
    for (std::int64_t i = 0; i < g.size(); ++i) {
      for (int v : g.edge(i))
        outputs_[static_cast<std::size_t>(cursor[static_cast<std::size_t>(v)]++)] = i;
    }
  }

  // Improves `seed` in place; returns its number of wrong outputs.
  std::int64_t run(std::vector<std::uint8_t>& seed, std::int64_t max_flips,
                   const Deadline& deadline, std::int64_t& flips) const {
    const int n = g_.n;
    std::vector<std::int64_t> gain(static_cast<std::size_t>(n), 0);
    std::int64_t wrong = 0;
    for (std::int64_t i = 0; i < g_.size(); ++i) wrong += add(i, seed, gain, +1);
    flips = 0;
    while (flips < max_flips) {
      if ((flips & 63) == 63 && deadline.expired()) throw Timeout{};
      int best = 0;
      for (int v = 1; v < n; ++v) {
        if (gain[static_cast<std::size_t>(v)] > gain[static_cast<std::size_t>(best)]) best = v;
      }
      if (gain[static_cast<std::size_t>(best)] <= 0) break;
      const auto lo = static_cast<std::size_t>(start_[static_cast<std::size_t>(best)]);
      const auto hi = static_cast<std::size_t>(start_[static_cast<std::size_t>(best) + 1]);
      wrong -= gain[static_cast<std::size_t>(best)];
      for (std::size_t t = lo; t < hi; ++t) add(outputs_[t], seed, gain, -1);
      seed[static_cast<std::size_t>(best)] ^= 1;
      for (std::size_t t = lo; t < hi; ++t) add(outputs_[t], seed, gain, +1);
      ++flips;
    }
    return wrong;
  }

 private:
  // Adds (sign +1) or removes (−1) output i's contributions to the gains of
  // its bits; returns whether it is wrong under `seed`.
  int add(std::int64_t i, const std::vector<std::uint8_t>& seed, std::vector<std::int64_t>& gain,
          int sign) const {
    const auto e = g_.edge(i);
    const std::uint32_t x = goldreich::pattern(e, seed);
    const int y = labels_[static_cast<std::size_t>(i)];
    const int wrong = p_(x) != y;
    for (std::size_t j = 0; j < e.size(); ++j) {
      const int flipped = p_(x ^ (1u << j)) != y;
      gain[static_cast<std::size_t>(e[j])] += sign * (wrong - flipped);
    }
    return wrong;
  }

  const goldreich::Predicate& p_;
  const goldreich::Hypergraph& g_;
  const std::vector<std::uint8_t>& labels_;
  std::vector<std::int64_t> start_;    // outputs containing bit v: [start_[v], start_[v + 1])
  std::vector<std::int64_t> outputs_;  // the outputs
};

// The learner's parameters, read once.
struct Settings {
  bool mixed = true;  // arrangement = mixed (else clause)
  int iterations = 0;
  double tolerance = 0;
  int permutations = 0;
  double threshold = 0;
  std::int64_t max_flips = 0;
  std::int64_t max_entries = 0;
  bool random_start = false;  // rounding = random
};

Settings settings_of(const SpectralP5Options& options) {
  Settings s;
  s.mixed = options.arrangement == "mixed";
  s.iterations = options.iterations;
  s.tolerance = options.tolerance;
  s.permutations = options.null_permutations;
  s.threshold = options.ratio_threshold;
  s.max_flips = options.max_flips;
  s.max_entries = options.max_entries;
  s.random_start = options.rounding == "random";
  return s;
}

// The unit start vector of every power iteration (planted and baselines):
// Gaussian, made symmetric as an n × n array for `mixed`.
Vec start_vector(const Rng& root, std::int64_t dim, int n, bool mixed) {
  Vec start(static_cast<std::size_t>(dim));
  root.substream("start").fill_normal(start);
  if (mixed) {  // symmetric n × n: the operator keeps it so
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < r; ++c)
        start[static_cast<std::size_t>(c) * n + r] = start[static_cast<std::size_t>(r) * n + c];
    }
  }
  const double start_norm = std::sqrt(dot(start, start));
  for (double& x : start) x /= start_norm;
  return start;
}

// lambda_max of the matrix under `permutations` random permutations of the
// signs: their mean, sample standard deviation and most iterations.
struct NullBaseline {
  double mean = 0, sd = 0;
  int iterations = 0;
};

NullBaseline null_baseline(PairMatrix& A, const std::vector<std::int8_t>& sign, const Vec& start,
                           const Settings& s, const Rng& null_rng, const Deadline& deadline) {
  double sum = 0, sum2 = 0;
  NullBaseline out;
  for (int k = 0; k < s.permutations; ++k) {
    std::vector<std::int8_t> permuted = sign;
    Rng rng = null_rng.substream(static_cast<std::uint64_t>(k));
    shuffle(permuted, rng);
    A.set_signs(permuted);
    const Eigenpair base = top_eigenpair(A, start, s.iterations, s.tolerance, deadline);
    sum += base.lambda;
    sum2 += base.lambda * base.lambda;
    out.iterations = std::max(out.iterations, base.iterations);
  }
  const int permutations = s.permutations;
  out.mean = sum / permutations;
  out.sd = permutations > 1 ? std::sqrt(std::max(0.0, (sum2 - permutations * out.mean * out.mean) /
                                                          (permutations - 1)))
                            : 0.0;
  return out;
}

// Records the test of lambda_max against the baseline; returns distinguished.
bool record_distinction(double lambda_max, const NullBaseline& null, double threshold, Fit& fit) {
  const double ratio = null.mean > 0 ? lambda_max / null.mean : 0.0;
  fit.stats["lambda_null"] = null.mean;
  fit.stats["lambda_null_sd"] = null.sd;
  fit.stats["null_iterations"] = null.iterations;
  fit.stats["spectral_ratio"] = ratio;
  fit.stats["spectral_z"] = null.sd > 0 ? (lambda_max - null.mean) / null.sd : 0.0;
  return null.mean > 0 && ratio > threshold;
}

// The local search's start: the signs of the spike's top eigenvector, or
// (random_start) a uniform random seed.
std::vector<std::uint8_t> rounded_seed(const PairMatrix& A, const Vec& top, const Rng& root,
                                       bool random_start, const Deadline& deadline) {
  std::vector<std::uint8_t> rounded(static_cast<std::size_t>(A.n()));
  if (random_start) {
    Rng rng = root.substream("random_start");
    for (auto& bit : rounded) bit = rng.bernoulli(0.5);
  } else {
    const Vec w = round_spike(A, top, root.substream("round"), 100, deadline);
    for (int a = 0; a < A.n(); ++a)
      rounded[static_cast<std::size_t>(a)] = w[static_cast<std::size_t>(a)] < 0;
  }
  return rounded;
}

// `rounded` and its complement, each improved by local search: `seed` holds
// the better one so far (so a timeout in the second keeps the first).
void improve_seed(const goldreich::Predicate& p5, const goldreich::Hypergraph& g,
                  const std::vector<std::uint8_t>& labels, const std::vector<std::uint8_t>& rounded,
                  std::int64_t max_flips, const Deadline& deadline, std::vector<std::uint8_t>& seed,
                  Fit& fit) {
  const LocalSearch search(p5, g, labels);
  std::int64_t best_wrong = INT64_MAX, best_rounded = INT64_MAX, flips_total = 0;
  for (int complement = 0; complement < 2; ++complement) {
    std::vector<std::uint8_t> candidate = rounded;
    if (complement) {
      for (auto& bit : candidate) bit ^= 1;
    }
    best_rounded = std::min(best_rounded, gf2::mismatches(p5, g, candidate, labels));
    std::int64_t flips = 0;
    const std::int64_t wrong = search.run(candidate, max_flips, deadline, flips);
    flips_total += flips;
    if (wrong < best_wrong) {
      best_wrong = wrong;
      seed = candidate;
    }
    if (wrong == 0) break;
  }
  fit.stats["rounded_agreement"] =
      1.0 - static_cast<double>(best_rounded) / static_cast<double>(g.size());
  fit.stats["flips"] = static_cast<double>(flips_total);
}

// The seed's verification against all outputs, its stats, output and predictor.
void report_seed(const goldreich::Task& task, const goldreich::Hypergraph& g,
                 const std::vector<std::uint8_t>& labels, const std::vector<std::uint8_t>& seed,
                 bool distinguished, Fit& fit) {
  const std::int64_t m = g.size();
  const std::int64_t wrong = gf2::mismatches(task.predicate, g, seed, labels);
  const bool found = wrong == 0;
  fit.stats["mismatches"] = static_cast<double>(wrong);
  fit.stats["agreement"] = 1.0 - static_cast<double>(wrong) / static_cast<double>(m);
  fit.stats[metric::kTrainLoss] = static_cast<double>(wrong) / static_cast<double>(m);
  fit.stats["seed_weight"] =
      static_cast<double>(std::count(seed.begin(), seed.end(), std::uint8_t{1})) / task.n;
  fit.stats["distinguished"] = distinguished ? 1.0 : 0.0;
  fit.stats["found"] = found ? 1.0 : 0.0;
  fit.output["seed"] = goldreich::seed_to_string(seed);
  fit.output["found"] = found;
  fit.output["distinguished"] = distinguished;
  fit.predictor = std::make_shared<goldreich::SeedPredictor>(task, seed);
}

}  // namespace

namespace spectral_p5 {

std::int64_t fitting_prefix(const goldreich::Hypergraph& g, int n, double per_pairing,
                            std::int64_t max_entries) {
  std::vector<std::int64_t> degree(static_cast<std::size_t>(n), 0);
  double pairings = 0;
  std::int64_t used = 0;
  for (; used < g.size(); ++used) {
    const auto e = g.edge(used);
    double more = 0;
    for (int j = 0; j < 3; ++j) more += static_cast<double>(degree[static_cast<std::size_t>(e[j])]);
    if (per_pairing * (pairings + more) > static_cast<double>(max_entries)) break;
    pairings += more;
    for (int j = 0; j < 3; ++j) ++degree[static_cast<std::size_t>(e[j])];
  }
  return used;
}

}  // namespace spectral_p5

SpectralP5Learner::SpectralP5Learner() {
  options_.cite("allen2015refute", "spectral refutation of random CSPs");
  using O = SpectralP5Options;
  options_
      .choice("arrangement", &O::arrangement, "mixed", {"mixed", "clause"},
              "mixed: rows (a, a'), columns (b, b') take one index from each output of a "
              "pairing; clause: rows (a, b), columns (a', b') are the two outputs' pairs (the "
              "literal pair-against-pair matrix, a control: its blocks have eigenvalue ≈ 3m/n)")
      .integer("iterations", &O::iterations, 100, 1, 1000000,
               "power iterations at most (the planted matrix and each baseline)")
      .real("tolerance", &O::tolerance, 1e-4, 0.0, 1.0,
            "stop a power iteration when the Rayleigh quotient changes by less than this "
            "(relative)")
      .integer("null_permutations", &O::null_permutations, 3, 1, 1000,
               "label permutations of the baseline (lambda_null = mean of their lambda_max)")
      .real("ratio_threshold", &O::ratio_threshold, 1.5, 1.0, 1e6,
            "distinguished = spectral_ratio = lambda_max / lambda_null above this")
      .choice("rounding", &O::rounding, "spectral", {"spectral", "random"},
              "start of the local search: the eigenvector's signs, or a uniform random seed (a "
              "control for what the spectrum contributes)")
      .integer("max_flips", &O::max_flips, 100000, 0, std::int64_t{1} << 40,
               "local-search flips per candidate seed at most (0 = plain rounding)")
      .integer("max_entries", &O::max_entries, 50000000, 1, std::int64_t{1} << 50,
               "matrix entries (nonzero contributions, with multiplicity) per product at most: "
               "the spectral step uses the longest prefix of the outputs that fits "
               "(spectral_outputs); UserError when the vectors alone (n² or C(n, 2)) exceed it");
}

Fit SpectralP5Learner::fit_impl(const Dataset& train, const Params& params,
                                const LearnerContext& ctx) const {
  check_training_set(kWho, train);
  // A lifted PRG network: decode the clean rows to challenges, then this
  // same attack on them (prg_decode.h).
  if (prg_decode::is_network_task(ctx.task)) {
    return prg_decode::decode_then_attack(
        kWho, train, ctx, [&](const Dataset& challenges, const LearnerContext& inner) {
          return fit_impl(challenges, params, inner);
        });
  }
  const Deadline& deadline = ctx.deadline;  // started by Learner::fit
  const goldreich::Task task = gf2::p5_task(
      ctx.task, kWho,
      "gf2 is the general algebraic (linearization) attack, p5_collision the other P5 attack");
  const int n = task.n;
  const SpectralP5Options options = options_.read(params);
  const Settings s = settings_of(options);
  const std::int64_t dim =
      s.mixed ? static_cast<std::int64_t>(n) * n : static_cast<std::int64_t>(n) * (n - 1) / 2;
  const double per_pairing = s.mixed ? 8.0 : 2.0;  // matrix entries of one pairing
  if (dim > s.max_entries) {
    fail(
        "spectral_p5: the {} arrangement's vectors have {} entries (n = {}), over max_entries = {}",
        s.mixed ? "mixed" : "clause", dim, n, s.max_entries);
  }
  const goldreich::Hypergraph g = goldreich::decode(train.X, task, kWho);
  const auto labels = gf2::label_bits(train.y, kWho);
  const std::int64_t m = g.size();
  const Rng root(ctx.seed, stream_id("spectral_p5"));

  const std::int64_t used = spectral_p5::fitting_prefix(g, n, per_pairing, s.max_entries);
  std::unique_ptr<PairMatrix> A;
  if (s.mixed) {
    A = std::make_unique<MixedMatrix>(g, used);
  } else {
    A = std::make_unique<ClauseMatrix>(g, used);
  }

  Fit fit;
  const double u = static_cast<double>(used);
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["spectral_outputs"] = u;
  fit.stats["pairings"] = A->pairings();
  fit.stats["expected_pairings"] = 4.5 * u * (u - 1) / n;
  fit.stats["matrix_entries"] = per_pairing * A->pairings();
  fit.stats["dimension"] = static_cast<double>(dim);
  fit.stats["lambda_spike_expected"] = A->spike_expected();
  if (used < m) {
    fit.message = fmt::format(
        "spectral_p5: the spectral step used the first {} of {} outputs (max_entries = {}); the "
        "local search and the verification use all",
        used, m, s.max_entries);
  }

  std::vector<std::uint8_t> seed(static_cast<std::size_t>(n), 0);
  bool distinguished = false;
  try {
    const Vec start = start_vector(root, dim, n, s.mixed);
    std::vector<std::int8_t> sign(static_cast<std::size_t>(m));
    for (std::int64_t i = 0; i < m; ++i)
      sign[static_cast<std::size_t>(i)] = labels[static_cast<std::size_t>(i)] ? -1 : 1;
    A->set_signs(sign);
    const Eigenpair top = top_eigenpair(*A, start, s.iterations, s.tolerance, deadline);
    fit.stats["lambda_max"] = top.lambda;
    fit.stats["iterations"] = top.iterations;
    const NullBaseline null = null_baseline(*A, sign, start, s, root.substream("null"), deadline);
    distinguished = record_distinction(top.lambda, null, s.threshold, fit);

    // Seed: the rounded spike and its complement, each improved by local search.
    const auto rounded = rounded_seed(*A, top.v, root, s.random_start, deadline);
    fit.stats["rounded_spike_overlap"] = std::abs(A->spike_overlap(top.v, rounded));
    improve_seed(task.predicate, g, labels, rounded, s.max_flips, deadline, seed, fit);
    fit.stats["spike_overlap"] = std::abs(A->spike_overlap(top.v, seed));
  } catch (const Timeout&) {
    fit.status = Outcome::time_limit;
    fit.message = "spectral_p5: the time limit stopped the power iterations or the local search";
  }
  report_seed(task, g, labels, seed, distinguished, fit);
  return fit;
}

}  // namespace hardnets
