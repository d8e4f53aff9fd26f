#include "hardnets/learners/dnnt_dp.h"

#include <algorithm>
#include <bit>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"

namespace hardnets::dnnt {
namespace {

const LearnerRegistration kRegister{std::make_unique<DnntDpLearner>()};

using i64 = std::int64_t;
using i128 = __int128;
using u64 = std::uint64_t;

constexpr i64 kInf = std::numeric_limits<i64>::max();

struct Timeout {};

// Unwinds the DP from any depth once the time budget is spent (solve() catches it).
void throw_if_expired(const Deadline& deadline) {
  if (deadline.expired()) throw Timeout{};
}

// A finite set of integer n-vectors. A vector v inside the bounding box
// [lo, hi] is packed into the mixed-radix key Σ_i (v_i − lo_i)·stride_i with
// stride_0 = 1 and stride_{i+1} = stride_i·(hi_i − lo_i + 1). Adding two sets'
// vectors adds their keys coordinate by coordinate without carries once both
// are re-packed with the strides of the sum's box (whose radices are the sums
// of the radices minus one), which is what makes bitset sums possible.
struct PointSet {
  int n = 0;
  std::vector<i64> lo, hi, stride;  // stride has n + 1 entries; stride[n] = box volume
  std::vector<i64> keys;            // sorted, unique

  i64 volume() const { return stride[n]; }
  std::size_t size() const { return keys.size(); }

