// Shared plumbing of the lattice attacks on CLWE and periodic neurons
// (lll_relation, lll_primal, lll_labels, and the grid search that shares their
// task parsing, verification and predictor). The skeleton the three LLL
// attacks run on top of this (reduce, read off, verify, report) is
// lattice_attack.h.
//
// Everything here follows docs/learners.md, "Lattice attacks on CLWE and
// periodic neurons":
//   - the public task (clwe.h) parsed and checked once (`AttackTask`);
//   - integer bases as fplll ZZ_mat<mpz_t>, entries rounded from doubles of any
//     magnitude (mpz beyond 2^62) or from MPFR values;
//   - LLL (δ = 0.99, η = 0.51, LM_WRAPPER; on failure retried with LM_PROVED
//     and FT_MPFR) and optional BKZ-b with BKZ_AUTO_ABORT and the time left;
//   - the orthonormal left null space Q of X (Householder QR, binary64) and
//     least squares against X;
//   - the verification every attack uses for `found`: the circular score
//     |mean exp(2πi(⟨s,x⟩ − z))| (CLWE) or the mean squared error of the
//     recovered periodic neuron (labels) on held-out training samples;
//   - the periodic predictor f̂(x) = φ(clip(⟨s,x⟩, −γR, γR)).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <fplll.h>
#include <mpfr.h>
#include <Eigen/QR>

#include "hardnets/core/resources.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/periodic.h"

namespace hardnets::lattice {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// The public parameters of a clwe / periodic_neuron / clwe_relu task.
struct AttackTask {
  enum class Family { kClwe, kPeriodic };
  Family family = Family::kClwe;
  bool homogeneous = false;  // clwe variant "homogeneous" (hCLWE: z ≡ 0)
  double gamma = 0.0;
  double noise = 0.0;  // β (clwe) or σ (periodic)
  periodic::Link link = periodic::Link::kTri;
  double R = kInf;          // periodic cap on |⟨w,x⟩| (clwe_relu); +inf when null
  int precision_bits = 53;  // clwe: bits of the samples' z
  std::vector<std::string> z_mp;

  bool clwe() const { return family == Family::kClwe; }
  double cap() const { return gamma * R; }  // cap on γ⟨w,x⟩ (+inf when uncapped)
  // ±w are the same hypothesis (hCLWE, even links): the sign does not matter.
  bool sign_free() const { return !clwe() || homogeneous; }
  // The noise to balance scales against: max(noise, floor of the data's
  // precision), floor = γ·2^{3−p} (a few ulps of γ⟨w,x⟩; p = 53 for binary64).
  double effective_noise() const;
};

// Parses ctx.task for learner `who`. UserError when the task is missing or of
// a family the learner does not accept, or when γ <= 0 or β, σ < 0.
AttackTask parse_task(const Json& task, const std::string& who, bool accept_clwe,
                      bool accept_periodic);

// The number of samples an attack uses: `requested`, or `fallback` when it is
// 0 (clamped to the training set). UserError unless d+1 <= n <= n_train.
int resolve_samples(std::int64_t requested, std::int64_t fallback, const Dataset& train,
                    const std::string& who);

// The training rows an attack builds its lattice from: the first n for CLWE;
// for labels the first n that carry the relation γ⟨w,x⟩ = k ± t well: cos
// labels with |y| > 0.98 (where arccos amplifies noise by > 0.8/σ) and, for
// a capped task, labels within 3σ of the cap value φ(γR) (samples beyond the
// cap break the relation) are taken only when too few others remain.
std::vector<Eigen::Index> select_samples(const AttackTask& task, const Dataset& train, int n);

// ---- integer bases and their reduction ------------------------------------

using IntBasis = fplll::ZZ_mat<mpz_t>;

// entry = value rounded to the nearest integer (any finite magnitude).
void set_rounded(fplll::Z_NR<mpz_t>& entry, double value);
// Bits of the largest |entry|.
int max_bits(const IntBasis& basis);

// lll: LLL only; bkz: LLL then textbook BKZ-block_size (no pruning, no
// strategies); bkz2: LLL then BKZ 2.0 (bkz2.h: fplll's strategies, pruning,
// progressive block sizes up to block_size, precision escalation).
enum class Reducer { kLll, kBkz, kBkz2 };

struct ReduceOptions {
  Reducer reducer = Reducer::kLll;
  int block_size = 20;  // kBlockSizeAuto: bkz2 up to the rank, stopping at `done`
  double delta = 0.99;
  double eta = 0.51;
  double time_limit_seconds = kInf;  // seconds left to the whole reduction
  // bkz2: called after LLL and after every progressive stage; true stops
  // the reduction there (the attack has read its planted vector).
  std::function<bool(const IntBasis&)> done;
};

// block_size = 0 ("auto"): the attack chooses (lll_primal on lwe: the
// primal-uSVP estimate's beta; otherwise the lattice's rank), and bkz2 stops
// at the first stage whose basis holds the planted vector.
inline constexpr int kBlockSizeAuto = 0;

struct ReduceResult {
  int status = 0;             // fplll status of the last reduction run (0 = RED_SUCCESS)
  std::string status_text;    // fplll's RED_STATUS_STR
  bool retried = false;       // LLL was re-run with LM_PROVED / FT_MPFR
  bool time_limited = false;  // BKZ was stopped (or skipped) by the time limit
  double seconds = 0.0;
  int bits = 0;  // max entry bits before reduction
  // bkz / bkz2: the largest block size whose stage completed (1 = LLL only).
  int block_size_reached = 0;
  bool stopped_early = false;     // bkz2: `done` held after some stage
  int precision_escalations = 0;  // bkz2: floating-point raises
};

// Reduces the rows of `basis` in place (fplll cannot be interrupted; the time
// limit is checked before LLL and passed to BKZ as BKZ_MAX_TIME).
ReduceResult reduce(IntBasis& basis, const ReduceOptions& options);

// The reduction's stats every lattice attack reports: reduce_seconds,
// reducer_status, reducer_retried, lattice_bits, lattice_rows and
// lattice_cols (with a basis), block_size_reached, reduce_stopped_early,
// precision_escalations.
void add_reduce_stats(const ReduceResult& reduced, const IntBasis* basis, Metrics& stats);

// ---- linear algebra (binary64) ------------------------------------------

// Orthonormal basis (n × (n−d)) of the left null space {q : qᵀX = 0} of the
// n × d matrix X (n > d, X of full column rank): the last n−d columns of the
// Householder Q of X.
Matrix left_null_space(const Matrix& X);

// Least squares against a fixed X (column-pivoted Householder QR, once).
class LeastSquares {
 public:
  explicit LeastSquares(const Matrix& X);
  Vector solve(const Vector& rhs) const;

