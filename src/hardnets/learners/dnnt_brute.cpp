#include "hardnets/learners/dnnt_brute.h"

#include <algorithm>
#include <type_traits>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegisterBrute{std::make_unique<DnntBruteLearner>()};

using dnnt::DnntInstance;
using dnnt::Theta;

constexpr double kMaxTableEntries = 5e7;  // choices × points in one contribution table

template <class Z>
Z from_i64(std::int64_t v) {
  if constexpr (std::is_same_v<Z, mpz_class>) {
    return mpz_class(static_cast<long>(v));
  } else {
    return v;
  }
}

template <class Z>
mpz_class to_mpz(const Z& v) {
  if constexpr (std::is_same_v<Z, mpz_class>) {
    return v;
  } else {
    return mpz_class(static_cast<long>(v));
  }
}

// The exhaustive search over one instance, with values of type Z (int64 when
// the instance's magnitude bound allows, mpz_class otherwise).
template <class Z>
class Search {
 public:
  Search(const DnntInstance& inst, bool symmetry, bool bounds, std::int64_t max_nodes,
         double time_limit)
      : inst_(inst),
        sizes_(inst.layer_sizes()),
        L_(inst.num_layers()),
        symmetry_(symmetry),
        bounds_(bounds),
        max_nodes_(max_nodes),
        deadline_(time_limit),
        n_(inst.n()) {
    for (const auto v : inst.y) y_.push_back(from_i64<Z>(v));
    square_ = inst.loss == dnnt::Loss::kSquare;
  }

  dnnt::Solution run() {
    // Start from the network whose every parameter is its domain's value of
    // least magnitude: an upper bound that the pruning can use at once.
    theta_.resize(inst_.num_params());
    for (std::size_t p = 0; p < theta_.size(); ++p) {
      const auto& D = inst_.domains[p];
      theta_[p] = *std::min_element(D.begin(), D.end(), [](std::int64_t a, std::int64_t b) {
        return (a < 0 ? -a : a) < (b < 0 ? -b : b);
      });
    }
    best_theta_ = theta_;
    const mpz_class initial = inst_.total_loss(theta_);
    if constexpr (std::is_same_v<Z, mpz_class>) {
      best_ = initial;
    } else {
      best_ = initial.get_si();
    }
    if (best_ == 0) return result();
    Acts inputs(n_);
    for (std::size_t i = 0; i < n_; ++i) {
      for (const auto v : inst_.X[i]) inputs[i].push_back(from_i64<Z>(v));
    }
    layer(1, inputs);
    return result();
  }

  std::int64_t nodes() const { return nodes_; }

 private:
  using Acts = std::vector<std::vector<Z>>;  // n rows of activations

  dnnt::Solution result() const { return dnnt::Solution{best_theta_, to_mpz(best_), !timed_out_}; }

  Z loss_of(const Z& r) const {
    if (square_) return Z(r * r);
    return r < 0 ? Z(-r) : r;
  }

  // Counts a search node and checks the node and time limits.
  bool tick() {
    ++nodes_;
    if (max_nodes_ > 0 && nodes_ > max_nodes_) timed_out_ = stop_ = true;
    if ((nodes_ & 1023) == 0 && deadline_.expired()) timed_out_ = stop_ = true;
    return !stop_;
  }

  std::size_t tuple_count(const std::vector<std::size_t>& params) const {
    double count = 1;
    for (const auto p : params) count *= static_cast<double>(inst_.domains[p].size());
    if (count * static_cast<double>(std::max<std::size_t>(n_, 1)) > kMaxTableEntries) {
      fail(
          "dnnt_brute: one unit has {:.3g} parameter choices on {} points: too many to "
          "enumerate (limit {:.0e} choices x points)",
          count, n_, kMaxTableEntries);
    }
    return static_cast<std::size_t>(count);
  }

  // Writes tuple number u (mixed radix over the domains, first parameter
  // fastest) into theta_.
  void decode(const std::vector<std::size_t>& params, std::size_t u) {
    for (const auto p : params) {
      const auto& D = inst_.domains[p];
      theta_[p] = D[u % D.size()];
      u /= D.size();
    }
  }

