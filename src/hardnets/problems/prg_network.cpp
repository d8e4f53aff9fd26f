#include "hardnets/problems/prg_network.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/problems/prg_hyperedge.h"
#include "hardnets/problems/teacher.h"

namespace hardnets::prg_network {
namespace {

constexpr std::uint64_t kMaxMaterialisedUnits = std::uint64_t{1} << 20;
constexpr double kMaxMaterialisedBytes = 1024.0 * 1024.0 * 1024.0;
constexpr double kMaxLayer1Values = 1 << 27;  // the dense smoothed H x d layer 1
// Auto evaluation materialises when units x F x rows stays below this.
constexpr double kAutoMaterialisedWork = 1e10;
// The judge audits the simulator when units x F x n_test stays below this.
constexpr double kJudgeAuditWork = 1e9;
// Layer-1 biases of the six units reading one coordinate, t = x_c / δ:
// A = (t)+, B = (t−1)+, T1..T4 = (t+2)+, (t+1)+, (t−1)+, (t−2)+.
constexpr double kLayer1Offsets[6] = {0.0, -1.0, 2.0, 1.0, -1.0, -2.0};

const char* kind_name(Kind kind) {
  return kind == Kind::kDepth3 ? "prg_depth3" : "prg_depth2_smoothed";
}

Rng network_root(Kind kind, Seed seed) {
  return Rng(seed, stream_id(kind_name(kind)));
}

void check_input(const Network& net, const Matrix& X) {
  if (X.cols() != net.d()) {
    fail("{}: inputs have d = {} coordinates (R = {} relevant + {} padding), got {}", net.owner(),
         net.d(), net.R(), net.pad(), X.cols());
  }
}

// The shared evaluator of the implicit network and the simulator: per row,
// decode S(x), draw unit S's row, and output (bit + ξ3_S) ũ_S + b̃3, where
// `bit(row, rank, tuple)` supplies the clean output weight (P(s_S), the
// null's fair bit b_S, or the simulator's y_row).
template <typename Bit>
Vector evaluate_decoded(const Network& net, const Matrix& X, int threads, Bit&& bit) {
  check_input(net, X);
  const std::int64_t rows = X.rows();
  const std::int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int F = net.features(), k = net.k();
  Vector y(rows);
  parallel_for(blocks, threads, [&](std::int64_t b0, std::int64_t b1) {
    std::vector<double> unit(static_cast<std::size_t>(net.row_capacity()));
    std::int32_t tuple[goldreich::kMaxArity];
    const std::span<const std::int32_t> edge(tuple, static_cast<std::size_t>(k));
    Matrix H;
    for (std::int64_t b = b0; b < b1; ++b) {
      const std::int64_t start = b * kBlockRows, count = std::min(kBlockRows, rows - start);
      net.layer1(X, start, count, H);
      for (std::int64_t i = 0; i < count; ++i) {
        const std::int64_t r = start + i;
        double acc = 0.0;
        if (net.decode(X.row(r).data(), tuple)) {
          const std::uint64_t rank = goldreich::rank_tuple(edge, net.n());
          net.unit_row(rank, edge, unit);
          const double pre = unit_preactivation(unit.data(), H.row(i).data(), F, net.group(),
                                                unit[static_cast<std::size_t>(F)]);
          const double u = pre > 0.0 ? pre : 0.0;
          const double w3 =
              static_cast<double>(bit(r, rank, edge)) + unit[static_cast<std::size_t>(F + 1)];
          acc += w3 * u;
        }
        y[r] = acc + net.output_bias();
      }
    }
  });
  return y;
}

void check_materialisable(const Network& net) {
  if (materialisable(net)) return;
  fail(
      "{}: evaluation = materialised holds n^(k) = {} layer-2 units x {} weights ({:.3g} GiB); "
      "the limits are 2^20 units and 1 GiB (use evaluation = implicit)",
      net.owner(), net.units(), net.features() + 2,
      static_cast<double>(net.units()) * (net.features() + 3) * 8.0 / kMaxMaterialisedBytes);
}

}  // namespace

// ---------------------------------------------------------------------------
// Network

Network Network::from_params(Kind kind, const Params& params, Seed seed) {
  Network net;
  net.kind_ = kind;
  net.owner_ = kind_name(kind);
  const std::string& who = net.owner_;
  const std::int64_t n = params.integer("n");
  if (!std::has_single_bit(static_cast<std::uint64_t>(n))) {
    fail("{}: n must be a power of 2 (each index i_j is read from log2(n) sign bits), got n = {}",
         who, n);
  }
  net.predicate_ = goldreich::predicate_from_params(params, who);
  const int k = net.predicate_.k;
  if (k > n) fail("{}: k = {} distinct indices need n >= k, got n = {}", who, k, n);
  net.n_ = static_cast<int>(n);
  net.L_ = std::countr_zero(static_cast<std::uint64_t>(n));
  net.R_ = k * net.L_;
  double log2_units = 0;
  for (int j = 0; j < k; ++j) log2_units += std::log2(static_cast<double>(n - j));
  if (log2_units >= 63) {
    fail("{}: n^(k) = {:.3g} layer-2 units do not fit 64-bit ranks (n = {}, k = {})", who,
         std::exp2(log2_units), n, k);
  }
  net.units_ = goldreich::falling(net.n_, k);
  const std::int64_t pad = params.integer("pad") < 0 ? n : params.integer("pad");
  net.d_ = net.R_ + static_cast<int>(pad);
  net.F_ = kind == Kind::kDepth3 ? 6 * net.R_ : net.d_;
  net.tau_ = params.real("tau");
  if (kind == Kind::kDepth3) {
    net.delta_ = params.real("delta") == 0 ? 0.1 / net.R_ : params.real("delta");
    net.gate_ = params.real("gate");
  } else {
    net.omega_ = params.real("omega");
    net.hypercube_base_ = params.text("base") == "hypercube";
  }
  const Rng smoothing = network_root(kind, seed).substream("smoothing");
  net.layer2_ = smoothing.substream("units");
  if (net.tau_ == 0) return net;

  Rng output = smoothing.substream("output");
  net.b3_ = net.tau_ * output.normal();
  if (kind == Kind::kDepth3) {
    const Eigen::Index H = net.F_, d = net.d_;
    if (static_cast<double>(H) * static_cast<double>(d) > kMaxLayer1Values) {
      fail(
          "{}: tau > 0 makes layer 1 a dense H x d = {} x {} matrix, above the limit of 2^27 "
          "entries (use a smaller pad or n)",
          who, H, d);
    }
    // Row-major W1 then b1, as ReluNet::flat orders them.
    std::vector<double> g(static_cast<std::size_t>(H * d + H));
    Rng layer1 = smoothing.substream("layer1");
    layer1.fill_normal(g);
    net.W1_ = Eigen::MatrixXd::Zero(H, d);
    net.b1_.resize(H);
    const double inv = 1.0 / net.delta_;
    for (Eigen::Index u = 0; u < H; ++u) {
      for (Eigen::Index j = 0; j < d; ++j) {
        const double base = j == u / 6 ? inv : 0.0;
        net.W1_(u, j) = base + net.tau_ * g[static_cast<std::size_t>(u * d + j)];
      }
      net.b1_[u] = kLayer1Offsets[u % 6] + net.tau_ * g[static_cast<std::size_t>(H * d + u)];
    }
  }
  return net;
}

void Network::layer1(const Matrix& X, Eigen::Index start, Eigen::Index count, Matrix& H) const {
  if (kind_ == Kind::kDepth2) {
    H = X.middleRows(start, count);
    return;
  }
  H.resize(count, F_);  // a no-op for a buffer of the same size: no fresh pages
  if (tau_ == 0) {
    // One nonzero weight 1/δ per unit: the dense product reduces to it exactly.
    const double inv = 1.0 / delta_;
    constexpr Eigen::Index kAhead = 8;  // wide padded rows: fetch the relevant part early
    for (Eigen::Index i = 0; i < count; ++i) {
      if (start + i + kAhead < X.rows()) {
        const double* next = X.row(start + i + kAhead).data();
        for (int c = 0; c < R_; c += 8) __builtin_prefetch(next + c);
      }
      const double* x = X.row(start + i).data();
      double* h = H.row(i).data();
      for (int c = 0; c < R_; ++c) {
        const double t = inv * x[c];
        for (int u = 0; u < 6; ++u) h[6 * c + u] = std::max(t + kLayer1Offsets[u], 0.0);
      }
    }
    return;
  }
  H.noalias() = X.middleRows(start, count) * W1_.transpose();
  for (Eigen::Index i = 0; i < count; ++i) {
    double* h = H.row(i).data();
    for (int u = 0; u < F_; ++u) h[u] = std::max(h[u] + b1_[u], 0.0);
  }
}

bool Network::decode(const double* x, std::int32_t* tuple) const {
  const int k = predicate_.k;
  for (int j = 0; j < k; ++j) {
    std::int32_t index = 0;
    for (int l = 0; l < L_; ++l) {
      if (x[j * L_ + l] > 0.0) index |= std::int32_t{1} << l;
    }
    tuple[j] = index;
    for (int u = 0; u < j; ++u) {
      if (tuple[u] == index) return false;
    }
  }
  return true;
}

void Network::unit_row(std::uint64_t rank, std::span<const std::int32_t> tuple,
                       std::span<double> out) const {
  // Noise first (τ ξ, drawn alone from substream `rank`), then the base
  // values added: out = base + τ ξ.
  if (tau_ > 0) {
    // fill_normal's first values do not depend on how many follow, so the
    // row is drawn in whole batches of 16 (faster; `out` has room for them).
    Rng rng = layer2_.substream(rank);
    rng.fill_normal(out.subspan(0, static_cast<std::size_t>(row_capacity())));
    for (int j = 0; j < F_ + 2; ++j) out[static_cast<std::size_t>(j)] *= tau_;
  } else {
    std::fill(out.begin(), out.begin() + F_ + 2, 0.0);
  }
  double* w = out.data();
  int ones = 0;
  for (int j = 0; j < predicate_.k; ++j) {
    for (int l = 0; l < L_; ++l) {
      const int c = j * L_ + l;
      const int bit = (tuple[static_cast<std::size_t>(j)] >> l) & 1;
      ones += bit;
      if (kind_ == Kind::kDepth2) {
        w[c] = (bit ? 1.0 : -1.0) + w[c];
        continue;
      }
      // 2(2β − 1) on the ramp A − B, −M on the bump T1 − T2 − T3 + T4.
      const double s = bit ? 2.0 : -2.0;
      double* v = w + 6 * c;
      v[0] = s + v[0];
      v[1] = -s + v[1];
      v[2] = -gate_ + v[2];
      v[3] = gate_ + v[3];
      v[4] = gate_ + v[4];
      v[5] = -gate_ + v[5];
    }
  }
  const double bias = kind_ == Kind::kDepth3 ? 1.0 - 2.0 * ones : -(R_ - 1.0);
  w[F_] = bias + w[F_];
  // w[F_ + 1] stays the noise ξ3_S of the output weight.
}

[[gnu::noinline]] double unit_preactivation(const double* w, const double* h, int count, int group,
                                            double bias) {
  if (group > 1) {
    // Depth 3: the six terms of one coordinate cancel to O(1) (exactly, at
    // τ = 0, where every term is exact), so each group is summed first, then
    // the group sums in order. Four groups are summed side by side (the same
    // operations, more of them in flight).
    double total = 0.0;
    const int groups = count / group;
    int g = 0;
    for (; g + 4 <= groups; g += 4) {
      double s[4] = {0.0, 0.0, 0.0, 0.0};
      for (int u = 0; u < group; ++u) {
        for (int q = 0; q < 4; ++q) {
          const int j = (g + q) * group + u;
          s[q] += w[j] * h[j];
        }
      }
      total += s[0];
      total += s[1];
      total += s[2];
      total += s[3];
    }
    for (; g < groups; ++g) {
      double s = 0.0;
      for (int u = 0; u < group; ++u) s += w[g * group + u] * h[g * group + u];
      total += s;
    }
    return total + bias;
  }
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int j = 0;
  for (; j + 4 <= count; j += 4) {
    s0 += w[j] * h[j];
    s1 += w[j + 1] * h[j + 1];
    s2 += w[j + 2] * h[j + 2];
    s3 += w[j + 3] * h[j + 3];
  }
  for (; j < count; ++j) s0 += w[j] * h[j];
  return ((s0 + s1) + (s2 + s3)) + bias;
}

// ---------------------------------------------------------------------------
// Labels

OutputBits OutputBits::prg(goldreich::Predicate p, std::vector<std::uint8_t> seed) {
  OutputBits bits;
  bits.predicate_ = std::move(p);
  bits.seed_ = std::move(seed);
  return bits;
}

OutputBits OutputBits::uniform(const Rng& coins) {
  OutputBits bits;
  bits.uniform_ = true;
  bits.coins_ = coins;
  return bits;
}

std::uint8_t OutputBits::operator()(std::uint64_t rank, std::span<const std::int32_t> tuple) const {
  if (uniform_) {
    Rng coin = coins_.substream(rank);
    return static_cast<std::uint8_t>(coin.next_u64() >> 63);
  }
  return static_cast<std::uint8_t>(predicate_(goldreich::pattern(tuple, seed_)));
}

std::vector<std::uint8_t> hidden_bits(const Network& net, const std::vector<std::uint8_t>& seed,
                                      const Matrix& X) {
  return hidden_bits_with(net, OutputBits::prg(net.predicate(), seed), X);
}

std::vector<std::uint8_t> hidden_bits_with(const Network& net, const OutputBits& bits,
                                           const Matrix& X) {
  check_input(net, X);
  std::vector<std::uint8_t> y(static_cast<std::size_t>(X.rows()), 0);
  std::int32_t tuple[goldreich::kMaxArity];
  const std::span<const std::int32_t> edge(tuple, static_cast<std::size_t>(net.k()));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (net.decode(X.row(i).data(), tuple)) {
      y[static_cast<std::size_t>(i)] = bits(goldreich::rank_tuple(edge, net.n()), edge);
    }
  }
  return y;
}

