// The networks of the problems `prg_depth3` and `prg_depth2_smoothed`
// (prg_depth3.h, prg_depth2_smoothed.h): Goldreich's local PRG planted in ReLU
// networks under Gaussian (or Gaussian-blurred) inputs, after
// Daniely–Srebro–Vardi (NeurIPS 2023, arXiv 2302.07426). Here: the network's
// construction and its evaluators, and what the two problems share
// (generation, the common task and card keys, the judge). The networks below are
// OUR RECONSTRUCTION (docs/problems.md, `prg_depth3` and `prg_depth2_smoothed`):
// they match the paper's theorem shapes, not a construction read in the paper.
//
// Both networks are "hyperedge detectors": one layer-2 unit per ordered tuple
// S of k distinct indices in [0, n) (n^(k) = n!/(n-k)! units, in the rank
// order of goldreich::rank_tuple), and ALL secret dependence sits in the
// output weights, w_S = P(s_S). An input activates (at most) the unit of the
// tuple S(x) it encodes, so its label is P(s_{S(x)}) times a gadget value.
//
// Encoding (both): n = 2^L, R = kL relevant coordinates c = jL + l (j < k,
// l < L) followed by p padding coordinates, d = R + p. Bit b_c = 1[x_c > 0];
// index i_j = Σ_l b_{jL+l} 2^l; S(x) = (i_1..i_k). β_c(S) is bit c of S.
//
// prg_depth3 (d → 6R → n^(k) → 1), x ~ N(0, I_d), t_c = x_c / δ:
//   layer 1, per relevant c:  A = (t)+, B = (t−1)+, T1..T4 = (t+2)+, (t+1)+,
//                             (t−1)+, (t−2)+ (units 6c .. 6c+5; padding read
//                             by no unit);
//                             ramp r_c = A − B, bump q_c = T1 − T2 − T3 + T4;
//   layer 2, unit S:  u_S = (Σ_c 2(2β_c − 1) r_c − 2|β(S)| + 1 − M Σ_c q_c)+;
//   output:           N(x) = Σ_S P(s_S) u_S(x).
//   Exact law (τ = 0): N(x) = P(s_{S(x)}) (1 − M Q(x))+ 1[S(x) distinct],
//   Q = Σ_c q_c, q_c = clamp(2 − |x_c|/δ, 0, 1).
// prg_depth2_smoothed (d → n^(k) → 1), x = (μ(S0), 0) + ζ, ζ ~ N(0, ω² I_d),
//   μ(S0) = 2β(S0) − 1, S0 uniform over distinct tuples (base = distinct) or
//   β(S0) uniform over {0,1}^R (base = hypercube, repeats allowed):
//   u_S = (Σ_c (2β_c − 1) x_c − (R − 1))+,   N(x) = Σ_S P(s_S) u_S(x).
//
// Smoothing: every parameter of the fixed architecture (dense weight
// matrices, padding columns included, all biases, output weights and bias)
// gets i.i.d. N(0, τ²) once per network. The noise is public in the
// reduction; the secret is only the seed s.
//
// Labels (`labels`). prg: the output weights are P(s_S). uniform (the
// distinguisher's null): the same public network with P(s_S) replaced by an
// independent fair bit b_S per tuple (a random function of the hyperedge,
// drawn from substream rank_tuple(S) of its own stream), evaluated exactly as
// the real network is (OutputBits).
//
// Source (`source`). network: x from the problem's input law, labelled by
// the network. reduction: the proof's map from PRG challenges (S_i, y_i),
// y_i = P(s_{S_i}) or (labels = uniform) a fair bit per challenge, to
// examples: a uniform pattern u ∈ [n]^k is drawn; when u repeats an index it
// is the row's tuple and no challenge is used (probability
// 1 − Π_{j<k}(1 − j/n), as under the network's own law), otherwise the row
// encodes S_i — depth 3: x_c = (2β_c(S_i) − 1)|g_c|, g ~ N(0, I_d), padding g
// itself, so x ~ N(0, I_d) exactly; depth 2: x = (μ(S_i), 0) + ω ζ (base =
// distinct: always S_i) — and is labelled by simulate(net, X, y). The labels
// are then exactly the network's wherever the simulator is exact.
//
// Evaluation. Implicit: decode S(x), evaluate the (small, dense, noisy) first
// layer, and only unit S(x), whose noise row is drawn alone from a
// counter-based stream keyed by rank_tuple(S). Materialised: every unit. Both
// use the same kernels in the same order (unit_preactivation), so they agree
// bit for bit wherever every other unit is dead — exactly the condition under
// which the reduction's simulator works, audited by audit_simulator().
// Layer 1 is evaluated in fixed 256-row blocks (one GEMM each when τ > 0): a
// row's values are a function of its input matrix and row index only, never
// of the thread count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"

