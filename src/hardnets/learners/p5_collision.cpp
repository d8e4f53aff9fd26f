#include "hardnets/learners/p5_collision.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/gf2.h"
#include "hardnets/learners/gf2_system.h"
#include "hardnets/learners/prg_decode.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<P5CollisionLearner>()};

constexpr const char* kWho = "p5_collision";

struct Timeout {};

// The attack's state for one instance.
class Attack {
 public:
  Attack(const goldreich::Predicate& p, const goldreich::Hypergraph& g,
         const std::vector<std::uint8_t>& labels, std::int64_t max_candidates,
         const Deadline& deadline)
      : p_(p),
        g_(g),
        labels_(labels),
        n_(g.n),
        max_candidates_(max_candidates),
        deadline_(deadline),
        base_(g.n) {
    std::unordered_map<std::uint64_t, int> ids;
    std::vector<char> used(static_cast<std::size_t>(n_), 0);
    for (std::int64_t i = 0; i < g.size(); ++i) {
      const auto e = g.edge(i);
      for (int j = 0; j < 5; ++j)
        used[static_cast<std::size_t>(e[static_cast<std::size_t>(j)])] = 1;
      const int u = std::min(e[3], e[4]), v = std::max(e[3], e[4]);
      const std::uint64_t key = static_cast<std::uint64_t>(u) * static_cast<std::uint64_t>(n_) +
                                static_cast<std::uint64_t>(v);
      const auto [it, inserted] = ids.try_emplace(key, static_cast<int>(pairs_.size()));
      if (inserted) {
        pairs_.push_back({u, v});
        outputs_of_.emplace_back();
      }
      outputs_of_[static_cast<std::size_t>(it->second)].push_back(i);
    }
    // (a) The collision equations, and s_v = 0 for the bits in no output.
    for (const auto& list : outputs_of_) {
      const auto e0 = g.edge(list[0]);
      for (std::size_t j = 1; j < list.size(); ++j) {
        const auto ej = g.edge(list[j]);
        const int cols[6] = {e0[0], e0[1], e0[2], ej[0], ej[1], ej[2]};
        base_.add_sparse(cols, (labels[static_cast<std::size_t>(list[0])] ^
                                labels[static_cast<std::size_t>(list[j])]) != 0);
        ++collisions_;
      }
    }
    for (int v = 0; v < n_; ++v) {
      if (!used[static_cast<std::size_t>(v)]) {
        const int col[1] = {v};
        base_.add_sparse(col, false);
        ++unseen_;
      }
    }
  }

  std::int64_t collisions() const { return collisions_; }
  int unseen() const { return unseen_; }

  // (b) The greedy plan: guessed bits in order, until the linear equations
  // number at least `target` (or every bit is guessed). `equations` gets the
  // final count.
  std::vector<int> plan(std::int64_t target, std::int64_t& equations) const {
    std::vector<int> count(static_cast<std::size_t>(n_), 0);
    std::vector<std::vector<int>> pairs_with(static_cast<std::size_t>(n_));
    for (std::size_t q = 0; q < pairs_.size(); ++q) {
      for (int v : {pairs_[q].first, pairs_[q].second}) {
        ++count[static_cast<std::size_t>(v)];
        pairs_with[static_cast<std::size_t>(v)].push_back(static_cast<int>(q));
      }
    }
    std::vector<char> alive(pairs_.size(), 1), guessed(static_cast<std::size_t>(n_), 0);
    std::vector<int> order;
    equations = collisions_ + unseen_;
    while (equations < target && static_cast<int>(order.size()) < n_) {
      int best = -1;
      for (int v = 0; v < n_; ++v) {
        if (!guessed[static_cast<std::size_t>(v)] &&
            (best < 0 ||
             count[static_cast<std::size_t>(v)] > count[static_cast<std::size_t>(best)]))
          best = v;
      }
      guessed[static_cast<std::size_t>(best)] = 1;
      order.push_back(best);
      equations += 1 + count[static_cast<std::size_t>(best)];
      for (int q : pairs_with[static_cast<std::size_t>(best)]) {
        if (!alive[static_cast<std::size_t>(q)]) continue;
        alive[static_cast<std::size_t>(q)] = 0;
        const auto [u, v] = pairs_[static_cast<std::size_t>(q)];
        --count[static_cast<std::size_t>(u)];
        --count[static_cast<std::size_t>(v)];
      }
    }
    return order;
  }

  // The collision system's own solution (the partial seed when nothing is
  // searched).
  std::vector<std::uint8_t> base_seed() const { return base_.solve().x; }