Vector simulate(const Network& net, const Matrix& X, const std::vector<std::uint8_t>& y,
                int threads) {
  if (static_cast<Eigen::Index>(y.size()) != X.rows()) {
    fail("{}: the simulator needs one bit per input row, got {} bits for {} rows", net.owner(),
         y.size(), X.rows());
  }
  return evaluate_decoded(net, X, threads,
                          [&](std::int64_t row, std::uint64_t, std::span<const std::int32_t>) {
                            return y[static_cast<std::size_t>(row)];
                          });
}

Vector label_implicit(const Network& net, const std::vector<std::uint8_t>& seed, const Matrix& X,
                      int threads) {
  return label_implicit_with(net, OutputBits::prg(net.predicate(), seed), X, threads);
}

Vector label_implicit_with(const Network& net, const OutputBits& bits, const Matrix& X,
                           int threads) {
  return evaluate_decoded(
      net, X, threads, [&](std::int64_t, std::uint64_t rank, std::span<const std::int32_t> edge) {
        return bits(rank, edge);
      });
}

// ---------------------------------------------------------------------------
// Materialised

bool materialisable(const Network& net) {
  return net.units() <= kMaxMaterialisedUnits &&
         static_cast<double>(net.units()) * (net.features() + 3) * 8.0 <= kMaxMaterialisedBytes;
}