namespace hardnets::prg_network {

enum class Kind { kDepth3, kDepth2 };

// The rows every evaluator processes together (layer-1 GEMM blocks).
inline constexpr std::int64_t kBlockRows = 256;

// The public network: architecture and all noisy parameters, but not the
// seed (the secret part P(s_S) of the output weights is supplied by the
// caller). Built from a problem's parameters and instance seed.
class Network {
 public:
  // `kind` fixes the problem (prg_depth3 / prg_depth2_smoothed). UserError
  // for n not a power of 2, k > n, n^(k) beyond 64-bit ranks, a layer 1 too
  // large to smooth, bad predicate parameters.
  static Network from_params(Kind kind, const Params& params, Seed seed);

  Kind kind() const { return kind_; }
  const std::string& owner() const { return owner_; }
  const goldreich::Predicate& predicate() const { return predicate_; }
  int n() const { return n_; }
  int k() const { return predicate_.k; }
  int L() const { return L_; }
  int R() const { return R_; }
  int d() const { return d_; }
  int pad() const { return d_ - R_; }
  // Width of the layer the detectors read: 6R (depth 3) or d (depth 2).
  int features() const { return F_; }
  // Terms summed together in unit_preactivation: 6 (depth 3) or 1.
  int group() const { return kind_ == Kind::kDepth3 ? 6 : 1; }
  std::uint64_t units() const { return units_; }  // n^(k)
  double delta() const { return delta_; }
  double gate() const { return gate_; }
  double omega() const { return omega_; }
  double tau() const { return tau_; }
  // Depth 2: whether S0 has uniform sign bits (base = hypercube) rather than
  // uniform distinct indices (base = distinct).
  bool hypercube_base() const { return hypercube_base_; }

  // The detectors' inputs for rows of X (depth 3: ReLU(W̃1 x + b̃1), count x
  // 6R; depth 2: X itself) into H (resized). Rows [start, start + count)
  // are processed as one block.
  void layer1(const Matrix& X, Eigen::Index start, Eigen::Index count, Matrix& H) const;
  // Decodes S(x) from the signs of the relevant coordinates into `tuple`
  // (k entries); false when an index repeats.
  bool decode(const double* x, std::int32_t* tuple) const;
  // Unit `rank` (tuple S = unrank(rank)): F weights, bias, then the noise ξ3_S
  // of its output weight (F + 2 values), noise included. `out` needs
  // row_capacity() entries (F + 2 rounded up to whole batches of normals).
  void unit_row(std::uint64_t rank, std::span<const std::int32_t> tuple,
                std::span<double> out) const;
  int row_capacity() const { return (F_ + 2 + 15) / 16 * 16; }
  double output_bias() const { return b3_; }
  // Dense noisy layer 1 (depth 3 only; empty when τ = 0, where it is sparse).
  const Eigen::MatrixXd& W1() const { return W1_; }
  const Eigen::VectorXd& b1() const { return b1_; }

 private:
  Kind kind_ = Kind::kDepth3;
  std::string owner_;
  goldreich::Predicate predicate_;
  int n_ = 0, L_ = 0, R_ = 0, d_ = 0, F_ = 0;
  std::uint64_t units_ = 0;
  double delta_ = 0, gate_ = 0, omega_ = 0, tau_ = 0, b3_ = 0;
  bool hypercube_base_ = false;
  Eigen::MatrixXd W1_;  // H x d, noisy (τ > 0 only)
  Eigen::VectorXd b1_;  // H, noisy (τ > 0 only)
  Rng layer2_{0, 0};    // row `rank` = substream(rank)
};

// The clean output weight w_S of each unit. prg: P(s_S). uniform (the null):
// an independent fair bit per tuple S, the top bit of word 0 of substream
// rank_tuple(S) of `coins` — a function of S alone, so the implicit and the
// materialised evaluators read the same bit.
class OutputBits {
 public:
  static OutputBits prg(goldreich::Predicate p, std::vector<std::uint8_t> seed);
  static OutputBits uniform(const Rng& coins);
  std::uint8_t operator()(std::uint64_t rank, std::span<const std::int32_t> tuple) const;
  bool is_uniform() const { return uniform_; }
  // The secret seed (labels = prg); empty for uniform bits.
  const std::vector<std::uint8_t>& seed() const { return seed_; }