  void set_box(std::vector<i64> low, std::vector<i64> high) {
    lo = std::move(low);
    hi = std::move(high);
    n = static_cast<int>(lo.size());
    stride.assign(n + 1, 1);
    i128 v = 1;
    for (int i = 0; i < n; ++i) {
      v *= static_cast<i128>(hi[i] - lo[i] + 1);
      if (v >= (i128{1} << 62))
        fail(
            "dnnt_dp: the state space (a box of more than 2^62 integer vectors) cannot be "
            "packed into 64-bit keys; reduce the number of points or the magnitudes");
      stride[i + 1] = static_cast<i64>(v);
    }
  }
  i64 key(const i64* v) const {
    i64 k = 0;
    for (int i = 0; i < n; ++i) k += (v[i] - lo[i]) * stride[i];
    return k;
  }
  void decode(i64 k, i64* v) const {
    for (int i = 0; i < n; ++i) {
      const i64 radix = hi[i] - lo[i] + 1;
      v[i] = lo[i] + k % radix;
      k /= radix;
    }
  }
  bool contains(const i64* v) const {
    for (int i = 0; i < n; ++i)
      if (v[i] < lo[i] || v[i] > hi[i]) return false;
    return std::binary_search(keys.begin(), keys.end(), key(v));
  }
  // The digits v_i − lo_i of key `k` re-packed with the strides of `sum`, the
  // box of a Minkowski sum with this set as one term: then key(a) + key(b) in
  // that layout is the key of a + b, since sum.lo = lo_A + lo_B.
  i64 rekey(i64 k, const PointSet& sum) const {
    i64 out = 0;
    for (int i = 0; i < n; ++i) {
      const i64 radix = hi[i] - lo[i] + 1;
      out += (k % radix) * sum.stride[i];
      k /= radix;
    }
    return out;
  }
};

// The set of the m points stored row by row in `flat` (m·n values).
PointSet make_set(int n, const std::vector<i64>& flat) {
  const std::size_t m = flat.size() / static_cast<std::size_t>(n);
  std::vector<i64> lo(n, kInf), hi(n, -kInf);
  for (std::size_t p = 0; p < m; ++p)
    for (int i = 0; i < n; ++i) {
      lo[i] = std::min(lo[i], flat[p * n + i]);
      hi[i] = std::max(hi[i], flat[p * n + i]);
    }
  PointSet set;
  set.set_box(std::move(lo), std::move(hi));
  set.keys.reserve(m);
  for (std::size_t p = 0; p < m; ++p) set.keys.push_back(set.key(&flat[p * n]));
  std::sort(set.keys.begin(), set.keys.end());
  set.keys.erase(std::unique(set.keys.begin(), set.keys.end()), set.keys.end());
  return set;
}

struct SumContext {
  double max_bytes;
  const Deadline* deadline;
  DpStats* stats;
};

// The Minkowski sum A ⊕ B = {a + b}. Its bounding box is the sum of the two
// (tight) boxes, so it is tight too. With both sets re-packed in the sum's
// layout, a + b has key key(a) + key(b). When the box fits in memory as a
// bitset (and is not far sparser than the pairs), the sum is marked there by
// whichever costs least: pair by pair (|A|·|B| bit sets), OR-ing the bitset of
// the larger set shifted by every key of the smaller one (|small|·span/64
// word operations), or the same with only the larger set's nonzero words
// (|small|·nnz); the keys are then read back in order. Otherwise the pair
// sums are sorted and deduplicated in chunks.
PointSet minkowski_sum(const PointSet& A, const PointSet& B, const SumContext& ctx) {
  const int n = A.n;
  PointSet S;
  std::vector<i64> lo(n), hi(n);
  for (int i = 0; i < n; ++i) {
    lo[i] = A.lo[i] + B.lo[i];
    hi[i] = A.hi[i] + B.hi[i];
  }
  S.set_box(std::move(lo), std::move(hi));
  ++ctx.stats->minkowski_sums;

  const PointSet& small = A.size() <= B.size() ? A : B;
  const PointSet& large = A.size() <= B.size() ? B : A;
  std::vector<i64> e(small.size()), g(large.size());
  for (std::size_t p = 0; p < small.size(); ++p) e[p] = small.rekey(small.keys[p], S);
  for (std::size_t p = 0; p < large.size(); ++p) g[p] = large.rekey(large.keys[p], S);

  // A bitset pays when its words are not many more than the pairs (a few
  // points spread over a huge box are cheaper to sort).
  const i64 volume = S.volume();
  const double pairs = static_cast<double>(e.size()) * static_cast<double>(g.size());
  if (static_cast<double>(volume) / 8.0 <= ctx.max_bytes &&
      static_cast<double>(volume) / 64.0 <= 8.0 * pairs + 65536.0) {
    const std::size_t words = static_cast<std::size_t>(volume / 64) + 3;
    std::vector<u64> bits(words, 0);
    const i64 g0 = g.front();
    const std::size_t span_words = static_cast<std::size_t>((g.back() - g0) / 64) + 1;
    std::vector<u64> dense(span_words, 0);
    for (i64 x : g) dense[(x - g0) >> 6] |= u64{1} << ((x - g0) & 63);
    // The nonzero words of the dense bitset: in a sparse set (a large box,
    // few points) most words are zero and need not be shifted.
    std::vector<std::pair<std::size_t, u64>> sparse;
    for (std::size_t w = 0; w < span_words; ++w)
      if (dense[w] != 0) sparse.emplace_back(w, dense[w]);
    const double m = static_cast<double>(e.size());
    const double pair_cost = pairs;
    const double dense_cost = 0.5 * m * static_cast<double>(span_words);
    const double sparse_cost = 1.5 * m * static_cast<double>(sparse.size());
    if (dense_cost <= std::min(pair_cost, sparse_cost)) {
      for (std::size_t p = 0; p < e.size(); ++p) {
        if ((p & 255) == 0) throw_if_expired(*ctx.deadline);
        const i64 pos = e[p] + g0;
        u64* out = bits.data() + (pos >> 6);
        const unsigned r = static_cast<unsigned>(pos & 63);
        if (r == 0) {
          for (std::size_t w = 0; w < span_words; ++w) out[w] |= dense[w];
        } else {
          for (std::size_t w = 0; w < span_words; ++w) {
            out[w] |= dense[w] << r;
            out[w + 1] |= dense[w] >> (64 - r);
          }
        }
      }
    } else if (sparse_cost <= pair_cost) {
      for (std::size_t p = 0; p < e.size(); ++p) {
        if ((p & 255) == 0) throw_if_expired(*ctx.deadline);
        const i64 pos = e[p] + g0;
        u64* out = bits.data() + (pos >> 6);
        const unsigned r = static_cast<unsigned>(pos & 63);
        if (r == 0) {
          for (const auto& [w, word] : sparse) out[w] |= word;
        } else {
          for (const auto& [w, word] : sparse) {
            out[w] |= word << r;
            out[w + 1] |= word >> (64 - r);
          }
        }
      }
    } else {
      for (std::size_t p = 0; p < e.size(); ++p) {
        if ((p & 255) == 0) throw_if_expired(*ctx.deadline);
        const i64 base = e[p];
        for (i64 x : g) {
          const i64 pos = base + x;
          bits[pos >> 6] |= u64{1} << (pos & 63);
        }
      }
    }
    std::size_t count = 0;
    for (u64 w : bits) count += static_cast<std::size_t>(std::popcount(w));
    S.keys.reserve(count);
    for (std::size_t w = 0; w < words; ++w) {
      u64 x = bits[w];
      while (x != 0) {
        S.keys.push_back(static_cast<i64>(w * 64) + std::countr_zero(x));
        x &= x - 1;
      }
    }
    return S;
  }

  // Sort-based fallback: chunks of pair sums, each sorted, deduplicated and
  // merged into the result.
  const std::size_t chunk =
      std::max<std::size_t>(1 << 20, static_cast<std::size_t>(ctx.max_bytes / 4.0 / sizeof(i64)));
  std::vector<i64> buf, merged;
  auto flush = [&] {
    std::sort(buf.begin(), buf.end());
    buf.erase(std::unique(buf.begin(), buf.end()), buf.end());
    merged.clear();
    std::set_union(S.keys.begin(), S.keys.end(), buf.begin(), buf.end(),
                   std::back_inserter(merged));
    S.keys.swap(merged);
    buf.clear();
  };
  for (std::size_t p = 0; p < e.size(); ++p) {
    if ((p & 63) == 0) throw_if_expired(*ctx.deadline);
    for (i64 x : g) buf.push_back(e[p] + x);
    if (buf.size() >= chunk) flush();
  }
  flush();
  return S;
}

// The pre-activation vectors of one unit, column by column: Z_0 = {b·1},
// Z_t = Z_{t−1} ⊕ {w·X_{:,t}}. All of them are kept for backtracking.
struct UnitClass {
  std::vector<const std::vector<i64>*> wdom;  // d domains
  const std::vector<i64>* bdom = nullptr;
  const std::vector<i64>* adom = nullptr;
  std::vector<PointSet> Z;  // Z_0..Z_d
  PointSet C;               // contributions {a [z]_+}
};

// Minimum over r of Σ_i ℓ(t_i − r_i), one coordinate at a time: the 1-D
// distance transforms D(p) = min_q g(p − q) + f(q) for g(e) = e² (lower
// envelope of parabolas, Felzenszwalb–Huttenlocher, here with exact integer
// breakpoints) or g(e) = |e| (prefix and suffix minima). Sources q and
// queries p are increasing integers; f values are finite (kInf are skipped by
// the caller); results saturate at kInf.
class Transform1D {
 public:
  explicit Transform1D(Loss loss) : loss_(loss) {}