  // (c) One assignment of the guessed bits. True when a seed reproducing
  // every output was found (then in best_seed()). Throws Timeout.
  bool try_assignment(const std::vector<int>& guessed, std::uint64_t values) {
    ++assignments_;
    std::vector<int> known(static_cast<std::size_t>(n_), -1);
    gf2::System sys = base_;
    for (std::size_t j = 0; j < guessed.size(); ++j) {
      const int v = guessed[j];
      const int bit = static_cast<int>((values >> j) & 1u);
      known[static_cast<std::size_t>(v)] = bit;
      const int col[1] = {v};
      sys.add_sparse(col, bit != 0);
    }
    std::vector<char> linear(pairs_.size(), 0);
    gf2::SolveOptions options;
    options.kernel_limit = n_;
    gf2::Solution sol;
    while (true) {
      // Linearize the outputs of every pair with a known bit.
      for (std::size_t q = 0; q < pairs_.size(); ++q) {
        if (linear[q]) continue;
        const auto [u, v] = pairs_[q];
        const int ku = known[static_cast<std::size_t>(u)], kv = known[static_cast<std::size_t>(v)];
        if (ku < 0 && kv < 0) continue;
        linear[q] = 1;
        for (std::int64_t i : outputs_of_[q]) {
          const auto e = g_.edge(i);
          int cols[4] = {e[0], e[1], e[2], 0};
          int len = 3;
          bool rhs = labels_[static_cast<std::size_t>(i)] != 0;
          if (ku == 0 || kv == 0) {
          } else if (ku == 1 && kv == 1) {
            rhs = !rhs;
          } else {
            cols[len++] = ku == 1 ? v : u;  // s_u s_v = the unknown one
          }
          sys.add_sparse(std::span<const int>(cols, static_cast<std::size_t>(len)), rhs);
        }
      }
      ++solves_;
      sol = sys.solve(options);
      rank_ = std::max(rank_, sol.rank);
      if (!sol.consistent) return false;
      if (deadline_.expired()) throw Timeout{};
      // Bits the system determines: zero in every kernel vector.
      std::vector<char> free_bit(static_cast<std::size_t>(n_), 0);
      for (const auto& d : sol.kernel) {
        for (int c = 0; c < n_; ++c)
          free_bit[static_cast<std::size_t>(c)] |= d[static_cast<std::size_t>(c)];
      }
      bool progress = false;
      for (int c = 0; c < n_; ++c) {
        if (!free_bit[static_cast<std::size_t>(c)] && known[static_cast<std::size_t>(c)] < 0) {
          known[static_cast<std::size_t>(c)] = sol.x[static_cast<std::size_t>(c)];
          progress = true;
        }
      }
      if (!progress) break;
    }
    // The solution space, in Gray-code order, each seed checked on every output.
    const int basis = static_cast<int>(std::min<std::size_t>(sol.kernel.size(), 62));
    const std::int64_t total = std::min<std::int64_t>(max_candidates_, std::int64_t{1} << basis);
    std::vector<std::uint8_t> seed = sol.x;
    for (std::int64_t t = 0; t < total; ++t) {
      if (t > 0) {
        const auto& d =
            sol.kernel[static_cast<std::size_t>(std::countr_zero(static_cast<std::uint64_t>(t)))];
        for (int c = 0; c < n_; ++c)
          seed[static_cast<std::size_t>(c)] ^= d[static_cast<std::size_t>(c)];
      }
      if ((t & 255) == 255 && deadline_.expired()) throw Timeout{};
      ++candidates_;
      const std::int64_t wrong = gf2::mismatches(p_, g_, seed, labels_, best_wrong_);
      if (wrong < best_wrong_) {
        best_wrong_ = wrong;
        best_seed_ = seed;
        final_rank_ = sol.rank;
      }
      if (wrong == 0) return true;
    }
    return false;
  }

  const std::vector<std::uint8_t>& best_seed() const { return best_seed_; }
  std::int64_t best_wrong() const { return best_wrong_; }
  std::int64_t assignments() const { return assignments_; }
  std::int64_t candidates() const { return candidates_; }
  std::int64_t solves() const { return solves_; }
  int rank() const { return final_rank_ >= 0 ? final_rank_ : rank_; }

