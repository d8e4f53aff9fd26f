#include "hardnets/learners/gf2.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "hardnets/contracts/parity.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/gf2_system.h"
#include "hardnets/learners/prg_decode.h"

namespace hardnets {
namespace gf2 {

goldreich::Task p5_task(const Json& task_json, const std::string& who,
                        const std::string& alternatives) {
  if (!task_json.is_object() || task_json.value("family", "") != "goldreich") {
    fail(
        "{}: needs a Goldreich PRG task (family = goldreich, e.g. prg_hyperedge) or a lifted PRG "
        "network task (family = prg_depth3 or prg_depth2_smoothed, decoded first), got {}",
        who,
        task_json.is_object() && task_json.contains("family") ? task_json["family"].dump()
                                                              : "no family");
  }
  goldreich::Task task = goldreich::Task::from_json(task_json, who);
  const goldreich::Predicate p5 = goldreich::p5_predicate();
  if (task.predicate.k != 5 || task.predicate.hex() != p5.hex()) {
    fail(
        "{}: works on P5 = x1 ⊕ x2 ⊕ x3 ⊕ x4 x5 only (k = 5, table {}), got predicate {} (k = {}, "
        "table {}); {}",
        who, p5.hex(), task.predicate.label(), task.predicate.k, task.predicate.hex(),
        alternatives);
  }
  return task;
}

std::vector<std::uint8_t> label_bits(const Vector& y, const std::string& who) {
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (y[i] != 0.0 && y[i] != 1.0) {
      fail("{}: label {} is {}, not a PRG output bit 0 or 1", who, i, y[i]);
    }
    bits[static_cast<std::size_t>(i)] = y[i] == 1.0;
  }
  return bits;
}

std::int64_t mismatches(const goldreich::Predicate& p, const goldreich::Hypergraph& g,
                        const std::vector<std::uint8_t>& seed,
                        const std::vector<std::uint8_t>& labels, std::int64_t stop_above) {
  std::int64_t wrong = 0;
  for (std::int64_t i = 0; i < g.size(); ++i) {
    if (p(goldreich::pattern(g.edge(i), seed)) != labels[static_cast<std::size_t>(i)]) {
      if (++wrong > stop_above) break;
    }
  }
  return wrong;
}

}  // namespace gf2

namespace {

const LearnerRegistration kRegister{std::make_unique<Gf2Learner>()};

constexpr const char* kWho = "gf2";
// Kernel vectors computed for the seed's solution space at most (enough for
// the candidate search and, below it, for the determined-bit count).
constexpr std::int64_t kKernelLimit = 1024;

double binomial(int n, int d) {
  double c = 1;
  for (int j = 0; j < d; ++j) c = c * (n - j) / (j + 1);
  return c;
}

void check_memory(double rows, double columns, double full_unknowns, double max_mb) {
  // The packed rows and M4RI's copy.
  const double mb = 2.0 * gf2::System::matrix_bytes(rows, columns) / (1024.0 * 1024.0);
  if (mb > max_mb) {
    fail(
        "gf2: the linear system is {} equations × {} unknowns ({:.4g} in the full "
        "linearization), about {:.1f} MiB for the bit matrix and M4RI's copy, over max_mb = {}; "
        "raise -l max_mb, use fewer samples or a lower degree",
        static_cast<std::int64_t>(rows), static_cast<std::int64_t>(columns), full_unknowns, mb,
        max_mb);
  }
}

}  // namespace