 private:
  bool uniform_ = false;
  goldreich::Predicate predicate_;
  std::vector<std::uint8_t> seed_;
  Rng coins_{0, 0};
};

// The pre-activation Σ_j w_j h_j + bias in one fixed order: the single
// kernel every evaluator uses for a unit's value. group > 1 sums each run of
// `group` terms first (depth 3: the six units of one coordinate, whose
// O(|x|/δ) terms cancel), otherwise four interleaved partial sums.
double unit_preactivation(const double* w, const double* h, int count, int group, double bias);

// y_i = P(s_{S(x_i)}) per row (0 where S(x_i) repeats): what the reduction's
// simulator is given.
std::vector<std::uint8_t> hidden_bits(const Network& net, const std::vector<std::uint8_t>& seed,
                                      const Matrix& X);
// w_{S(x_i)} per row (0 where S(x_i) repeats) for any output bits.
std::vector<std::uint8_t> hidden_bits_with(const Network& net, const OutputBits& bits,
                                           const Matrix& X);

// The simulator of the reduction: from the public network and y_i alone,
// label_i = (y_i + ξ3_S) ũ_S(x_i) + b̃3 with S = S(x_i), or b̃3 when S(x_i)
// repeats. It can fill in only the weight of S(x_i); where another unit is
// active it is wrong (audit_simulator counts that).
Vector simulate(const Network& net, const Matrix& X, const std::vector<std::uint8_t>& y,
                int threads);
// Implicit evaluation: the simulator given the true y = P(s_{S(x)}).
Vector label_implicit(const Network& net, const std::vector<std::uint8_t>& seed, const Matrix& X,
                      int threads);
// The same with output weights `bits` (P(s_S) or the null's fair bits).
Vector label_implicit_with(const Network& net, const OutputBits& bits, const Matrix& X,
                           int threads);

// The whole network in memory (n^(k) x F detector weights).
class Materialised {
 public:
  // UserError when n^(k) > 2^20 units or the weights exceed 1 GiB.
  Materialised(const Network& net, const std::vector<std::uint8_t>& seed, int threads = 1);
  // The same with output weights `bits` (P(s_S) or the null's fair bits).
  Materialised(const Network& net, OutputBits bits, int threads = 1);
  // The true forward pass Σ_S w̃3_S ũ_S(x) + b̃3 (every unit).
  Vector forward(const Matrix& X, int threads) const;
  // Per row: the ranks of the active units (ũ_S > 0), ascending, and the
  // forward value.
  struct Row {
    std::vector<std::uint64_t> active;
    double value = 0;
  };
  std::vector<Row> evaluate(const Matrix& X, int threads) const;
  // The same network as a plain ReluNet (for cross-checks; doubles memory).
  ReluNet relu_net() const;
  const Network& network() const { return net_; }
  const std::vector<std::uint8_t>& seed() const { return bits_.seed(); }
  const OutputBits& bits() const { return bits_; }