  // q[0..m), f[0..m): sources; queries p0, p0+1, ..., p0+len−1 → out.
  void run(const std::vector<i64>& q, const std::vector<i64>& f, i64 p0, i64 len, i64* out,
           i64 out_stride) {
    const std::size_t m = q.size();
    if (m == 0) {
      for (i64 j = 0; j < len; ++j) out[j * out_stride] = kInf;
      return;
    }
    if (loss_ == Loss::kL1) {
      // D(p) = min(p + min_{q≤p}(f − q), −p + min_{q≥p}(f + q)).
      suffix_.resize(m + 1);
      suffix_[m] = static_cast<i128>(kInf) * 4;
      for (std::size_t s = m; s-- > 0;)
        suffix_[s] = std::min(suffix_[s + 1], static_cast<i128>(f[s]) + q[s]);
      i128 prefix = static_cast<i128>(kInf) * 4;
      std::size_t s = 0;
      for (i64 j = 0; j < len; ++j) {
        const i64 p = p0 + j;
        while (s < m && q[s] <= p) {
          prefix = std::min(prefix, static_cast<i128>(f[s]) - q[s]);
          ++s;
        }
        // Sources with q == p are in the prefix; suffix_[s] covers q > p.
        const i128 best = std::min(prefix + p, suffix_[s] - p);
        out[j * out_stride] = saturate(best);
      }
      return;
    }
    // Square: parabola at q beats (or ties) the one at v < q for every
    // integer p ≥ ceil(((q² + f_q) − (v² + f_v)) / (2(q − v))).
    v_.clear();
    z_.clear();
    for (std::size_t s = 0; s < m; ++s) {
      const i128 hq = static_cast<i128>(q[s]) * q[s] + f[s];
      while (true) {
        if (v_.empty()) {
          v_.push_back(s);
          z_.push_back(std::numeric_limits<i128>::min());
          break;
        }
        const std::size_t t = v_.back();
        const i128 hv = static_cast<i128>(q[t]) * q[t] + f[t];
        const i128 num = hq - hv;
        const i128 den = 2 * static_cast<i128>(q[s] - q[t]);
        const i128 zq = ceil_div(num, den);
        if (zq <= z_.back()) {
          v_.pop_back();
          z_.pop_back();
          continue;
        }
        v_.push_back(s);
        z_.push_back(zq);
        break;
      }
    }
    std::size_t k = 0;
    for (i64 j = 0; j < len; ++j) {
      const i64 p = p0 + j;
      while (k + 1 < v_.size() && z_[k + 1] <= p) ++k;
      const i128 e = static_cast<i128>(p) - q[v_[k]];
      out[j * out_stride] = saturate(e * e + f[v_[k]]);
    }
  }