namespace gf2 {

// D = `requested`, or P's GF(2) degree (exact) when 0.
Linearization linearize(const goldreich::Predicate& P, int n, std::int64_t requested) {
  Linearization lin;
  lin.anf = goldreich::algebraic_normal_form(P);
  lin.degree = requested == 0 ? goldreich::gf2_degree(P) : static_cast<int>(requested);
  std::vector<char> degree_present(static_cast<std::size_t>(P.k) + 1, 0);
  for (std::uint32_t T = 1; T < lin.anf.size(); ++T) {
    if (!lin.anf[T]) continue;
    const int d = std::popcount(T);
    if (d > lin.degree) {
      ++lin.dropped;
      continue;
    }
    degree_present[static_cast<std::size_t>(d)] = 1;
    (d == 1 ? lin.linear : lin.high).push_back(T);
  }
  for (int d = 1; d <= P.k; ++d) {
    if (degree_present[static_cast<std::size_t>(d)]) lin.full_unknowns += binomial(n, d);
  }
  return lin;
}

Columns number_columns(const goldreich::Hypergraph& g, const Linearization& lin, int n, int k) {
  const std::int64_t m = g.size();
  Columns c;
  std::unordered_map<std::string, int> high_col;
  c.eq_cols.reserve(static_cast<std::size_t>(m) * lin.high.size());
  c.var_col.assign(static_cast<std::size_t>(n), -1);
  std::string key;
  for (std::int64_t i = 0; i < m; ++i) {
    const auto e = g.edge(i);
    for (std::uint32_t T : lin.high) {
      std::int32_t idx[goldreich::kMaxArity];
      int len = 0;
      for (int j = 0; j < k; ++j) {
        if ((T >> j) & 1u) idx[len++] = e[static_cast<std::size_t>(j)];
      }
      std::sort(idx, idx + len);
      key.assign(reinterpret_cast<const char*>(idx), sizeof(std::int32_t) * len);
      const auto [it, inserted] = high_col.try_emplace(key, static_cast<int>(high_col.size()));
      c.eq_cols.push_back(it->second);
    }
    for (std::uint32_t T : lin.linear)
      c.var_col[static_cast<std::size_t>(e[std::countr_zero(T)])] = 0;
  }
  c.H = static_cast<int>(high_col.size());
  for (int v = 0; v < n; ++v) {
    if (c.var_col[static_cast<std::size_t>(v)] == 0) {
      c.var_col[static_cast<std::size_t>(v)] = c.H + c.V++;
      c.col_var.push_back(v);
    }
  }
  return c;
}

}  // namespace gf2