Materialised::Materialised(const Network& net, const std::vector<std::uint8_t>& seed, int threads)
    : Materialised(net, OutputBits::prg(net.predicate(), seed), threads) {}

Materialised::Materialised(const Network& net, OutputBits bits, int threads)
    : net_(net), bits_(std::move(bits)) {
  check_materialisable(net);
  const auto units = static_cast<Eigen::Index>(net.units());
  const int F = net.features(), k = net.k();
  W2_.resize(units, F);
  b2_.resize(units);
  w3_.resize(units);
  parallel_for(units, threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> row(static_cast<std::size_t>(net.row_capacity()));
    std::int32_t tuple[goldreich::kMaxArity];
    const std::span<std::int32_t> edge(tuple, static_cast<std::size_t>(k));
    for (std::int64_t r = begin; r < end; ++r) {
      goldreich::unrank_tuple(static_cast<std::uint64_t>(r), net.n(), k, edge);
      net.unit_row(static_cast<std::uint64_t>(r), edge, row);
      std::copy(row.begin(), row.begin() + F, W2_.row(r).data());
      b2_[r] = row[static_cast<std::size_t>(F)];
      // The same expression as the implicit evaluator's w3.
      w3_[r] = static_cast<double>(bits_(static_cast<std::uint64_t>(r), edge)) +
               row[static_cast<std::size_t>(F + 1)];
    }
  });
  max_w2_ = W2_.cwiseAbs().maxCoeff();
  max_b2_ = b2_.cwiseAbs().maxCoeff();
}