 private:
  static i128 ceil_div(i128 num, i128 den) {  // den > 0
    i128 q = num / den;
    if (num % den != 0 && num > 0) ++q;
    return q;
  }
  static i64 saturate(i128 x) { return x >= static_cast<i128>(kInf) ? kInf : static_cast<i64>(x); }

  Loss loss_;
  std::vector<i128> suffix_;
  std::vector<std::size_t> v_;
  std::vector<i128> z_;
};

i128 point_loss(Loss loss, i128 e) {
  return loss == Loss::kSquare ? e * e : (e < 0 ? -e : e);
}

class Solver {
 public:
  Solver(const DnntInstance& inst, const DpOptions& options)
      : inst_(inst),
        n_(static_cast<int>(inst.n())),
        d_(inst.d),
        k_(inst.hidden.at(0)),
        deadline_(options.time_limit_seconds),
        max_bytes_(options.max_memory_mb * 1024.0 * 1024.0),
        ctx_{max_bytes_, &deadline_, &result_.stats} {}

  DpResult solve() {
    try {
      if (n_ == 0) return trivial();
      build_units();
      // The root S = L ⊕ R with L the first floor(k/2) units (the empty sum
      // {0} when k = 1) and R the rest.
      const int m = k_ / 2;
      const int left = m == 0 ? -1 : build(0, m);
      const int right = build(m, k_);
      const PointSet zero = zero_set();
      const PointSet& L = left < 0 ? zero : nodes_[left].set;
      const PointSet& R = nodes_[right].set;
      result_.stats.left_states = static_cast<i64>(L.size());
      result_.stats.right_states = static_cast<i64>(R.size());
      for (const Node& node : nodes_)
        result_.stats.stored_states += static_cast<i64>(node.set.size());

      Best best = root(L, R);
      // Backtrack: the sum splits into per-unit contributions, each into (a, z),
      // each z into (w, b).
      std::vector<std::vector<i64>> contrib(k_, std::vector<i64>(n_, 0));
      if (left >= 0) split(0, m, left, best.l, contrib);
      split(m, k_, right, best.r, contrib);
      assemble(contrib, best.c);
      result_.loss = check_loss(best.value);
    } catch (const Timeout&) {
      result_ = DpResult{};
      result_.timed_out = true;
    }
    return std::move(result_);
  }

 private:
  struct Node {
    PointSet set;
    int left = -1, right = -1;  // children (internal nodes)
    int unit_class = -1;        // leaves
  };
  struct Best {
    i64 value = kInf;
    std::vector<i64> l, r;
    i64 c = 0;
  };

  const std::vector<i64>& domain(std::size_t p) const { return inst_.domains.at(p); }

  DpResult trivial() {
    // No data: every θ has loss 0; take each domain's first value.
    result_.theta.resize(inst_.num_params());
    for (std::size_t p = 0; p < inst_.num_params(); ++p) result_.theta[p] = domain(p).front();
    result_.loss = 0;
    return std::move(result_);
  }