 private:
  Network net_;
  OutputBits bits_;
  Matrix W2_;           // units x F, row-major
  Eigen::VectorXd b2_;  // units
  Eigen::VectorXd w3_;  // P(s_S) + ξ3_S
  double max_w2_ = 0, max_b2_ = 0;
};

// Whether Materialised accepts `net` (n^(k) <= 2^20 units, weights <= 1 GiB).
bool materialisable(const Network& net);

// How the reduction's simulator fares on given inputs: it fails on a row
// when two or more units are active, when the one active unit is not S(x),
// or when its label differs from the true forward pass in any bit.
struct SimulatorAudit {
  std::int64_t inputs = 0;
  std::int64_t multi_active = 0;  // >= 2 active units
  std::int64_t wrong_unit = 0;    // exactly one active unit, not S(x)
  std::int64_t exactly_one = 0;   // exactly one active unit (any)
  std::int64_t mismatched = 0;    // simulated label != true label (bitwise)
  std::int64_t failures = 0;      // rows with any of the three failures
  double max_abs_difference = 0;  // max |simulated − true|
  double failure_rate() const { return inputs ? static_cast<double>(failures) / inputs : 0.0; }
};
SimulatorAudit audit_simulator(const Materialised& net, const Matrix& X, int threads);
// Convenience for experiments: the failure rate on `inputs` fresh inputs of
// the problem (`kind`, params, seed: τ, δ, ω are read from params).
double simulator_failure_rate(Kind kind, const Params& params, Seed seed, std::int64_t inputs,
                              int threads);

// Inputs of the problem's law: depth 3 N(0, I_d); depth 2 (μ(S0), 0) + ζ.
// Row i uses its own positions of `base` (thread-count independent).
Matrix draw_network_inputs(const Network& net, std::int64_t rows, const Rng& base, int threads);
// The secret seed of an instance (what the problem draws for `seed`).
std::vector<std::uint8_t> instance_seed(Kind kind, Seed seed, int n);

// ---- the labels and the source of an instance --------------------------------

// What `labels` and `source` select (defaults prg and network when a
// parameter set predates them).
struct Lift {
  bool uniform = false;    // labels = uniform (the null)
  bool reduction = false;  // source = reduction (examples from PRG challenges)
  static Lift from_params(const Params& params);
};
// The instance's output weights: P(s_S) with instance_seed, or (labels =
// uniform) the fair bits of the instance's own "uniform_labels" stream.
OutputBits instance_bits(Kind kind, const Network& net, Seed seed, bool uniform);

// One row of the reduction (source = reduction): its tuple (k entries),
// whether a challenge was used (false: a repeated pattern), and the
// challenge's bit y (0 when none). A function of `base` and the row index.
struct ChallengeRow {
  bool used = false;
  std::uint8_t y = 0;
};
// `seed` is the PRG's secret; `uniform` replaces y_i = P(s_{S_i}) by the
// fair bit of row i (the PRG's null).
ChallengeRow challenge_row(const Network& net, const Rng& base, std::int64_t row, bool uniform,
                           const std::vector<std::uint8_t>& seed, std::span<std::int32_t> tuple);
// The reduction's inputs and challenge bits for `rows` rows (labels are then
// simulate(net, X, y)); `used` marks the rows that consumed a challenge.
struct ChallengeExamples {
  Matrix X;
  std::vector<std::uint8_t> y;
  std::vector<char> used;
};
ChallengeExamples draw_challenge_examples(const Network& net, std::int64_t rows, const Rng& base,
                                          bool uniform, const std::vector<std::uint8_t>& seed,
                                          int threads);

// Depth-3 case fractions (marginal probabilities, which overlap): clean =
// S(x) distinct and every relevant |x_c| > 2δ; band = some |x_c| <= δ;
// annulus = min |x_c| in (δ, 2δ]; repeated = S(x) repeats an index.
struct CaseFractions {
  double clean = 0, band = 0, annulus = 0, repeated = 0;
  Json to_json() const;
};
// The case table of docs/problems.md (`prg_depth3`):
// clean = e(2δ)^R Π_{j<k}(1 − j/n), band = 1 − e(δ)^R,
// annulus = e(δ)^R − e(2δ)^R, repeated = 1 − Π_{j<k}(1 − j/n),
// e(a) = erfc(a/√2) = Pr[|x| > a].
CaseFractions predicted_cases(int n, int k, double delta);
CaseFractions measured_cases(const Network& net, const Matrix& X);

// Rows the judge scores: S(x) distinct and the noiseless label exactly
// P(s_S) u with u = 1 (depth 3: every relevant |x_c| > 2δ) or, depth 2,
// S(x) the only active sign pattern at τ = 0 with u_S > 1/2
// (Σ|x_c| − 2 min|x_c| <= R − 1 and Σ|x_c| − (R − 1) > 1/2).
std::vector<char> clean_rows(const Network& net, const Matrix& X);

// ---- what the two problems share -------------------------------------------

// The parameters both declare around their own: the predicate's and `tau`
// (documented per problem) first, `pad` and `evaluation` last.
void declare_predicate_and_tau(ParamSpec& spec, const std::string& tau_doc);
void declare_pad_and_evaluation(ParamSpec& spec);
// `labels` (prg | uniform) and `source` (network | reduction), declared last.
void declare_labels_and_source(ParamSpec& spec);
// The null both declare: labels = uniform, statistic advantage.
NullHypothesis network_null();

// "implicit" or "materialised" for the requested evaluation (auto:
// materialised when the network fits and units x F x rows <= 1e10).
// UserError when materialised is requested for a network that does not fit.
std::string evaluation_mode(const Network& net, const std::string& requested, double rows);

// An instance's network and secret with its inputs, labels and truth; the
// problem adds its task and card.
struct LabelledInstance {
  Network net;
  std::vector<std::uint8_t> secret;  // drawn under every labels (used by prg only)
  Lift lift;
  std::string evaluation;             // "implicit", "materialised" or (reduction) "simulator"
  std::int64_t challenges_train = 0;  // reduction: training rows that used a challenge
  Sizes sizes;
  Instance inst;  // problem, params, seed, train, test, truth
};
// UserError for bad sizes or parameters, and for more than 2e9 input values.
LabelledInstance generate_labelled(const Problem& problem, Kind kind, const Params& params,
                                   Seed seed, const Sizes& sizes, const GenerateContext& ctx);

// The task keys both publish (family = `family` .. hidden_width); each
// problem appends its own.
Json common_task(const std::string& family, const Network& net);
// The card both start from (base card, width, the task's geometry, the
// predicate, the evaluation), read from g.inst.task, so after the task.
Json common_card(const Problem& problem, const LabelledInstance& g);
// The fraction of the rows of X that the judge scores (clean_rows).
double clean_fraction(const Network& net, const Matrix& X);

// The judge of both problems: the seed's metrics (judge_seed), regression
// metrics, accuracy split by seen hyperedges and clean rows, and the
// simulator's failure rate on the test inputs when that is cheap.
Metrics judge_network(const std::string& name, Kind kind, const Instance& instance, const Fit& fit);

}  // namespace hardnets::prg_network