std::vector<Materialised::Row> Materialised::evaluate(const Matrix& X, int threads) const {
  check_input(net_, X);
  const std::int64_t rows = X.rows();
  const std::int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const Eigen::Index units = W2_.rows();
  const int F = net_.features();
  constexpr Eigen::Index kUnitChunk = 2048;
  // |computed − exact| <= γ (Σ|w||h| + |b|) for any summation order, with
  // γ = m u / (1 − m u), m = F + 2 operations, u = 2^-53. A unit whose GEMM
  // pre-activation is below −4γ(max|W2| Σ|h| + max|b2|) is dead under the
  // exact kernel too; every other unit is recomputed with it.
  const double eps = std::ldexp(1.0, -53);
  const double gamma = (F + 2) * eps / (1.0 - (F + 2) * eps);
  std::vector<Row> out(static_cast<std::size_t>(rows));
  parallel_for(blocks, threads, [&](std::int64_t b0, std::int64_t b1) {
    Matrix P, H;
    for (std::int64_t b = b0; b < b1; ++b) {
      const std::int64_t start = b * kBlockRows, count = std::min(kBlockRows, rows - start);
      net_.layer1(X, start, count, H);
      std::vector<double> threshold(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) {
        threshold[static_cast<std::size_t>(i)] =
            4.0 * gamma * (max_w2_ * H.row(i).cwiseAbs().sum() + max_b2_) + 1e-300;
      }
      std::vector<std::vector<std::pair<std::uint64_t, double>>> active(
          static_cast<std::size_t>(count));
      for (Eigen::Index u0 = 0; u0 < units; u0 += kUnitChunk) {
        const Eigen::Index uc = std::min(kUnitChunk, units - u0);
        P.noalias() = H * W2_.middleRows(u0, uc).transpose();
        for (std::int64_t i = 0; i < count; ++i) {
          const double thr = threshold[static_cast<std::size_t>(i)];
          for (Eigen::Index u = 0; u < uc; ++u) {
            if (P(i, u) + b2_[u0 + u] <= -thr) continue;
            const double pre = unit_preactivation(W2_.row(u0 + u).data(), H.row(i).data(), F,
                                                  net_.group(), b2_[u0 + u]);
            if (pre > 0.0) {
              active[static_cast<std::size_t>(i)].emplace_back(static_cast<std::uint64_t>(u0 + u),
                                                               pre);
            }
          }
        }
      }
      // Σ_S w̃3_S ũ_S in rank order; the dead units add exact zeros, skipped.
      for (std::int64_t i = 0; i < count; ++i) {
        Row& row = out[static_cast<std::size_t>(start + i)];
        double acc = 0.0;
        for (const auto& [rank, value] : active[static_cast<std::size_t>(i)]) {
          acc += w3_[static_cast<Eigen::Index>(rank)] * value;
          row.active.push_back(rank);
        }
        row.value = acc + net_.output_bias();
      }
    }
  });
  return out;
}

Vector Materialised::forward(const Matrix& X, int threads) const {
  const auto rows = evaluate(X, threads);
  Vector y(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) y[static_cast<Eigen::Index>(i)] = rows[i].value;
  return y;
}

ReluNet Materialised::relu_net() const {
  const int d = net_.d(), F = net_.features();
  const int units = static_cast<int>(W2_.rows());
  const bool deep = net_.kind() == Kind::kDepth3;
  ReluNet out(deep ? std::vector<int>{d, F, units, 1} : std::vector<int>{d, units, 1});
  auto& layers = out.layers();
  std::size_t l = 0;
  if (deep) {
    if (net_.tau() > 0) {
      layers[0].W = net_.W1();
      layers[0].b = net_.b1();
    } else {
      for (int u = 0; u < F; ++u) {
        layers[0].W(u, u / 6) = 1.0 / net_.delta();
        layers[0].b[u] = kLayer1Offsets[u % 6];
      }
    }
    l = 1;
  }
  layers[l].W = W2_;
  layers[l].b = b2_;
  layers[l + 1].W = w3_.transpose();
  layers[l + 1].b[0] = net_.output_bias();
  return out;
}

