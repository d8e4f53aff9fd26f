// Decode-then-attack: the Goldreich attacks (gf2, p5_collision, spectral_p5)
// on the lifted PRG networks prg_depth3 and prg_depth2_smoothed
// (docs/learners.md, "Attacks on local PRGs"; the networks are OUR
// RECONSTRUCTION of Daniely–Srebro–Vardi 2023, problems/prg_network.h).
//
// The networks hide nothing in their inputs: a training row x encodes its
// hyperedge S(x) in the signs of its R = kL relevant coordinates (n = 2^L,
// coordinate c = jL + l, bit b_c = 1[x_c > 0], index i_j = Σ_l b_{jL+l} 2^l;
// the p = d − R padding coordinates are ignored), and on a clean row the
// label is P(s_{S(x)}) times a gadget value that is itself a function of x.
// So each clean row is one PRG challenge (S(x), P(s_S)), and the attacks run
// unchanged on those challenges (goldreich task, index encoding). What this
// unit reads is the public task only (n, k, L, R, d, tau, predicate, table;
// delta and gate for depth 3), never the problem's code.
//
// Which rows are decoded (the others are skipped and counted by reason, the
// first that applies in this order):
//   repeated      an index repeats in S(x): no unit of the network exists for
//                 it and the label carries no bit;
//   depth 3 (label law at τ = 0: P(s_S) (1 − M Q(x))+, Q = Σ_c q_c,
//            q_c = clamp(2 − |x_c|/δ, 0, 1)):
//   band          some relevant |x_c| <= δ (q_c = 1: the gate kills the unit);
//   annulus       min |x_c| in (δ, 2δ] (q_c in (0, 1): the label is scaled by
//                 an x-dependent factor and may vanish);
//   depth 2 (u_S(x) = Σ_c (2β_c − 1) x_c − (R − 1) = Σ_c |x_c| − (R − 1),
//            label P(s_S) u_S(x) when S(x) is the only active pattern):
//   weak          u_S(x) <= 1/2 (the label's two values are too close);
//   other_pattern Σ|x_c| − 2 min|x_c| > R − 1: flipping the smallest
//                 coordinate's bit gives a second pattern with positive
//                 pre-activation, so another unit may add to the label;
//   label_margin  the label lies within kLabelMargin of the gap g around the
//                 decision point (depth 3: g = 1, point 1/2; depth 2:
//                 g = u_S(x), point u_S(x)/2).
// The decoded bit is 1[y > 1/2] (depth 3) or 1[y > u_S(x)/2] (depth 2). At
// τ = 0 a decoded row's label is exactly 0 or g (up to rounding), so the
// margin skips nothing and the decoded rows are exactly the judge's clean
// rows (prg_network::clean_rows). With parameter smoothing τ > 0 the label
// is (P(s_S) + ξ) ũ_S + b̃ with small public noise that the learner does not
// know; a flipped bit needs noise above g/2, and such a row lies within
// |noise| − g/2 of the decision point, so the margin g/4 removes every flip
// whose noise is below 3g/4, while skipping only rows whose noise exceeds
// g/4 (rows the attack could not trust anyway). The attacks verify their seed
// against all decoded challenges, so a rare flipped bit shows as found =
// false, not as a wrong seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/learners/learner.h"

namespace hardnets::prg_decode {

// Skip a row whose label lies within this fraction of the gap g of the
// decision point (see the header comment).
inline constexpr double kLabelMargin = 0.25;

enum class Kind { kDepth3, kDepth2 };

// The public task of a prg_depth3 or prg_depth2_smoothed instance.
struct NetworkTask {
  Kind kind = Kind::kDepth3;
  std::string family;
  int n = 0, k = 0, L = 0, R = 0, d = 0;
  double tau = 0;
  double delta = 0, gate = 0;  // depth 3 only
  // The PRG challenges as the attacks read them: family goldreich, index
  // encoding, the network's predicate.
  goldreich::Task prg;

  // UserError naming `who` when `task` is not a network task, a key is
  // missing or of the wrong type, or the keys disagree (n != 2^L, R != kL,
  // d < R, delta <= 0).
  static NetworkTask from_json(const Json& task, const std::string& who);
};

// Whether `task` is a prg_depth3 or prg_depth2_smoothed task (its family).
bool is_network_task(const Json& task);

enum class RowCase { kClean, kRepeated, kBand, kAnnulus, kWeak, kOtherPattern, kLabelMargin };
const char* case_name(RowCase c);

// Decodes row x (d values) with label y: S(x) into `tuple` (k entries; filled
// whatever the case) and, for a clean row, its bit into `bit`.
RowCase decode_row(const NetworkTask& task, const double* x, double y, std::int32_t* tuple,
                   std::uint8_t& bit);

struct DecodeStats {
  std::int64_t rows = 0, decoded = 0;
  std::int64_t skipped[7] = {0, 0, 0, 0, 0, 0, 0};  // by RowCase (kClean unused)
  // decode_rows, decode_decoded, decode_fraction and decode_skipped_<case>
  // for every case the kind can produce.
  void record(Kind kind, Metrics& stats) const;
};

struct Decoded {
  Dataset challenges;  // row (i_1, ..., i_k) as numbers, label P(s_S) in {0, 1}
  DecodeStats stats;
};
// Every row of `train`; UserError naming `who` when a row has not d columns.
Decoded decode(const NetworkTask& task, const Dataset& train, const std::string& who);

// The noiseless network of prg_network.h with a candidate seed ŝ: depth 3
// P(ŝ_{S(x)}) (1 − M Q(x))+, depth 2 P(ŝ_S) u_S(x)+, both 0 where S(x)
// repeats. What a decode-then-attack fit predicts, so that the judge's
// accuracy and advantage measure the recovered seed on network rows.
class NetworkSeedPredictor : public Predictor {
 public:
  NetworkSeedPredictor(NetworkTask task, std::vector<std::uint8_t> seed)
      : task_(std::move(task)), seed_(std::move(seed)) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;

 private:
  NetworkTask task_;
  std::vector<std::uint8_t> seed_;
};

// An attack on PRG challenges: fit on `challenges` with `ctx` (whose task is
// the goldreich task of the challenges).
using Attack = std::function<Fit(const Dataset& challenges, const LearnerContext& ctx)>;

// Decodes `train` (a network task's rows), runs `attack` unchanged on the
// decoded challenges, adds the decoder's statistics and replaces the
// predictor by the NetworkSeedPredictor of output["seed"]. No decoded row:
// no attack, found = false and the all-zero seed (a result, not an error).
Fit decode_then_attack(const std::string& who, const Dataset& train, const LearnerContext& ctx,
                       const Attack& attack);

}  // namespace hardnets::prg_decode