  bool same_domains(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) const {
    if (a.size() != b.size()) return false;
    for (std::size_t t = 0; t < a.size(); ++t) {
      if (inst_.domains[a[t]] != inst_.domains[b[t]]) return false;
    }
    return true;
  }

  std::vector<std::size_t> incoming(int l, int j) const {
    std::vector<std::size_t> params;
    for (int t = 0; t < sizes_[l - 1]; ++t) params.push_back(inst_.index_weight(l, j, t));
    params.push_back(inst_.index_bias(l, j));
    return params;
  }

  // Units of hidden layer l (not the last) are interchangeable when their
  // incoming domains agree and every unit of layer l+1 has the same domain
  // for its weights from all of them.
  bool layer_symmetric(int l) const {
    for (int j = 1; j < sizes_[l]; ++j) {
      if (!same_domains(incoming(l, 0), incoming(l, j))) return false;
    }
    for (int u = 0; u < sizes_[l + 1]; ++u) {
      for (int j = 1; j < sizes_[l]; ++j) {
        if (inst_.domains[inst_.index_weight(l + 1, u, j)] !=
            inst_.domains[inst_.index_weight(l + 1, u, 0)]) {
          return false;
        }
      }
    }
    return true;
  }

  void layer(int l, const Acts& A) {
    if (L_ == 1 || l == L_ - 1) {
      final_stage(A);
      return;
    }
    Acts next(n_, std::vector<Z>(static_cast<std::size_t>(sizes_[l])));
    unit(l, 0, 0, symmetry_ && layer_symmetric(l), A, next);
  }

  // Enumerates unit j of an early hidden layer l, then the next units.
  void unit(int l, int j, std::size_t min_u, bool symmetric, const Acts& A, Acts& next) {
    const auto params = incoming(l, j);
    const std::size_t T = tuple_count(params);
    const int fan_in = sizes_[l - 1];
    for (std::size_t u = symmetric ? min_u : 0; u < T; ++u) {
      if (!tick()) return;
      decode(params, u);
      for (std::size_t i = 0; i < n_; ++i) {
        Z z = from_i64<Z>(theta_[params[static_cast<std::size_t>(fan_in)]]);
        for (int t = 0; t < fan_in; ++t) z += from_i64<Z>(theta_[params[t]]) * A[i][t];
        next[i][j] = z < 0 ? Z(0) : z;
      }
      if (j + 1 < sizes_[l]) {
        unit(l, j + 1, u, symmetric, A, next);
      } else {
        layer(l + 1, next);
      }
      if (stop_) return;
    }
  }

  // The last hidden layer with the output layer (or, at depth 1, the output
  // layer alone): choose one contribution vector per group, then c.
  void final_stage(const Acts& A) {
    groups_.clear();
    if (L_ == 1) {
      for (int t = 0; t < sizes_[0]; ++t) groups_.push_back({inst_.index_weight(1, 0, t)});
    } else {
      const int l = L_ - 1;
      for (int j = 0; j < sizes_[l]; ++j) {
        auto params = incoming(l, j);
        params.push_back(inst_.index_weight(L_, 0, j));
        groups_.push_back(params);
      }
    }
    const std::size_t G = groups_.size();
    shared_ = symmetry_ && L_ >= 2;
    for (std::size_t g = 1; g < G && shared_; ++g) shared_ = same_domains(groups_[0], groups_[g]);
    const std::size_t tables = shared_ ? 1 : G;
    contrib_.assign(tables, {});
    count_.assign(tables, 0);
    for (std::size_t t = 0; t < tables; ++t) build_table(t, A);
    build_bounds();
    const auto& cdom = inst_.domains[inst_.index_bias(L_, 0)];
    cdom_ = &cdom;
    cmin_ = from_i64<Z>(cdom.front());
    cmax_ = from_i64<Z>(cdom.back());
    buffers_.assign(G + 1, std::vector<Z>(n_, Z(0)));
    dfs(0, 0);
  }

