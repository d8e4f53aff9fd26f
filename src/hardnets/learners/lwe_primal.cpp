#include "hardnets/learners/lwe_primal.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "hardnets/contracts/lwe.h"
#include "hardnets/core/error.h"
#include "hardnets/estimate/lattice_usvp.h"

namespace hardnets::lattice {
namespace {

using IntMatrix = std::vector<std::vector<std::int64_t>>;
using IntVector = std::vector<std::int64_t>;

// Resolution of the weights: the larger-spread block gets weight 16, so a
// ratio of spreads is kept to within 1/32 after rounding.
constexpr std::int64_t kWeightScale = 16;
// Samples always held out of the lattice to verify a secret on.
constexpr std::size_t kMinHeldOut = 16;

struct LweTask {
  int n = 0;
  std::int64_t q = 0;
  bool uniform_secret = false;
  double secret_std = 0;
  double sigma_e = 0;
};

LweTask parse_lwe_task(const Json& task, const Dataset& train) {
  LweTask t;
  t.n = task.at("n").get<int>();
  t.q = task.at("q").get<std::int64_t>();
  t.uniform_secret = task.at("secret").get<std::string>() == "uniform";
  t.secret_std = task.at("secret_std").get<double>();
  t.sigma_e = task.at("sigma_e").get<double>();
  if (t.n != train.dim())
    fail("lll_primal: the lwe task says n = {} but the samples have {} coordinates", t.n,
         train.dim());
  if (t.q < 2 || t.q > (std::int64_t{1} << 31))
    fail("lll_primal: the lwe task's modulus q = {} is outside [2, 2^31]", t.q);
  return t;
}

// Samples as residues: rows a_i and labels b_i, each in [0, q).
struct Residues {
  IntMatrix A;
  IntVector b;
};

Residues residues(const Dataset& train, std::int64_t q) {
  Residues r;
  r.A.assign(static_cast<std::size_t>(train.size()),
             IntVector(static_cast<std::size_t>(train.dim())));
  r.b.resize(static_cast<std::size_t>(train.size()));
  for (Eigen::Index i = 0; i < train.size(); ++i) {
    for (Eigen::Index j = 0; j < train.dim(); ++j)
      r.A[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] =
          mod_q(std::llround(train.X(i, j)), q);
    r.b[static_cast<std::size_t>(i)] = mod_q(std::llround(train.y[i]), q);
  }
  return r;
}

// The normal form of a uniform-secret instance (see the header): rows
// [0, n) give A_0; every other row i becomes (-a_i A_0^{-1}, b_i - a_i A_0^{-1} b_0).
struct NormalForm {
  IntMatrix inverse;  // A_0^{-1} mod q
  IntVector b0;
};

std::optional<NormalForm> normal_form(Residues& r, int n, std::int64_t q) {
  NormalForm nf;
  const IntMatrix A0(r.A.begin(), r.A.begin() + n);
  if (!invert_mod(A0, q, nf.inverse)) return std::nullopt;
  nf.b0.assign(r.b.begin(), r.b.begin() + n);
  for (std::size_t i = static_cast<std::size_t>(n); i < r.A.size(); ++i) {
    IntVector row(static_cast<std::size_t>(n));  // a_i A_0^{-1}
    for (int k = 0; k < n; ++k) {
      std::int64_t acc = 0;
      for (int j = 0; j < n; ++j)
        acc = mod_q(acc + r.A[i][static_cast<std::size_t>(j)] *
                              nf.inverse[static_cast<std::size_t>(j)][static_cast<std::size_t>(k)],
                    q);
      row[static_cast<std::size_t>(k)] = acc;
    }
    r.b[i] = mod_q(r.b[i] - dot_mod(row, nf.b0, q), q);
    for (auto& v : row) v = mod_q(-v, q);
    r.A[i] = std::move(row);
  }
  return nf;
}

// s = A_0^{-1} (b_0 - e_0) mod q.
IntVector lift_secret(const NormalForm& nf, const IntVector& e0, std::int64_t q) {
  IntVector diff(e0.size()), s(e0.size());
  for (std::size_t j = 0; j < e0.size(); ++j) diff[j] = mod_q(nf.b0[j] - e0[j], q);
  for (std::size_t k = 0; k < e0.size(); ++k)
    s[k] = centred_mod(dot_mod(nf.inverse[k], diff, q), q);
  return s;
}

IntBasis embedding(const Residues& r, std::size_t first, int m, std::int64_t q,
                   const EmbeddingWeights& w) {
  const int n = static_cast<int>(r.A[0].size());
  const int dim = m + n + 1;
  IntBasis B(dim, dim);
  for (int i = 0; i < m; ++i) B[i][i] = static_cast<long>(q * w.error);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i)
      B[m + j][i] = static_cast<long>(
          r.A[first + static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] * w.error);
    B[m + j][m + j] = static_cast<long>(w.secret);
  }
  for (int i = 0; i < m; ++i)
    B[m + n][i] = static_cast<long>(r.b[first + static_cast<std::size_t>(i)] * w.error);
  B[m + n][m + n] = static_cast<long>(w.tail);
  return B;
}