SimulatorAudit audit_simulator(const Materialised& mat, const Matrix& X, int threads) {
  const Network& net = mat.network();
  const auto truth = mat.evaluate(X, threads);
  const Vector sim = simulate(net, X, hidden_bits_with(net, mat.bits(), X), threads);
  SimulatorAudit audit;
  audit.inputs = X.rows();
  std::int32_t tuple[goldreich::kMaxArity];
  const std::span<const std::int32_t> edge(tuple, static_cast<std::size_t>(net.k()));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const auto& row = truth[static_cast<std::size_t>(i)];
    const bool distinct = net.decode(X.row(i).data(), tuple);
    const bool multi = row.active.size() >= 2;
    const bool wrong = row.active.size() == 1 &&
                       (!distinct || row.active[0] != goldreich::rank_tuple(edge, net.n()));
    const bool mismatch =
        std::bit_cast<std::uint64_t>(sim[i]) != std::bit_cast<std::uint64_t>(row.value);
    audit.multi_active += multi;
    audit.wrong_unit += wrong;
    audit.exactly_one += row.active.size() == 1;
    audit.mismatched += mismatch;
    audit.failures += multi || wrong || mismatch;
    audit.max_abs_difference = std::max(audit.max_abs_difference, std::abs(sim[i] - row.value));
  }
  return audit;
}

std::vector<std::uint8_t> instance_seed(Kind kind, Seed seed, int n) {
  return goldreich::draw_seed(n, network_root(kind, seed).substream("seed"));
}

// ---------------------------------------------------------------------------
// The labels and the source of an instance

Lift Lift::from_params(const Params& params) {
  Lift lift;
  lift.uniform = params.has("labels") && params.text("labels") == "uniform";
  lift.reduction = params.has("source") && params.text("source") == "reduction";
  return lift;
}

OutputBits instance_bits(Kind kind, const Network& net, Seed seed, bool uniform) {
  if (uniform) return OutputBits::uniform(network_root(kind, seed).substream("uniform_labels"));
  return OutputBits::prg(net.predicate(), instance_seed(kind, seed, net.n()));
}

ChallengeRow challenge_row(const Network& net, const Rng& base, std::int64_t row, bool uniform,
                           const std::vector<std::uint8_t>& seed, std::span<std::int32_t> tuple) {
  const int n = net.n(), k = net.k();
  const auto r = static_cast<std::uint64_t>(row);
  ChallengeRow out;
  if (net.kind() == Kind::kDepth3 || net.hypercube_base()) {
    // The sign pattern is uniform over {0,1}^R, i.e. u uniform over [n]^k.
    // A repeated u is the row's tuple (the network labels it b̃3 whatever y
    // is, so no challenge is spent); a distinct u is replaced by the
    // challenge's S_i, which has the same law (uniform distinct tuples).
    Rng pattern = base.substream("patterns").substream(r);
    bool repeated = false;
    for (int j = 0; j < k; ++j) {
      tuple[static_cast<std::size_t>(j)] =
          static_cast<std::int32_t>(pattern.uniform_int(static_cast<std::uint64_t>(n)));
      for (int u = 0; u < j; ++u) {
        repeated =
            repeated || tuple[static_cast<std::size_t>(u)] == tuple[static_cast<std::size_t>(j)];
      }
    }
    if (repeated) return out;
  }
  Rng edge = base.substream("edges").substream(r);
  goldreich::draw_edge(n, k, edge, tuple);
  out.used = true;
  if (uniform) {
    // The null: a fresh fair bit per challenge, whatever S_i is.
    Rng coin = base.substream("coins").substream(r);
    out.y = static_cast<std::uint8_t>(coin.next_u64() >> 63);
  } else {
    out.y = static_cast<std::uint8_t>(net.predicate()(goldreich::pattern(tuple, seed)));
  }
  return out;
}

ChallengeExamples draw_challenge_examples(const Network& net, std::int64_t rows, const Rng& base,
                                          bool uniform, const std::vector<std::uint8_t>& seed,
                                          int threads) {
  ChallengeExamples ex;
  ex.X = draw_inputs("gaussian", rows, net.d(), base.substream("gaussian"), threads);
  ex.y.assign(static_cast<std::size_t>(rows), 0);
  ex.used.assign(static_cast<std::size_t>(rows), 0);
  const int k = net.k(), L = net.L();
  const bool deep = net.kind() == Kind::kDepth3;
  parallel_for(rows, threads, [&](std::int64_t begin, std::int64_t end) {
    std::int32_t tuple[goldreich::kMaxArity];
    for (std::int64_t i = begin; i < end; ++i) {
      const ChallengeRow c =
          challenge_row(net, base, i, uniform, seed, {tuple, static_cast<std::size_t>(k)});
      ex.y[static_cast<std::size_t>(i)] = c.y;
      ex.used[static_cast<std::size_t>(i)] = c.used;
      double* x = ex.X.row(i).data();
      if (!deep) {
        for (int c2 = 0; c2 < net.d(); ++c2) x[c2] *= net.omega();
      }
      for (int j = 0; j < k; ++j) {
        for (int l = 0; l < L; ++l) {
          const double sign = ((tuple[j] >> l) & 1) ? 1.0 : -1.0;
          // Depth 3: x_c = (2β_c − 1)|g_c| (uniform signs independent of
          // |g_c|: x ~ N(0, I_d)); depth 2: x = μ(S) + ω ζ.
          double& v = x[j * L + l];
          v = deep ? sign * std::abs(v) : v + sign;
        }
      }
    }
  });
  return ex;
}