 private:
  Eigen::MatrixXd X_;
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr_;
};

// ---- MPFR arrays ----------------------------------------------------------

// n MPFR numbers at one precision (RAII; not copyable).
class MpArray {
 public:
  MpArray(std::size_t n, mpfr_prec_t precision);
  ~MpArray();
  MpArray(const MpArray&) = delete;
  MpArray& operator=(const MpArray&) = delete;
  mpfr_ptr operator[](std::size_t i) { return &data_[i]; }
  mpfr_srcptr operator[](std::size_t i) const { return &data_[i]; }
  std::size_t size() const { return data_.size(); }

 private:
  std::vector<__mpfr_struct> data_;
};

// ---- verification and prediction ----------------------------------------

// Rows [begin, begin + count) of the training set that the lattice did not use
// (count clamped to what there is).
struct HeldOut {
  Matrix X;
  Vector y;
  Eigen::Index size() const { return X.rows(); }
};
HeldOut held_out(const Dataset& train, const std::vector<Eigen::Index>& used,
                 Eigen::Index max_count);

// |mean exp(2πi(⟨s,x_j⟩ − z_j))|: ≈ exp(−2π²β²) for the planted s, ≈ 1/√m
// for an unrelated one. z = 0 for hCLWE.
double circular_score(const Matrix& X, const Vector& z, const Vector& s);
// The threshold `found` requires of circular_score on m samples:
// max(0.5·exp(−2π²β²), 4/√m).
double circular_threshold(double beta, Eigen::Index m);

// f̂(x) = φ(clip(⟨s,x⟩, −cap, cap)) with s = γ̂ŵ.
class PeriodicPredictor : public Predictor {
 public:
  PeriodicPredictor(periodic::Link link, Vector s, double cap)
      : link_(link), s_(std::move(s)), cap_(cap) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;

 private:
  periodic::Link link_;
  Vector s_;
  double cap_;
};

// Mean squared error of φ(clip(⟨s,x⟩, ±cap)) against y.
double periodic_mse(periodic::Link link, double cap, const Matrix& X, const Vector& y,
                    const Vector& s);
// The threshold `found` requires of periodic_mse: 9σ² + 1e-3·Var φ(U).
double periodic_threshold(periodic::Link link, double sigma);

// t = the label's position in the half period: tri: clip(y, 0, 1/2); cos:
// arccos(clip(y, −1, 1))/2π. Then γ⟨w,x⟩ = k + ε t for k ∈ Z, ε = ±1.
double half_period_position(periodic::Link link, double y);

Json to_json(const Vector& v);

// ---- the result every attack reports ------------------------------------

struct Recovery {
  bool have = false;   // some reduced row had the planted vector's shape
  Vector s;            // γ̂ŵ of the best such row
  bool found = false;  // its verification passed
  double score = std::numeric_limits<double>::quiet_NaN();     // circular score or held-out mse
  double residual = std::numeric_limits<double>::quiet_NaN();  // in-lattice constraint residual
  int row = -1;                                           // index of the reduced row it came from
  int candidates = 0;                                     // rows of the planted shape
  double key = -std::numeric_limits<double>::infinity();  // ranking of the best row

  // Keeps the candidate if it ranks above the best so far (higher key wins).
  void consider(double candidate_key, const Vector& candidate_s, double candidate_score,
                double candidate_residual, int candidate_row) {
    if (!(candidate_key > key)) return;
    key = candidate_key;
    have = true;
    s = candidate_s;
    score = candidate_score;
    residual = candidate_residual;
    row = candidate_row;
  }
};

// Fit.output {w, gamma_hat, found, reducer_status, score, residual, row,
// candidates} (w only when a candidate exists) and, for periodic tasks, the
// predictor (the recovered neuron when found, else the training-label mean).
// Stats: samples, reduce_seconds, lattice_rows, lattice_cols, lattice_bits,
// found, plus `extra`. Status "ok" ("timeout" when the reduction was cut).
Fit finish_fit(const AttackTask& task, const Dataset& train, const Recovery& recovery,
               const ReduceResult& reduced, int samples, const IntBasis* basis, Metrics extra);

}  // namespace hardnets::lattice