  // Units with identical domains share their pre-activation and contribution
  // sets, and equal ranges of units share their Minkowski sums.
  void build_units() {
    unit_class_.assign(k_, -1);
    for (int j = 0; j < k_; ++j) {
      UnitClass cls;
      for (int t = 0; t < d_; ++t) cls.wdom.push_back(&domain(inst_.index_weight(1, j, t)));
      cls.bdom = &domain(inst_.index_bias(1, j));
      cls.adom = &domain(inst_.index_weight(2, 0, j));
      for (std::size_t c = 0; c < classes_.size(); ++c) {
        const UnitClass& o = classes_[c];
        bool same = *o.bdom == *cls.bdom && *o.adom == *cls.adom;
        for (int t = 0; same && t < d_; ++t) same = *o.wdom[t] == *cls.wdom[t];
        if (same) {
          unit_class_[j] = static_cast<int>(c);
          break;
        }
      }
      if (unit_class_[j] >= 0) continue;
      unit_class_[j] = static_cast<int>(classes_.size());
      build_class(cls);
      classes_.push_back(std::move(cls));
    }
  }

  void build_class(UnitClass& cls) {
    std::vector<i64> flat;
    for (i64 b : *cls.bdom)
      for (int i = 0; i < n_; ++i) flat.push_back(b);
    cls.Z.push_back(make_set(n_, flat));
    for (int t = 0; t < d_; ++t) {
      throw_if_expired(deadline_);
      flat.clear();
      for (i64 w : *cls.wdom[t])
        for (int i = 0; i < n_; ++i) flat.push_back(w * inst_.X[i][t]);
      cls.Z.push_back(minkowski_sum(cls.Z.back(), make_set(n_, flat), ctx_));
    }
    // The contributions a·[z]_+: first the distinct [z]_+, then every a.
    const PointSet& Z = cls.Z.back();
    std::vector<i64> v(n_);
    flat.clear();
    for (i64 key : Z.keys) {
      Z.decode(key, v.data());
      for (int i = 0; i < n_; ++i) flat.push_back(std::max<i64>(v[i], 0));
    }
    const PointSet relu = make_set(n_, flat);
    flat.clear();
    for (i64 key : relu.keys) {
      relu.decode(key, v.data());
      for (i64 a : *cls.adom)
        for (int i = 0; i < n_; ++i) flat.push_back(a * v[i]);
    }
    cls.C = make_set(n_, flat);
    result_.stats.unit_states = std::max<i64>(result_.stats.unit_states, Z.size());
    result_.stats.contributions = std::max<i64>(result_.stats.contributions, cls.C.size());
  }

  PointSet zero_set() const {
    PointSet z;
    z.set_box(std::vector<i64>(n_, 0), std::vector<i64>(n_, 0));
    z.keys = {0};
    return z;
  }

  // The node for units [l, r): leaves are contribution sets; an internal node
  // splits at the midpoint. Memoised by the units' classes, so k identical
  // units cost ⌈log2 k⌉ sums (doubling).
  int build(int l, int r) {
    std::vector<int> key(unit_class_.begin() + l, unit_class_.begin() + r);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Node node;
    if (r - l == 1) {
      node.unit_class = unit_class_[l];
      node.set = classes_[node.unit_class].C;
    } else {
      const int m = (l + r) / 2;
      node.left = build(l, m);
      node.right = build(m, r);
      throw_if_expired(deadline_);
      node.set = minkowski_sum(nodes_[node.left].set, nodes_[node.right].set, ctx_);
    }
    nodes_.push_back(std::move(node));
    const int index = static_cast<int>(nodes_.size()) - 1;
    memo_.emplace(std::move(key), index);
    return index;
  }