// Row `row` as the secret part of (w_e e, -w_s s, +-w_t), when it has that shape.
std::optional<IntVector> read_secret(const IntBasis& B, int row, int m, int n,
                                     const EmbeddingWeights& w) {
  const mpz_t& last = B[row][m + n].get_data();
  if (mpz_cmpabs_ui(last, static_cast<unsigned long>(w.tail)) != 0) return std::nullopt;
  const long sign = mpz_sgn(last);
  IntVector s(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    const mpz_t& v = B[row][m + j].get_data();
    if (!mpz_fits_slong_p(v) || mpz_get_si(v) % w.secret != 0) return std::nullopt;
    s[static_cast<std::size_t>(j)] = -sign * mpz_get_si(v) / w.secret;
  }
  return s;
}

double residual_rms(const Residues& original, const std::vector<std::size_t>& rows,
                    const IntVector& s, std::int64_t q) {
  double sum = 0;
  for (const std::size_t i : rows) {
    const double r =
        static_cast<double>(centred_mod(original.b[i] - dot_mod(original.A[i], s, q), q));
    sum += r * r;
  }
  return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, rows.size())));
}

// Everything the read-off needs, fixed before the reduction starts.
struct Reader {
  const Residues& original;
  const std::optional<NormalForm>& nf;
  std::vector<std::size_t> check;  // the rows the secret is verified on
  int m, n;
  std::int64_t q;
  EmbeddingWeights w;
  double threshold;  // RMS a found secret's residuals may have

  struct Best {
    IntVector s;
    double rms = std::numeric_limits<double>::infinity();
    int row = -1, candidates = 0;
  };
  Best best(const IntBasis& B) const {
    Best out;
    for (int r = 0; r < B.get_rows(); ++r) {
      std::optional<IntVector> part = read_secret(B, r, m, n, w);
      if (!part) continue;
      ++out.candidates;
      IntVector s = nf ? lift_secret(*nf, *part, q) : std::move(*part);
      const double rms = residual_rms(original, check, s, q);
      if (rms < out.rms) out = Best{std::move(s), rms, r, out.candidates};
    }
    return out;
  }
  bool found(const Best& b) const { return b.row >= 0 && b.rms <= threshold; }
};

// The samples in the lattice: `requested`, or (0) the primal-uSVP estimate's
// m for the samples available, or min(2n, available) when it has none.
struct SampleChoice {
  int m = 0;
  estimate::UsvpEstimate predicted;
};

SampleChoice choose_samples(const LweTask& t, std::int64_t requested, std::int64_t available) {
  SampleChoice c;
  estimate::LweParameters p;
  p.n = t.n;
  p.q = static_cast<double>(t.q);
  p.sigma_e = t.sigma_e;
  p.sigma_s = t.uniform_secret ? t.sigma_e : t.secret_std;  // normal form: e_0 is the secret
  p.samples = std::max<std::int64_t>(1, available);
  if (p.validation_error().empty()) c.predicted = estimate::estimate_primal_usvp(p);
  std::int64_t m = requested;
  if (m == 0)
    m = c.predicted.feasible ? c.predicted.samples_used
                             : std::min<std::int64_t>(2 * t.n, available);
  if (m < 1 || m > available)
    fail(
        "lll_primal: the lattice needs 1 to {} samples (n_train minus the normal form's n and "
        "{} held out), asked {}",
        available, kMinHeldOut, m);
  c.m = static_cast<int>(m);
  return c;
}