double simulator_failure_rate(Kind kind, const Params& params, Seed seed, std::int64_t inputs,
                              int threads) {
  const Network net = Network::from_params(kind, params, seed);
  const Matrix X =
      draw_network_inputs(net, inputs, network_root(kind, seed).substream("audit_inputs"), threads);
  const Materialised mat(net, instance_seed(kind, seed, net.n()), threads);
  return audit_simulator(mat, X, threads).failure_rate();
}

// ---------------------------------------------------------------------------
// Inputs, cases, clean rows

Matrix draw_network_inputs(const Network& net, std::int64_t rows, const Rng& base, int threads) {
  Matrix X = draw_inputs("gaussian", rows, net.d(), base.substream("gaussian"), threads);
  if (net.kind() == Kind::kDepth3) return X;
  // x = μ(S0) + ω ζ; S0 from row i's own substream.
  const Rng tuples = base.substream("tuples");
  const int n = net.n(), k = net.k(), L = net.L();
  parallel_for(rows, threads, [&](std::int64_t begin, std::int64_t end) {
    std::int32_t tuple[goldreich::kMaxArity];
    for (std::int64_t i = begin; i < end; ++i) {
      Rng rng = tuples.substream(static_cast<std::uint64_t>(i));
      if (net.hypercube_base()) {
        for (int j = 0; j < k; ++j) {
          tuple[j] = static_cast<std::int32_t>(rng.uniform_int(static_cast<std::uint64_t>(n)));
        }
      } else {
        goldreich::draw_edge(n, k, rng, {tuple, static_cast<std::size_t>(k)});
      }
      double* x = X.row(i).data();
      for (int c = 0; c < net.d(); ++c) x[c] *= net.omega();
      for (int j = 0; j < k; ++j) {
        for (int l = 0; l < L; ++l) x[j * L + l] += ((tuple[j] >> l) & 1) ? 1.0 : -1.0;
      }
    }
  });
  return X;
}

Json CaseFractions::to_json() const {
  return Json{{"clean", clean}, {"band", band}, {"annulus", annulus}, {"repeated", repeated}};
}

CaseFractions predicted_cases(int n, int k, double delta) {
  const int R = k * std::countr_zero(static_cast<std::uint64_t>(n));
  auto e = [](double a) { return std::erfc(a / std::sqrt(2.0)); };
  double distinct = 1;
  for (int j = 1; j < k; ++j) distinct *= 1.0 - static_cast<double>(j) / n;
  CaseFractions f;
  f.clean = std::pow(e(2 * delta), R) * distinct;
  f.band = 1.0 - std::pow(e(delta), R);
  f.annulus = std::pow(e(delta), R) - std::pow(e(2 * delta), R);
  f.repeated = 1.0 - distinct;
  return f;
}

namespace {

// min_c |x_c| and Σ_c |x_c| over the relevant coordinates.
std::pair<double, double> relevant_magnitudes(const Network& net, const double* x) {
  double lo = std::numeric_limits<double>::infinity(), sum = 0;
  for (int c = 0; c < net.R(); ++c) {
    lo = std::min(lo, std::abs(x[c]));
    sum += std::abs(x[c]);
  }
  return {lo, sum};
}

}  // namespace

CaseFractions measured_cases(const Network& net, const Matrix& X) {
  check_input(net, X);
  CaseFractions f;
  std::int32_t tuple[goldreich::kMaxArity];
  const double delta = net.delta();
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const bool distinct = net.decode(X.row(i).data(), tuple);
    const double lo = relevant_magnitudes(net, X.row(i).data()).first;
    f.band += lo <= delta;
    f.annulus += lo > delta && lo <= 2 * delta;
    f.clean += distinct && lo > 2 * delta;
    f.repeated += !distinct;
  }
  const double rows = std::max<double>(1.0, static_cast<double>(X.rows()));
  f.clean /= rows;
  f.band /= rows;
  f.annulus /= rows;
  f.repeated /= rows;
  return f;
}

std::vector<char> clean_rows(const Network& net, const Matrix& X) {
  check_input(net, X);
  std::vector<char> clean(static_cast<std::size_t>(X.rows()), 0);
  std::int32_t tuple[goldreich::kMaxArity];
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (!net.decode(X.row(i).data(), tuple)) continue;
    const auto [lo, sum] = relevant_magnitudes(net, X.row(i).data());
    clean[static_cast<std::size_t>(i)] =
        net.kind() == Kind::kDepth3 ? lo > 2 * net.delta()
                                    : sum - 2 * lo <= net.R() - 1.0 && sum - (net.R() - 1.0) > 0.5;
  }
  return clean;
}

// ---------------------------------------------------------------------------
// What the two problems share

void declare_predicate_and_tau(ParamSpec& spec, const std::string& tau_doc) {
  goldreich::declare_predicate_params(spec);
  spec.real("tau", 0.0, 0.0, 1e6, tau_doc);
}