namespace {

using gf2::Columns;
using gf2::Linearization;

// One equation per output: its monomials' columns = label ⊕ a_∅.
void add_equations(gf2::System& system, const goldreich::Hypergraph& g, const Linearization& lin,
                   const Columns& c, const std::vector<std::uint8_t>& labels) {
  const std::int64_t m = g.size();
  system.reserve(m);
  std::vector<int> cols;
  for (std::int64_t i = 0; i < m; ++i) {
    const auto e = g.edge(i);
    cols.assign(c.eq_cols.begin() + static_cast<std::ptrdiff_t>(i * lin.high.size()),
                c.eq_cols.begin() + static_cast<std::ptrdiff_t>((i + 1) * lin.high.size()));
    for (std::uint32_t T : lin.linear) {
      cols.push_back(c.var_col[static_cast<std::size_t>(e[std::countr_zero(T)])]);
    }
    system.add_sparse(cols, (labels[static_cast<std::size_t>(i)] ^ lin.anf[0]) != 0);
  }
}

// Eliminates, with kernel vectors for the seed's columns; records rank,
// kernel dimensions and (when the kernel is complete) the determined bits.
gf2::Solution eliminate(const gf2::System& system, const Columns& c, double full_unknowns,
                        Fit& fit) {
  gf2::SolveOptions options;
  options.kernel_first = c.H;
  options.kernel_limit = kKernelLimit;
  const Deadline elimination;
  gf2::Solution sol = system.solve(options);
  fit.stats["elimination_seconds"] = elimination.seconds();
  fit.stats["rank"] = sol.rank;
  fit.stats["kernel_dim"] = full_unknowns - sol.rank;
  fit.stats["seed_kernel_dim"] = sol.free_from(c.H);
  if (sol.kernel_complete) {
    std::vector<char> free_bit(static_cast<std::size_t>(c.V), 0);
    for (const auto& d : sol.kernel) {
      for (int j = 0; j < c.V; ++j)
        free_bit[static_cast<std::size_t>(j)] |= d[static_cast<std::size_t>(j)];
    }
    fit.stats["determined_bits"] =
        c.V - static_cast<double>(std::count(free_bit.begin(), free_bit.end(), 1));
  }
  return sol;
}

// The seed of a solution: its degree-1 part (bits without a column stay 0).
std::vector<std::uint8_t> seed_of(const gf2::Solution& sol, const Columns& c, int n) {
  std::vector<std::uint8_t> seed(static_cast<std::size_t>(n), 0);
  for (int j = 0; j < c.V; ++j) {
    seed[static_cast<std::size_t>(c.col_var[static_cast<std::size_t>(j)])] =
        sol.x[static_cast<std::size_t>(c.H + j)];
  }
  return seed;
}

// The best seed of the solution space: `seed` first, then (when it misses
// labels) the seeds seed ⊕ Σ kernel vectors in Gray-code order, up to
// max_candidates in all, until one reproduces every label.
struct SeedSearch {
  std::vector<std::uint8_t> seed;
  std::int64_t wrong = 0;       // its mismatched labels
  std::int64_t candidates = 1;  // seeds tried
  bool timed_out = false;
};

SeedSearch search_seeds(const goldreich::Predicate& P, const goldreich::Hypergraph& g,
                        const std::vector<std::uint8_t>& labels, const gf2::Solution& sol,
                        const Columns& c, std::vector<std::uint8_t> seed,
                        std::int64_t max_candidates, const Deadline& deadline) {
  SeedSearch search;
  search.wrong = gf2::mismatches(P, g, seed, labels);
  if (sol.consistent && search.wrong > 0 && !sol.kernel.empty()) {
    const int basis = static_cast<int>(std::min<std::size_t>(sol.kernel.size(), 62));
    const std::int64_t total = std::min<std::int64_t>(max_candidates, std::int64_t{1} << basis);
    std::vector<std::uint8_t> trial = seed, best = seed;
    for (std::int64_t t = 1; t < total && search.wrong > 0; ++t) {
      if ((t & 255) == 0 && deadline.expired()) {
        search.timed_out = true;
        break;
      }
      const auto& d =
          sol.kernel[static_cast<std::size_t>(std::countr_zero(static_cast<std::uint64_t>(t)))];
      for (int j = 0; j < c.V; ++j) {
        trial[static_cast<std::size_t>(c.col_var[static_cast<std::size_t>(j)])] ^=
            d[static_cast<std::size_t>(j)];
      }
      ++search.candidates;
      const std::int64_t w = gf2::mismatches(P, g, trial, labels, search.wrong);
      if (w < search.wrong) {
        search.wrong = w;
        best = trial;
      }
    }
    seed = best;
  }
  search.seed = std::move(seed);
  return search;
}

// Fit.output {seed, found, consistent}, their stats and the seed's predictor.
Fit finish_goldreich(Fit fit, const goldreich::Task& task, const std::vector<std::uint8_t>& seed,
                     bool found, bool consistent) {
  fit.output["seed"] = goldreich::seed_to_string(seed);
  fit.output["found"] = found;
  fit.output["consistent"] = consistent;
  fit.stats["found"] = found ? 1.0 : 0.0;
  fit.stats["consistent"] = consistent ? 1.0 : 0.0;
  fit.predictor = std::make_shared<goldreich::SeedPredictor>(task, seed);
  return fit;
}

Fit fit_goldreich(const Dataset& train, const Gf2Options& options, const LearnerContext& ctx,
                  const Deadline& deadline) {
  const goldreich::Task task = goldreich::Task::from_json(ctx.task, kWho);
  const goldreich::Predicate& P = task.predicate;
  const goldreich::Hypergraph g = goldreich::decode(train.X, task, kWho);
  const auto labels = gf2::label_bits(train.y, kWho);
  const int n = task.n;
  const std::int64_t m = g.size();

  const Linearization lin = gf2::linearize(P, n, options.degree);
  Columns columns = gf2::number_columns(g, lin, n, P.k);
  check_memory(static_cast<double>(m), columns.count(), lin.full_unknowns, options.max_mb);
  gf2::System system(columns.count());
  add_equations(system, g, lin, columns, labels);
  columns.eq_cols = {};  // in the system now

  Fit fit;
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["equations"] = static_cast<double>(m);
  fit.stats["unknowns"] = lin.full_unknowns;
  fit.stats["columns"] = columns.count();
  fit.stats["degree"] = lin.degree;
  fit.stats["dropped_terms"] = lin.dropped;
  fit.stats["unseen_variables"] = n - columns.V;
  fit.stats["matrix_mb"] =
      gf2::System::matrix_bytes(static_cast<double>(m), columns.count()) / 1048576.0;
  if (deadline.expired()) {
    fit.status = Outcome::time_limit;
    fit.message = "gf2: the time limit ran out while the equations were built";
    return finish_goldreich(std::move(fit), task, std::vector<std::uint8_t>(n, 0), false, false);
  }

  const gf2::Solution sol = eliminate(system, columns, lin.full_unknowns, fit);
  fit.output["unique"] = sol.consistent && sol.free_from(columns.H) == 0 && columns.V == n;
  const SeedSearch search = search_seeds(P, g, labels, sol, columns, seed_of(sol, columns, n),
                                         options.max_candidates, deadline);
  if (search.timed_out) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format(
        "gf2: the time limit stopped the search of the solution space after {} candidates",
        search.candidates);
  }
  fit.stats["candidates"] = static_cast<double>(search.candidates);
  fit.stats["mismatches"] = static_cast<double>(search.wrong);
  fit.stats[metric::kTrainLoss] = static_cast<double>(search.wrong) / static_cast<double>(m);
  return finish_goldreich(std::move(fit), task, search.seed, sol.consistent && search.wrong == 0,
                          sol.consistent);
}