  // min over l ∈ L, c ∈ W_c, r ∈ R of Σ_i ℓ(c + l_i + r_i, y_i).
  Best root(const PointSet& L, const PointSet& R) {
    const std::vector<i64>& cdom = domain(inst_.index_bias(2, 0));
    const i64 cmin = cdom.front(), cmax = cdom.back();
    // The targets t = y − c·1 − l lie in the box [tlo, thi].
    std::vector<i64> tlo(n_), len(n_), rad(n_);
    for (int i = 0; i < n_; ++i) {
      tlo[i] = inst_.y[i] - cmax - L.hi[i];
      len[i] = (inst_.y[i] - cmin - L.lo[i]) - tlo[i] + 1;
      rad[i] = R.hi[i] - R.lo[i] + 1;
    }
    // Largest intermediate grid of the transform (axes < i: targets; ≥ i: R's box).
    double cells = 0;
    for (int i = 0; i <= n_; ++i) {
      double c = 1;
      for (int j = 0; j < n_; ++j) c *= static_cast<double>(j < i ? len[j] : rad[j]);
      cells = std::max(cells, c);
    }
    // The transform costs about n·cells; the pairwise scan |L|·|W_c|·|R|·n.
    const double pair_cost = static_cast<double>(L.size()) * static_cast<double>(cdom.size()) *
                             static_cast<double>(R.size());
    Best best;
    if (2.0 * cells * sizeof(i64) <= max_bytes_ && cells <= 4.0 * pair_cost + 65536.0) {
      best = root_transform(L, R, cdom, tlo, len, rad);
    } else {
      result_.stats.distance_transform = false;
      best = root_pairs(L, R, cdom);
    }
    // The r attaining D(t): scan R.
    std::vector<i64> t(n_), r(n_);
    for (int i = 0; i < n_; ++i) t[i] = inst_.y[i] - best.c - best.l[i];
    for (i64 key : R.keys) {
      R.decode(key, r.data());
      i128 s = 0;
      for (int i = 0; i < n_; ++i) s += point_loss(inst_.loss, static_cast<i128>(t[i]) - r[i]);
      if (s == best.value) {
        best.r = r;
        return best;
      }
    }
    throw std::logic_error("dnnt_dp: no element of R attains the distance transform's value");
  }

  Best root_transform(const PointSet& L, const PointSet& R, const std::vector<i64>& cdom,
                      const std::vector<i64>& tlo, const std::vector<i64>& len,
                      const std::vector<i64>& rad) {
    // f_0 = 0 on R's keys (R's layout is exactly the initial grid), kInf elsewhere.
    std::vector<i64> cur(static_cast<std::size_t>(R.volume()), kInf), next;
    for (i64 key : R.keys) cur[key] = 0;
    std::vector<i64> dims = rad;
    Transform1D transform(inst_.loss);
    std::vector<i64> q, f;
    for (int i = 0; i < n_; ++i) {
      throw_if_expired(deadline_);
      i64 inner = 1, outer = 1;
      for (int j = 0; j < i; ++j) inner *= dims[j];
      for (int j = i + 1; j < n_; ++j) outer *= dims[j];
      next.assign(static_cast<std::size_t>(inner * len[i] * outer), kInf);
      // Lines along axis i are strided by `inner`; they are gathered and
      // scattered kBlock adjacent lines at a time (a blocked transpose), so
      // each row touched is a run of contiguous values, not one per line.
      constexpr i64 kBlock = 16;
      gather_.resize(static_cast<std::size_t>(kBlock * rad[i]));
      scatter_.resize(static_cast<std::size_t>(kBlock * len[i]));
      for (i64 xo = 0; xo < outer; ++xo) {
        if ((xo & 63) == 0) throw_if_expired(deadline_);
        const i64* in = cur.data() + inner * rad[i] * xo;
        i64* out = next.data() + inner * len[i] * xo;
        for (i64 x0 = 0; x0 < inner; x0 += kBlock) {
          const i64 B = std::min(kBlock, inner - x0);
          for (i64 s = 0; s < rad[i]; ++s)
            for (i64 b = 0; b < B; ++b) gather_[b * rad[i] + s] = in[s * inner + x0 + b];
          for (i64 b = 0; b < B; ++b) {
            q.clear();
            f.clear();
            const i64* line = gather_.data() + b * rad[i];
            for (i64 s = 0; s < rad[i]; ++s) {
              if (line[s] != kInf) {
                q.push_back(R.lo[i] + s);
                f.push_back(line[s]);
              }
            }
            transform.run(q, f, tlo[i], len[i], scatter_.data() + b * len[i], 1);
          }
          for (i64 p = 0; p < len[i]; ++p)
            for (i64 b = 0; b < B; ++b) out[p * inner + x0 + b] = scatter_[b * len[i] + p];
        }
      }
      cur.swap(next);
      dims[i] = len[i];
    }
    // cur now holds D(t) on the target grid (axis 0 fastest).
    Best best;
    std::vector<i64> l(n_);
    for (i64 key : L.keys) {
      L.decode(key, l.data());
      for (i64 c : cdom) {
        i64 index = 0, stride = 1;
        for (int i = 0; i < n_; ++i) {
          index += (inst_.y[i] - c - l[i] - tlo[i]) * stride;
          stride *= len[i];
        }
        const i64 v = cur[index];
        if (v < best.value) {
          best.value = v;
          best.l = l;
          best.c = c;
        }
      }
    }
    return best;
  }