// (||b_1|| / vol^(1/d))^(1/d) of the reduced basis: the root Hermite factor
// of its first row (a q-vector when the samples are many; then it measures
// q, not the reduction).
double root_hermite(const IntBasis& B, int m, int n, std::int64_t q, const EmbeddingWeights& w) {
  const int d = B.get_rows();
  double norm2 = 0;
  for (int j = 0; j < B.get_cols(); ++j) {
    const double v = B[0][j].get_d();
    norm2 += v * v;
  }
  const double log_volume = m * std::log(static_cast<double>(q * w.error)) +
                            n * std::log(static_cast<double>(w.secret)) +
                            std::log(static_cast<double>(w.tail));
  return std::exp((0.5 * std::log(norm2) - log_volume / d) / d);
}

// The root Hermite factor from the slope of the Gram-Schmidt profile: under
// the GSA log ||b*_i|| falls by 2 log delta a step. Only the sloped part is
// fitted: an embedding with many samples keeps a flat run of q-vectors at
// the start (||b*_i|| = q w_e) and a flat tail, which say nothing of the
// reduction. NaN when fewer than 10 indices are sloped.
double profile_root_hermite(const IntBasis& B) {
  fplll::ZZ_mat<mpz_t> basis = B, u, ut;
  fplll::MatGSO<fplll::Z_NR<mpz_t>, fplll::FP_NR<double>> gso(basis, u, ut, fplll::GSO_DEFAULT);
  gso.update_gso();
  const int d = B.get_rows();
  std::vector<double> y(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) {
    fplll::FP_NR<double> r;
    gso.get_r(r, i, i);
    y[static_cast<std::size_t>(i)] = 0.5 * std::log(r.get_d());
  }
  const double top = *std::max_element(y.begin(), y.end());
  const double bottom = *std::min_element(y.begin(), y.end());
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < d; ++i) {
    const double v = y[static_cast<std::size_t>(i)];
    if (v > top - 0.1 || v < bottom + 0.1) continue;
    n += 1;
    sx += i;
    sy += v;
    sxx += static_cast<double>(i) * i;
    sxy += i * v;
  }
  if (n < 10) return std::numeric_limits<double>::quiet_NaN();
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return std::exp(-slope / 2);
}

Fit report(const Reader& reader, const Reader::Best& best, const ReduceResult& reduced,
           const SampleChoice& choice, const IntBasis& B) {
  Fit fit;
  const bool found = reader.found(best);
  if (best.row >= 0) fit.output["secret"] = best.s;
  fit.output["found"] = found;
  fit.output["reducer_status"] = reduced.status_text;
  fit.output["candidates"] = best.candidates;
  if (best.row >= 0) {
    fit.output["row"] = best.row;
    fit.output["residual_rms"] = best.rms;
  }
  fit.stats[metric::kSamples] = choice.m;
  fit.stats["found"] = found ? 1.0 : 0.0;
  add_reduce_stats(reduced, &B, fit.stats);
  if (reduced.status >= 0) {
    fit.stats["root_hermite"] = root_hermite(B, reader.m, reader.n, reader.q, reader.w);
    const double profile = profile_root_hermite(B);
    if (std::isfinite(profile)) fit.stats["profile_root_hermite"] = profile;
  }
  fit.stats["normal_form"] = reader.nf ? 1.0 : 0.0;
  fit.stats["check_rows"] = static_cast<double>(reader.check.size());
  fit.stats["predicted_block_size"] = choice.predicted.feasible ? choice.predicted.block_size : 0;
  fit.stats["predicted_samples"] =
      choice.predicted.feasible ? static_cast<double>(choice.predicted.samples_used) : 0.0;
  if (reduced.time_limited && !found) {
    fit.status = Outcome::time_limit;
    fit.message = "the time limit stopped the lattice reduction; the rows it had were read";
  }
  return fit;
}

}  // namespace