  void build_table(std::size_t t, const Acts& A) {
    const auto& params = groups_[t];
    const std::size_t T = tuple_count(params);
    count_[t] = T;
    auto& table = contrib_[t];
    table.assign(T * n_, Z(0));
    const Theta saved = theta_;
    for (std::size_t u = 0; u < T; ++u) {
      decode(params, u);
      for (std::size_t i = 0; i < n_; ++i) {
        if (L_ == 1) {
          table[u * n_ + i] = from_i64<Z>(theta_[params[0]]) * A[i][t];
          continue;
        }
        const std::size_t fan_in = params.size() - 2;
        Z z = from_i64<Z>(theta_[params[fan_in]]);
        for (std::size_t s = 0; s < fan_in; ++s) z += from_i64<Z>(theta_[params[s]]) * A[i][s];
        table[u * n_ + i] = z > 0 ? Z(from_i64<Z>(theta_[params[fan_in + 1]]) * z) : Z(0);
      }
    }
    theta_ = saved;
  }

  // Shared table: suffix min/max over choices u' ≥ u (the choices still
  // allowed to later groups under the ordering). Separate tables: per point,
  // the sum over groups g' ≥ g of each group's min (max) contribution.
  void build_bounds() {
    const std::size_t G = groups_.size();
    if (shared_) {
      const std::size_t T = count_[0];
      lo_.assign(T * n_, Z(0));
      hi_.assign(T * n_, Z(0));
      for (std::size_t u = T; u-- > 0;) {
        for (std::size_t i = 0; i < n_; ++i) {
          const Z& v = contrib_[0][u * n_ + i];
          lo_[u * n_ + i] = u + 1 < T ? std::min(v, lo_[(u + 1) * n_ + i]) : v;
          hi_[u * n_ + i] = u + 1 < T ? std::max(v, hi_[(u + 1) * n_ + i]) : v;
        }
      }
      return;
    }
    lo_.assign((G + 1) * n_, Z(0));
    hi_.assign((G + 1) * n_, Z(0));
    for (std::size_t g = G; g-- > 0;) {
      for (std::size_t i = 0; i < n_; ++i) {
        Z mn = contrib_[g][i], mx = contrib_[g][i];
        for (std::size_t u = 1; u < count_[g]; ++u) {
          const Z& v = contrib_[g][u * n_ + i];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        lo_[g * n_ + i] = lo_[(g + 1) * n_ + i] + mn;
        hi_[g * n_ + i] = hi_[(g + 1) * n_ + i] + mx;
      }
    }
  }

  // Lower bound on the loss of any completion of the partial sums s, where
  // groups g.. are still free (and, with a shared table, choose tuples ≥ u).
  // Stops summing once the bound reaches the best loss.
  Z lower_bound(const std::vector<Z>& s, std::size_t g, std::size_t u) const {
    const Z r = from_i64<Z>(static_cast<std::int64_t>(groups_.size() - g));
    Z sum = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      Z lo, hi;
      if (shared_) {
        lo = s[i] + r * lo_[u * n_ + i] + cmin_;
        hi = s[i] + r * hi_[u * n_ + i] + cmax_;
      } else {
        lo = s[i] + lo_[g * n_ + i] + cmin_;
        hi = s[i] + hi_[g * n_ + i] + cmax_;
      }
      if (lo > y_[i]) {
        sum += loss_of(Z(lo - y_[i]));
      } else if (hi < y_[i]) {
        sum += loss_of(Z(y_[i] - hi));
      }
      if (sum >= best_) break;
    }
    return sum;
  }

  Z loss_with_c(const std::vector<Z>& s, const Z& c) const {
    Z sum = 0;
    for (std::size_t i = 0; i < n_; ++i) sum += loss_of(Z(s[i] + c - y_[i]));
    return sum;
  }