  Best root_pairs(const PointSet& L, const PointSet& R, const std::vector<i64>& cdom) {
    // Too large a grid: every (l, c, r), pruned by the best loss so far.
    Best best;
    std::vector<i64> l(n_), r(n_), t(n_);
    std::vector<i64> rflat(R.size() * n_);
    for (std::size_t p = 0; p < R.size(); ++p) R.decode(R.keys[p], &rflat[p * n_]);
    for (i64 key : L.keys) {
      throw_if_expired(deadline_);
      L.decode(key, l.data());
      for (i64 c : cdom) {
        for (int i = 0; i < n_; ++i) t[i] = inst_.y[i] - c - l[i];
        for (std::size_t p = 0; p < R.size(); ++p) {
          i128 s = 0;
          for (int i = 0; i < n_ && s < best.value; ++i)
            s += point_loss(inst_.loss, static_cast<i128>(t[i]) - rflat[p * n_ + i]);
          if (s < best.value) {
            best.value = static_cast<i64>(s);
            best.l = l;
            best.c = c;
          }
        }
      }
    }
    return best;
  }

  // Splits v ∈ S(node) for units [l, r) into one contribution per unit.
  void split(int l, int r, int node, const std::vector<i64>& v,
             std::vector<std::vector<i64>>& contrib) {
    if (r - l == 1) {
      contrib[l] = v;
      return;
    }
    const int m = (l + r) / 2;
    const Node& nd = nodes_[node];
    const PointSet& A = nodes_[nd.left].set;
    const PointSet& B = nodes_[nd.right].set;
    std::vector<i64> a(n_), b(n_);
    for (i64 key : A.keys) {
      A.decode(key, a.data());
      for (int i = 0; i < n_; ++i) b[i] = v[i] - a[i];
      if (B.contains(b.data())) {
        split(l, m, nd.left, a, contrib);
        split(m, r, nd.right, b, contrib);
        return;
      }
    }
    throw std::logic_error("dnnt_dp: backtracking found no split of a reachable vector");
  }

  void assemble(const std::vector<std::vector<i64>>& contrib, i64 c) {
    Theta theta(inst_.num_params(), 0);
    std::vector<i64> z(n_), prev(n_);
    for (int j = 0; j < k_; ++j) {
      const UnitClass& cls = classes_[unit_class_[j]];
      const PointSet& Z = cls.Z.back();
      // (a, z) with a·[z]_+ = contribution.
      bool found = false;
      i64 a_value = 0;
      for (i64 key : Z.keys) {
        Z.decode(key, z.data());
        for (i64 a : *cls.adom) {
          bool ok = true;
          for (int i = 0; ok && i < n_; ++i) ok = a * std::max<i64>(z[i], 0) == contrib[j][i];
          if (ok) {
            a_value = a;
            found = true;
            break;
          }
        }
        if (found) break;
      }
      if (!found) throw std::logic_error("dnnt_dp: contribution without a unit");
      // Peel the columns off: z − w·X_{:,t} ∈ Z_{t}, t = d−1..0.
      for (int t = d_ - 1; t >= 0; --t) {
        bool peeled = false;
        for (i64 w : *cls.wdom[t]) {
          for (int i = 0; i < n_; ++i) prev[i] = z[i] - w * inst_.X[i][t];
          if (cls.Z[t].contains(prev.data())) {
            theta[inst_.index_weight(1, j, t)] = w;
            z.swap(prev);
            peeled = true;
            break;
          }
        }
        if (!peeled) throw std::logic_error("dnnt_dp: pre-activation without weights");
      }
      theta[inst_.index_bias(1, j)] = z[0];
      theta[inst_.index_weight(2, 0, j)] = a_value;
    }
    theta[inst_.index_bias(2, 0)] = c;
    result_.theta = std::move(theta);
  }