void declare_pad_and_evaluation(ParamSpec& spec) {
  spec.integer("pad", -1, -1, 1 << 24,
               "padding coordinates p, d = R + p (R = k log2 n); -1 = n (p >= n keeps the "
               "width n^(k) <= d^k)")
      .choice("evaluation", "auto", {"auto", "implicit", "materialised"},
              "labels from the active unit only (implicit), from every unit (materialised), "
              "or materialised when n^(k) <= 2^20 and the work is small (auto)");
}

void declare_labels_and_source(ParamSpec& spec) {
  spec.choice("labels", "prg", {"prg", "uniform"},
              "prg: output weights P(s_S); uniform: an independent fair bit per tuple S in their "
              "place (the distinguisher's null; with source = reduction a fair bit per challenge)")
      .choice("source", "network", {"network", "reduction"},
              "network: x from the input law, labelled by the network; reduction: every example "
              "made from a PRG challenge (S_i, y_i) and labelled by the simulator (exact where "
              "the simulator is)");
}

NullHypothesis network_null() {
  return NullHypothesis{"labels", "uniform", "advantage", false,
                        "the same public network with its output weights P(s_S) replaced by "
                        "independent fair bits (per challenge under source = reduction)"};
}

std::string evaluation_mode(const Network& net, const std::string& requested, double rows) {
  if (requested == "implicit") return requested;
  if (requested == "materialised") {
    check_materialisable(net);
    return requested;
  }
  const double work = static_cast<double>(net.units()) * net.features() * rows;
  return materialisable(net) && work <= kAutoMaterialisedWork ? "materialised" : "implicit";
}

namespace {

// source = network: inputs from the problem's law, labelled by the network
// (output weights P(s_S) or the null's fair bits) in the evaluation mode.
void label_from_network(LabelledInstance& g, Kind kind, int threads) {
  const Network& net = g.net;
  Instance& inst = g.inst;
  const Rng root = network_root(kind, inst.seed);
  inst.train.X = draw_network_inputs(net, g.sizes.n_train, root.substream("train_inputs"), threads);
  inst.test.X = draw_network_inputs(net, g.sizes.n_test, root.substream("test_inputs"), threads);
  const OutputBits bits = g.lift.uniform ? instance_bits(kind, net, inst.seed, true)
                                         : OutputBits::prg(net.predicate(), g.secret);
  if (g.evaluation == "materialised") {
    const Materialised mat(net, bits, threads);
    inst.train.y = mat.forward(inst.train.X, threads);
    inst.test.y = mat.forward(inst.test.X, threads);
  } else {
    inst.train.y = label_implicit_with(net, bits, inst.train.X, threads);
    inst.test.y = label_implicit_with(net, bits, inst.test.X, threads);
  }
}

// source = reduction: every example from a PRG challenge, labelled by the
// simulator given only y_i (the judge redraws the test challenges' bits).
void label_from_challenges(LabelledInstance& g, const Rng& root, int threads) {
  const Network& net = g.net;
  Instance& inst = g.inst;
  for (Dataset* d : {&inst.train, &inst.test}) {
    const bool train = d == &inst.train;
    ChallengeExamples ex =
        draw_challenge_examples(net, train ? g.sizes.n_train : g.sizes.n_test,
                                root.substream(train ? "train_challenges" : "test_challenges"),
                                g.lift.uniform, g.secret, threads);
    d->X = std::move(ex.X);
    d->y = simulate(net, d->X, ex.y, threads);
    if (train) g.challenges_train = std::count(ex.used.begin(), ex.used.end(), 1);
  }
}

}  // namespace

LabelledInstance generate_labelled(const Problem& problem, Kind kind, const Params& params,
                                   Seed seed, const Sizes& sizes, const GenerateContext& ctx) {
  const std::string name = problem.name();
  check_sizes(name, sizes);
  LabelledInstance g;
  g.net = Network::from_params(kind, params, seed);
  const Network& net = g.net;
  const double rows = static_cast<double>(sizes.n_train + sizes.n_test);
  if (rows * net.d() > 2e9) {
    fail("{}: d * (n_train + n_test) = {:.3g} values is too large (limit 2e9)", name,
         rows * net.d());
  }
  g.lift = Lift::from_params(params);
  if (g.lift.reduction) {
    // The reduction has one labeller, the simulator: a choice of evaluator
    // would be silently ignored.
    if (params.text("evaluation") != "auto") {
      fail(
          "{}: source = reduction labels every example with the reduction's simulator; "
          "evaluation = {} applies to source = network only (leave evaluation = auto)",
          name, params.text("evaluation"));
    }
    g.evaluation = "simulator";
  } else {
    g.evaluation = evaluation_mode(net, params.text("evaluation"), rows);
  }
  g.sizes = sizes;
  const Rng root = network_root(kind, seed);
  g.secret = instance_seed(kind, seed, net.n());

  Instance& inst = g.inst;
  inst.problem = name;
  inst.params = params;
  inst.seed = seed;
  if (g.lift.reduction) {
    label_from_challenges(g, root, ctx.threads);
  } else {
    label_from_network(g, kind, ctx.threads);
  }
  // Under the null the labels follow no seed: the truth says so instead.
  inst.truth = g.lift.uniform ? Json{{"labels", "uniform"}}
                              : Json{{"seed", goldreich::seed_to_string(g.secret)}};
  return g;
}