  // The loss is convex in c, so along the sorted domain its differences change
  // sign once (negative, then ≥ 0): binary search for the first non-negative one.
  void leaf(const std::vector<Z>& s, std::size_t g, std::size_t u) {
    const auto& D = *cdom_;
    std::size_t lo = 0, hi = D.size() - 1;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (loss_with_c(s, from_i64<Z>(D[mid + 1])) < loss_with_c(s, from_i64<Z>(D[mid]))) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    const Z loss = loss_with_c(s, from_i64<Z>(D[lo]));
    if (loss < best_) {
      decode(groups_[g], u);
      theta_[inst_.index_bias(L_, 0)] = D[lo];
      best_ = loss;
      best_theta_ = theta_;
      if (best_ == 0) stop_ = true;  // nothing can beat loss 0
    }
  }

  void dfs(std::size_t g, std::size_t min_u) {
    const std::size_t table = shared_ ? 0 : g;
    const std::size_t T = count_[table];
    const auto& s = buffers_[g];
    auto& next = buffers_[g + 1];
    const auto& contrib = contrib_[table];
    for (std::size_t u = shared_ ? min_u : 0; u < T; ++u) {
      if (!tick()) return;
      for (std::size_t i = 0; i < n_; ++i) next[i] = s[i] + contrib[u * n_ + i];
      if (g + 1 == groups_.size()) {
        leaf(next, g, u);
      } else {
        if (bounds_ && !(lower_bound(next, g + 1, u) < best_)) continue;
        decode(groups_[g], u);
        dfs(g + 1, u);
      }
      if (stop_) return;
    }
  }

  const DnntInstance& inst_;
  std::vector<int> sizes_;
  int L_;
  bool symmetry_, bounds_, square_ = true;
  std::int64_t max_nodes_;
  Deadline deadline_;
  std::size_t n_;
  std::vector<Z> y_;
  Theta theta_, best_theta_;
  Z best_ = 0;
  bool stop_ = false, timed_out_ = false;
  std::int64_t nodes_ = 0;

  // Final stage.
  std::vector<std::vector<std::size_t>> groups_;
  bool shared_ = false;
  std::vector<std::vector<Z>> contrib_;
  std::vector<std::size_t> count_;
  std::vector<Z> lo_, hi_;
  const std::vector<std::int64_t>* cdom_ = nullptr;
  Z cmin_ = 0, cmax_ = 0;
  std::vector<std::vector<Z>> buffers_;
};

template <class Z>
Fit solve(const DnntInstance& inst, const DnntBruteOptions& options, double time_limit) {
  Search<Z> search(inst, options.symmetry, options.bounds, options.max_nodes, time_limit);
  const dnnt::Solution solution = search.run();
  Fit fit = dnnt::make_fit(inst, solution, "dnnt_brute");
  fit.stats["nodes"] = static_cast<double>(search.nodes());
  fit.stats["int64"] = std::is_same_v<Z, std::int64_t> ? 1.0 : 0.0;
  return fit;
}

}  // namespace

DnntBruteLearner::DnntBruteLearner() {
  options_.cite("doronarad2025discretely", "the problem (D-NNT)");
  using O = DnntBruteOptions;
  options_
      .flag("symmetry", &O::symmetry, true,
            "enumerate interchangeable hidden units in non-decreasing order")
      .flag("bounds", &O::bounds, true, "cut branches whose loss lower bound reaches the best loss")
      .integer("max_nodes", &O::max_nodes, 0, 0, 1'000'000'000'000'000,
               "stop after this many search nodes (0 = no limit); a stopped search is status "
               "timeout and its loss only an upper bound");
}

Fit DnntBruteLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  check_training_set("dnnt_brute", train);
  const DnntBruteOptions options = options_.read(params);
  if (ctx.task.empty()) {
    fail(
        "dnnt_brute: needs a D-NNT task description (task.json, from the problems dnnt_random "
        "or dnnt_reduction)");
  }
  const DnntInstance inst = DnntInstance::from_task(ctx.task, train);
  if (inst.fits_int64()) return solve<std::int64_t>(inst, options, ctx.time_limit_seconds);
  return solve<mpz_class>(inst, options, ctx.time_limit_seconds);
}

}  // namespace hardnets