  // The recovered θ's loss, recomputed in 128-bit integers, must equal the DP's.
  i64 check_loss(i64 value) const {
    const Theta& th = result_.theta;
    i128 total = 0;
    for (int i = 0; i < n_; ++i) {
      i128 f = th[inst_.index_bias(2, 0)];
      for (int j = 0; j < k_; ++j) {
        i128 z = th[inst_.index_bias(1, j)];
        for (int t = 0; t < d_; ++t)
          z += static_cast<i128>(th[inst_.index_weight(1, j, t)]) * inst_.X[i][t];
        if (z > 0) f += z * th[inst_.index_weight(2, 0, j)];
      }
      total += point_loss(inst_.loss, f - inst_.y[i]);
    }
    if (total != value) throw std::logic_error("dnnt_dp: the recovered network's loss differs");
    return value;
  }

  const DnntInstance& inst_;
  const int n_, d_, k_;
  Deadline deadline_;
  double max_bytes_;
  DpResult result_;
  SumContext ctx_;
  std::vector<UnitClass> classes_;
  std::vector<int> unit_class_;
  std::vector<Node> nodes_;
  std::map<std::vector<int>, int> memo_;
  std::vector<i64> gather_, scatter_;  // blocks of lines of the distance transform
};

}  // namespace

DpResult solve_two_layer_dp(const DnntInstance& inst, const DpOptions& options) {
  if (inst.hidden.size() != 1)
    fail(
        "dnnt_dp: needs a two-layer network (one hidden layer), got {} hidden layers; deeper "
        "networks would need the whole n×h_1 matrix of first-layer outputs as the state "
        "(use dnnt_brute)",
        inst.hidden.size());
  if (!inst.fits_int64())
    fail(
        "dnnt_dp: the instance's values can exceed 2^62 (magnitude bound {}); the DP works "
        "in 64-bit integers",
        inst.magnitude_bound().get_str());
  return Solver(inst, options).solve();
}

DnntDpLearner::DnntDpLearner() {
  options_.cite("doronarad2025discretely",
                "the problem, and that a pseudo-polynomial algorithm exists for two layers");
  options_.real("max_memory_mb", &DnntDpLearnerOptions::max_memory_mb, 2048, 1, 1e7,
                "memory for one bitset or distance-transform grid, MiB (beyond: slower fallbacks)");
}

Fit DnntDpLearner::fit_impl(const Dataset& train, const Params& params,
                            const LearnerContext& ctx) const {
  check_training_set("dnnt_dp", train);
  const DnntInstance inst = DnntInstance::from_task(ctx.task, train);
  const DnntDpLearnerOptions learner_options = options_.read(params);
  DpOptions options;
  options.max_memory_mb = learner_options.max_memory_mb;
  options.time_limit_seconds = ctx.time_limit_seconds;
  const DpResult result = solve_two_layer_dp(inst, options);
  Fit fit;
  if (result.timed_out) {
    fit.status = Outcome::time_limit;
    fit.message = "dnnt_dp: the time limit stopped the dynamic program before it finished";
    return fit;
  }
  Solution solution;
  solution.theta = result.theta;
  solution.loss = mpz_class(std::to_string(result.loss));
  fit = make_fit(inst, solution, "dnnt_dp");
  const DpStats& s = result.stats;
  fit.stats["dp_unit_states"] = static_cast<double>(s.unit_states);
  fit.stats["dp_contributions"] = static_cast<double>(s.contributions);
  fit.stats["dp_stored_states"] = static_cast<double>(s.stored_states);
  fit.stats["dp_left_states"] = static_cast<double>(s.left_states);
  fit.stats["dp_right_states"] = static_cast<double>(s.right_states);
  fit.stats["dp_minkowski_sums"] = static_cast<double>(s.minkowski_sums);
  fit.stats["dp_distance_transform"] = s.distance_transform ? 1.0 : 0.0;
  return fit;
}

}  // namespace hardnets::dnnt