 private:
  const goldreich::Predicate& p_;
  const goldreich::Hypergraph& g_;
  const std::vector<std::uint8_t>& labels_;
  int n_;
  std::int64_t max_candidates_;
  const Deadline& deadline_;
  std::vector<std::pair<int, int>> pairs_;             // distinct unordered pairs {d, e}
  std::vector<std::vector<std::int64_t>> outputs_of_;  // outputs of each pair
  gf2::System base_;
  std::int64_t collisions_ = 0;
  int unseen_ = 0;
  std::int64_t assignments_ = 0, candidates_ = 0, solves_ = 0;
  int rank_ = 0, final_rank_ = -1;
  std::vector<std::uint8_t> best_seed_;
  std::int64_t best_wrong_ = INT64_MAX;
};

}  // namespace

P5CollisionLearner::P5CollisionLearner() {
  options_.cite("couteau2018concrete", "the attack: collisions plus guess-and-determine on P5")
      .cite("m4ri", "GF(2) elimination");
  using O = P5CollisionOptions;
  options_
      .integer("max_guesses", &O::max_guesses, 24, 0, 62,
               "guess budget g: 2^g assignments at most; a plan that needs more is not run "
               "(found = false, guesses_needed reported)")
      .integer("margin", &O::margin, 8, 0, 1 << 20,
               "guess until the linear equations number at least n + margin")
      .integer("max_candidates", &O::max_candidates, 4096, 1, std::int64_t{1} << 40,
               "seeds of each assignment's solution space verified at most (Gray code)");
}

Fit P5CollisionLearner::fit_impl(const Dataset& train, const Params& params,
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
  const P5CollisionOptions options = options_.read(params);
  const Deadline deadline(ctx.time_limit_seconds);
  const goldreich::Task task =
      gf2::p5_task(ctx.task, kWho, "gf2 is the general algebraic (linearization) attack");
  const goldreich::Predicate& p5 = task.predicate;
  const goldreich::Hypergraph g = goldreich::decode(train.X, task, kWho);
  const auto labels = gf2::label_bits(train.y, kWho);
  const int n = task.n;
  const std::int64_t m = g.size();

  Attack attack(p5, g, labels, options.max_candidates, deadline);
  std::int64_t equations = 0;
  const auto guessed = attack.plan(n + options.margin, equations);
  const int g_needed = static_cast<int>(guessed.size());
  const int max_guesses = options.max_guesses;

  Fit fit;
  const double c = static_cast<double>(attack.collisions());
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["collisions"] = c;
  fit.stats["expected_collisions"] = goldreich::expected_pair_collisions(n, m);
  fit.stats["estimated_guesses"] = std::max(0.0, n * (n - c) / (2.0 * static_cast<double>(m) + n));
  fit.stats["guesses_needed"] = g_needed;
  fit.stats["equations"] = static_cast<double>(equations);
  fit.stats["unknowns"] = n;
  fit.stats["unseen_variables"] = attack.unseen();

  bool found = false;
  std::vector<std::uint8_t> seed;
  if (g_needed > max_guesses) {
    fit.message = fmt::format(
        "p5_collision: the greedy plan needs {} guesses (2^{} assignments), over max_guesses = {}",
        g_needed, g_needed, max_guesses);
    fit.stats["guesses"] = 0;
    seed = attack.base_seed();
  } else {
    fit.stats["guesses"] = g_needed;
    try {
      const std::uint64_t total = std::uint64_t{1} << g_needed;
      for (std::uint64_t a = 0; a < total && !found; ++a) {
        if (deadline.expired()) throw Timeout{};
        found = attack.try_assignment(guessed, a);
      }
    } catch (const Timeout&) {
      fit.status = Outcome::time_limit;
      fit.message = fmt::format(
          "p5_collision: the time limit stopped the search after {} of 2^{} assignments",
          attack.assignments(), g_needed);
    }
    seed = attack.best_seed().empty() ? attack.base_seed() : attack.best_seed();
  }
  fit.stats["assignments"] = static_cast<double>(attack.assignments());
  fit.stats["candidates"] = static_cast<double>(attack.candidates());
  fit.stats["solves"] = static_cast<double>(attack.solves());
  fit.stats["rank"] = attack.rank();
  const std::int64_t wrong = gf2::mismatches(p5, g, seed, labels);
  fit.stats["mismatches"] = static_cast<double>(wrong);
  fit.stats[metric::kTrainLoss] = static_cast<double>(wrong) / static_cast<double>(m);
  fit.stats["found"] = found ? 1.0 : 0.0;
  fit.output["seed"] = goldreich::seed_to_string(seed);
  fit.output["found"] = found;
  fit.output["guesses"] = g_needed <= max_guesses ? g_needed : 0;
  fit.output["guesses_needed"] = g_needed;
  fit.predictor = std::make_shared<goldreich::SeedPredictor>(task, seed);
  return fit;
}

}  // namespace hardnets