Fit lwe_primal_attack(const Dataset& train, const Json& task, const LweAttackOptions& options,
                      double time_limit_seconds) {
  const Stopwatch clock;
  const LweTask t = parse_lwe_task(task, train);
  const Residues original = residues(train, t.q);
  Residues work = original;
  std::optional<NormalForm> nf;
  const std::size_t first = t.uniform_secret ? static_cast<std::size_t>(t.n) : 0;
  if (t.uniform_secret) {
    if (train.size() <= t.n)
      fail("lll_primal: a uniform secret needs more than n = {} samples (the normal form spends n)",
           t.n);
    nf = normal_form(work, t.n, t.q);
    if (!nf)
      fail(
          "lll_primal: the first n = {} samples are singular mod q = {} (or q is not prime), so "
          "the normal form of the uniform secret does not exist",
          t.n, t.q);
  }
  const std::int64_t available =
      train.size() - static_cast<std::int64_t>(first) - static_cast<std::int64_t>(kMinHeldOut);
  const SampleChoice choice = choose_samples(t, options.samples, available);
  const EmbeddingWeights w =
      embedding_weights(t.sigma_e, t.uniform_secret ? t.sigma_e : t.secret_std);
  IntBasis B = embedding(work, first, choice.m, t.q, w);

  Reader reader{original, nf, {}, choice.m, t.n, t.q, w, 0.0};
  // A wrong secret leaves residuals uniform mod q (RMS q/sqrt 12); the
  // planted one leaves the errors (RMS ~ sigma_e). 3 sigma_e is the bound, or
  // half the uniform RMS when the errors are that wide.
  reader.threshold = std::min(3.0 * t.sigma_e, static_cast<double>(t.q) / std::sqrt(48.0));
  const std::size_t lattice_end = first + static_cast<std::size_t>(choice.m);
  for (std::size_t i = lattice_end; i < original.b.size() && reader.check.size() < 4096; ++i)
    reader.check.push_back(i);

  ReduceOptions reduce = options.reduce;
  reduce.time_limit_seconds = time_limit_seconds - clock.seconds();
  if (reduce.reducer == Reducer::kBkz2)
    reduce.done = [&](const IntBasis& basis) { return reader.found(reader.best(basis)); };
  const ReduceResult reduced = lattice::reduce(B, reduce);
  Reader::Best best;
  if (reduced.status >= 0) best = reader.best(B);
  Fit fit = report(reader, best, reduced, choice, B);
  if (best.row >= 0) fit.predictor = std::make_shared<LwePredictor>(best.s, t.q);
  return fit;
}

Vector LwePredictor::predict(const Matrix& X) const {
  Vector out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    std::int64_t acc = 0;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      acc = mod_q(
          acc + mod_q(std::llround(X(i, j)), q_) * mod_q(s_[static_cast<std::size_t>(j)], q_), q_);
    out[i] = static_cast<double>(acc);
  }
  return out;
}

Json LwePredictor::to_json() const {
  return Json{{"type", "lwe_linear"}, {"secret", s_}, {"q", q_}};
}

EmbeddingWeights embedding_weights(double sigma_e, double secret_std) {
  EmbeddingWeights w;
  const double e = std::max(sigma_e, 1e-9), s = std::max(secret_std, 1e-9);
  if (e >= s) {
    w.error = kWeightScale;
    w.secret = std::max<std::int64_t>(1, std::llround(kWeightScale * std::min(e / s, 1e6)));
  } else {
    w.secret = kWeightScale;
    w.error = std::max<std::int64_t>(1, std::llround(kWeightScale * std::min(s / e, 1e6)));
  }
  w.tail = std::max<std::int64_t>(1, std::llround(static_cast<double>(w.error) * sigma_e));
  return w;
}

bool invert_mod(IntMatrix A, std::int64_t q, IntMatrix& inverse) {
  const std::size_t n = A.size();
  inverse.assign(n, IntVector(n, 0));
  for (std::size_t i = 0; i < n; ++i) inverse[i][i] = 1;
  // a^(q-2) mod q: the inverse of a unit when q is prime.
  const auto inv = [q](std::int64_t a) {
    std::int64_t result = 1, base = mod_q(a, q);
    for (std::int64_t e = q - 2; e > 0; e >>= 1, base = base * base % q)
      if (e & 1) result = result * base % q;
    return result;
  };
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t p = c;
    while (p < n && mod_q(A[p][c], q) == 0) ++p;
    if (p == n) return false;
    std::swap(A[p], A[c]);
    std::swap(inverse[p], inverse[c]);
    const std::int64_t f = inv(A[c][c]);
    if (mod_q(A[c][c] * f, q) != 1) return false;  // not a unit: q is not prime
    for (std::size_t k = 0; k < n; ++k) {
      A[c][k] = mod_q(A[c][k] * f, q);
      inverse[c][k] = mod_q(inverse[c][k] * f, q);
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c || A[r][c] == 0) continue;
      const std::int64_t g = A[r][c];
      for (std::size_t k = 0; k < n; ++k) {
        A[r][k] = mod_q(A[r][k] - g * A[c][k], q);
        inverse[r][k] = mod_q(inverse[r][k] - g * inverse[c][k], q);
      }
    }
  }
  return true;
}

}  // namespace hardnets::lattice