Fit fit_parity(const Dataset& train, const Gf2Options& options, const LearnerContext& ctx,
               const Deadline& deadline) {
  int n = 0;
  try {
    n = ctx.task.at("n").get<int>();
  } catch (const Json::exception& e) {
    fail("gf2: malformed parity task: {}", e.what());
  }
  if (train.dim() != n) {
    fail("gf2: a parity row has n = {} entries, got {} columns", n, train.dim());
  }
  const Eigen::Index m = train.size();
  check_memory(static_cast<double>(m), n, n, options.max_mb);
  gf2::System system(n);
  system.reserve(m);
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < m; ++i) {
    const double* x = train.X.data() + i * n;  // row-major
    bool bad = false;
    for (int j = 0; j < n; ++j) {
      bad |= (x[j] != 1.0) & (x[j] != -1.0);
      bits[static_cast<std::size_t>(j)] = x[j] < 0;
    }
    if (bad) {
      for (int j = 0; j < n; ++j) {
        if (x[j] != 1.0 && x[j] != -1.0)
          fail("gf2: parity row {} column {} is {}, not ±1", i, j, x[j]);
      }
    }
    const double y = train.y[i];
    if (y != 1.0 && y != -1.0) fail("gf2: parity label {} is {}, not ±1", i, y);
    system.add_dense(bits, y == -1.0);
  }

  Fit fit;
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["equations"] = static_cast<double>(m);
  fit.stats["unknowns"] = n;
  fit.stats["matrix_mb"] = gf2::System::matrix_bytes(static_cast<double>(m), n) / 1048576.0;
  std::vector<int> support;
  bool consistent = false, found = false;
  if (deadline.expired()) {
    fit.status = Outcome::time_limit;
    fit.message = "gf2: the time limit ran out while the equations were built";
  } else {
    const Deadline elimination;
    const gf2::Solution sol = system.solve();
    fit.stats["elimination_seconds"] = elimination.seconds();
    fit.stats["rank"] = sol.rank;
    fit.stats["kernel_dim"] = sol.kernel_dim();
    for (int j = 0; j < n; ++j) {
      if (sol.x[static_cast<std::size_t>(j)]) support.push_back(j);
    }
    consistent = sol.consistent;
    found = sol.consistent && sol.rank == n;
  }
  fit.stats["support_size"] = static_cast<double>(support.size());
  fit.stats["found"] = found ? 1.0 : 0.0;
  fit.stats["consistent"] = consistent ? 1.0 : 0.0;
  fit.output["support"] = support;
  fit.output["found"] = found;
  fit.output["consistent"] = consistent;
  fit.predictor = std::make_shared<ParityPredictor>(support);
  return fit;
}

}  // namespace

Gf2Learner::Gf2Learner() {
  options_.cite("m4ri", "GF(2) elimination")
      .cite("applebaum2016algebraic", "linearization attacks on local functions")
      .cite("couteau2018concrete", "attacks on Goldreich's PRG");
  using O = Gf2Options;
  options_
      .integer("degree", &O::degree, 0, 0, goldreich::kMaxArity,
               "Goldreich: linearize the predicate's ANF up to this degree; 0 = its GF(2) degree "
               "(exact); lower drops terms (noisy equations)")
      .real("max_mb", &O::max_mb, 2048, 1, 1e7,
            "refuse a linear system whose bit matrix (twice) exceeds this, MiB")
      .integer("max_candidates", &O::max_candidates, 1024, 1, std::int64_t{1} << 40,
               "Goldreich: seeds of the solution space tried (Gray code) when the first one misses "
               "labels");
}

Fit Gf2Learner::fit_impl(const Dataset& train, const Params& params,
                         const LearnerContext& ctx) const {
  check_training_set(kWho, train);
  const Gf2Options options = options_.read(params);
  const Deadline& deadline = ctx.deadline;  // started by Learner::fit
  const std::string family =
      ctx.task.is_object() && ctx.task.contains("family") && ctx.task["family"].is_string()
          ? ctx.task["family"].get<std::string>()
          : "";
  if (family == "parity") return fit_parity(train, options, ctx, deadline);
  // A lifted PRG network: decode the clean rows to challenges, then this
  // same attack on them (prg_decode.h).
  if (prg_decode::is_network_task(ctx.task)) {
    return prg_decode::decode_then_attack(
        kWho, train, ctx, [&](const Dataset& challenges, const LearnerContext& inner) {
          return fit_impl(challenges, params, inner);
        });
  }
  if (family != "goldreich") {
    fail(
        "gf2: needs a Goldreich PRG task (family = goldreich: prg_hyperedge and the other PRG "
        "problems), a lifted PRG network task (family = prg_depth3 or prg_depth2_smoothed, "
        "decoded first) or a parity task (family = parity: sparse_parity), got {}",
        family.empty() ? "no family" : "family = " + family);
  }
  return fit_goldreich(train, options, ctx, deadline);
}

}  // namespace hardnets