Json common_task(const std::string& family, const Network& net) {
  const auto& p = net.predicate();
  return Json{{"family", family},
              {"n", net.n()},
              {"k", p.k},
              {"predicate", p.label()},
              {"table", p.hex()},
              {"pad", net.pad()},
              {"tau", net.tau()},
              {"d", net.d()},
              {"L", net.L()},
              {"R", net.R()},
              {kHiddenWidth.name, net.units()}};
}

Json common_card(const Problem& problem, const LabelledInstance& g) {
  const Network& net = g.net;
  const Instance& inst = g.inst;
  Json card = base_card(problem, inst.params, inst.seed, g.sizes);
  card["width"] = net.units();
  for (const char* key : {"d", "L", "R", "tau", "H", "delta", "gate", "omega"}) {
    if (inst.task.contains(key)) card[key] = inst.task[key];
  }
  card["pad"] = net.pad();
  card["predicate"] = net.predicate().label();
  card["k"] = net.k();
  card["table"] = net.predicate().hex();
  card["evaluation"] = g.evaluation;
  card["labels"] = g.lift.uniform ? "uniform" : "prg";
  card["source"] = g.lift.reduction ? "reduction" : "network";
  if (g.lift.reduction) {
    card["challenges_used_train"] = g.challenges_train;
    card["reduction_labels"] =
        "the simulator's, given y_i alone: exactly the network's labels where the simulator is "
        "exact (depth 3: tau <~ 0.01 delta; the judge reports simulator_failure_rate)";
  }
  return card;
}

double clean_fraction(const Network& net, const Matrix& X) {
  const auto clean = clean_rows(net, X);
  return static_cast<double>(std::count(clean.begin(), clean.end(), 1)) /
         static_cast<double>(X.rows());
}

namespace {

// The y_i of the test set's challenges (source = reduction), redrawn from the
// instance's stream: what the simulator labelled each row with.
std::vector<std::uint8_t> challenge_bits(const Network& net, const Instance& instance,
                                         const Lift& lift,
                                         const std::vector<std::uint8_t>& secret) {
  const Rng base = network_root(net.kind(), instance.seed).substream("test_challenges");
  std::vector<std::uint8_t> y(static_cast<std::size_t>(instance.test.X.rows()));
  std::int32_t tuple[goldreich::kMaxArity];
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = challenge_row(net, base, static_cast<std::int64_t>(i), lift.uniform, secret,
                         {tuple, static_cast<std::size_t>(net.k())})
               .y;
  }
  return y;
}

}  // namespace

Metrics judge_network(const std::string& name, Kind kind, const Instance& instance,
                      const Fit& fit) {
  Metrics m;
  const Network net = Network::from_params(kind, instance.params, instance.seed);
  const Lift lift = Lift::from_params(instance.params);
  std::vector<std::uint8_t> secret;
  if (lift.uniform) {
    // Nothing to recover under the null: an attack "succeeds" never.
    if (fit.output.contains("found")) m["found"] = fit.output["found"].get<bool>();
    if (fit.output.contains("seed")) m[metric::kSuccess] = 0;
  } else {
    secret =
        goldreich::seed_from_string(instance.truth.at("seed").get<std::string>(), net.n(), name);
    judge_seed(net.predicate(), secret, fit, m);
  }
  if (!fit.predictor || instance.test.empty()) return m;
  const Vector pred = fit.predictor->predict(instance.test.X);
  const Metrics regression = regression_metrics(instance.test, pred);
  m.insert(regression.begin(), regression.end());

  // Hyperedges (ordered tuples, by rank) decoded from the training inputs.
  std::int32_t tuple[goldreich::kMaxArity];
  const std::span<const std::int32_t> edge(tuple, static_cast<std::size_t>(net.k()));
  std::unordered_set<std::uint64_t> seen_tuples;
  for (Eigen::Index i = 0; i < instance.train.X.rows(); ++i) {
    if (net.decode(instance.train.X.row(i).data(), tuple)) {
      seen_tuples.insert(goldreich::rank_tuple(edge, net.n()));
    }
  }
  const Matrix& X = instance.test.X;
  const auto t = static_cast<std::size_t>(X.rows());
  const std::vector<char> clean = clean_rows(net, X);
  // The bits the labels were made from: the network's output weights
  // (source = network) or the test challenges' y_i, redrawn (reduction).
  const OutputBits weights = lift.uniform ? instance_bits(kind, net, instance.seed, true)
                                          : OutputBits::prg(net.predicate(), secret);
  const auto bits = lift.reduction ? challenge_bits(net, instance, lift, secret)
                                   : hidden_bits_with(net, weights, X);
  std::vector<char> correct(t), seen(t);
  for (std::size_t i = 0; i < t; ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    correct[i] = (pred[row] > 0.5 ? 1 : 0) == bits[i];
    seen[i] = net.decode(X.row(row).data(), tuple) &&
              seen_tuples.count(goldreich::rank_tuple(edge, net.n())) > 0;
  }
  split_accuracy(correct, seen, clean, m);
  m["clean_fraction"] =
      static_cast<double>(std::count(clean.begin(), clean.end(), 1)) / static_cast<double>(t);
  if (materialisable(net) &&
      static_cast<double>(net.units()) * net.features() * static_cast<double>(t) <=
          kJudgeAuditWork) {
    m["simulator_failure_rate"] = audit_simulator(Materialised(net, weights), X, 1).failure_rate();
  }
  return m;
}

}  // namespace hardnets::prg_network
