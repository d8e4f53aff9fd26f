// Goldreich's local pseudorandom generator: the PRG core of Daniely–Vardi
// (COLT 2021) and Daniely–Srebro–Vardi (NeurIPS 2023).
//
// A seed s ∈ {0,1}^n, m hyperedges S_1..S_m, each an ORDERED k-tuple of
// DISTINCT indices drawn uniformly from the n(n-1)...(n-k+1) possibilities
// (independently; repeats allowed), and a predicate P : {0,1}^k → {0,1}. The
// outputs are y_i = P(s_{S_i}). The hypergraph and the predicate are public;
// only the seed is secret. Stretch: m = n^σ.
//
// Conventions used everywhere (tests, task.json, docs):
//   - indices are 0-based;
//   - the pattern of a hyperedge (i_1..i_k) under s is x = Σ_j s_{i_j} 2^{j-1},
//     i.e. bit j-1 of x is the seed bit at the j-th index;
//   - a truth table is the integer T = Σ_x P(x) 2^x written in hexadecimal,
//     most significant digit first, exactly max(1, 2^k / 4) digits
//     (XOR_2 = "6", XOR_3 = "96");
//   - the Walsh coefficient of T ⊆ [k] (a bitmask) is
//     W(T) = E_x[(-1)^{P(x)} (-1)^{|x ∧ T|}], x uniform.
//
// Predicates: xor (XOR_k), p5 (x1 ⊕ x2 ⊕ x3 ⊕ (x4 ∧ x5)), xor_maj (a, b):
// (x1 ⊕ ... ⊕ x_a) ⊕ MAJ(x_{a+1}, ..., x_{a+b}), b odd, and any truth table.
//
// In the contracts layer: the problems build these tasks and the attacks read
// them, and neither depends on the other.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hardnets/contracts/fit.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"
#include "hardnets/core/params.h"
#include "hardnets/core/rng.h"

namespace hardnets::goldreich {

inline constexpr int kMaxArity = 16;  // truth tables of 2^16 entries at most

struct Predicate {
  std::string name;                 // "xor", "p5", "xor_maj" or "table"
  int k = 0;                        // arity
  int a = 0, b = 0;                 // xor_maj only
  std::vector<std::uint8_t> table;  // 2^k entries in {0, 1}

  int operator()(std::uint32_t pattern) const { return table[pattern]; }
  // The truth table in the hexadecimal convention above.
  std::string hex() const;
  // "xor_3", "p5", "xor_maj_2_3", "table_96": a name that fixes the function.
  std::string label() const;
};

Predicate xor_predicate(int k);
Predicate p5_predicate();
Predicate xor_maj_predicate(int a, int b);
// A truth table in hex (UserError naming `owner` and the expected length
// when wrong).
Predicate table_predicate(int k, const std::string& hex, const std::string& owner = "goldreich");

// Walsh spectrum: 2^k coefficients W(T) (see the header comment).
std::vector<double> walsh_spectrum(const Predicate& p);
// Algebraic normal form: anf[T] = 1 iff the monomial Π_{j∈T} x_j appears in
// the GF(2) polynomial of P (Möbius transform of the truth table).
std::vector<std::uint8_t> algebraic_normal_form(const Predicate& p);
// GF(2) degree: the largest |T| with anf[T] = 1 (0 for a constant).
int gf2_degree(const Predicate& p);
// t(P): the smallest |T| > 0 with W(T) ≠ 0 (P is (t-1)-wise independent); k+1
// if there is none (P is constant or unbalanced only through W(∅)).
int resilience_order(const Predicate& p);
// Pr[P(x) = 1] for x uniform.
double bias(const Predicate& p);
// Whether P(¬x) = P(x) for every x: then s and its complement give the same
// outputs on every hypergraph and are indistinguishable.
bool complement_invariant(const Predicate& p);

// The predicate parameters every PRG problem declares once: n, predicate, k,
// a, b, table (docs: "k follows from the predicate where it is fixed").
void declare_predicate_params(ParamSpec& spec);
// The predicate those parameters name; k = n is checked by the caller.
// UserError (naming `owner`) for xor_maj with even b, a + b > 16, a table of
// the wrong length or with non-hex characters.
Predicate predicate_from_params(const Params& params, const std::string& owner);

// m hyperedges of k distinct ordered indices in [0, n), flat (edge i is
// indices[k i .. k i + k)). Edge i is drawn from its own position of `rng`
// (substream i), so any edge can be redrawn alone.
struct Hypergraph {
  int n = 0, k = 0;
  std::vector<std::int32_t> indices;
  std::int64_t size() const { return k == 0 ? 0 : static_cast<std::int64_t>(indices.size()) / k; }
  std::span<const std::int32_t> edge(std::int64_t i) const {
    return {indices.data() + i * k, static_cast<std::size_t>(k)};
  }
};
Hypergraph draw_hypergraph(int n, int k, std::int64_t m, const Rng& rng);
// One uniform ordered k-tuple of distinct indices in [0, n) from `rng`
// (rejection of repeats: an exactly uniform tuple).
void draw_edge(int n, int k, Rng& rng, std::span<std::int32_t> out);
// Uniform seed bits.
std::vector<std::uint8_t> draw_seed(int n, const Rng& rng);
// Bit j-1 = s at the j-th index of `edge`.
std::uint32_t pattern(std::span<const std::int32_t> edge, const std::vector<std::uint8_t>& seed);
// y_i = P(s_{S_i}) for every edge.
std::vector<std::uint8_t> outputs(const Predicate& p, const Hypergraph& g,
                                  const std::vector<std::uint8_t>& seed);

// Rank of an ordered tuple of distinct indices among all n(n-1)...(n-k+1)
// tuples in lexicographic order, and its inverse; falling(n, k) is the count.
// All three need falling(n, k) < 2^64 (n^k < 2^64 suffices).
std::uint64_t falling(int n, int k);
std::uint64_t rank_tuple(std::span<const std::int32_t> edge, int n);
void unrank_tuple(std::uint64_t rank, int n, int k, std::span<std::int32_t> out);

// Collisions on the last two indices (P5's quadratic part): the number of
// edges whose unordered pair {i_{k-1}, i_k} already occurred in an earlier
// edge, and its expectation m − N + N(1 − 1/N)^m with N = C(n, 2).
std::int64_t count_pair_collisions(const Hypergraph& g);
double expected_pair_collisions(int n, std::int64_t m);

// What a learner is told about a Goldreich instance (task.json):
//   {"family": "goldreich", "n", "k", "predicate": label, "table": hex,
//    "encoding": "onehot" | "index"}
// onehot: a row is k blocks of n coordinates, block j the indicator of i_j;
// index: a row is (i_1, ..., i_k) as numbers.
struct Task {
  int n = 0;
  Predicate predicate;
  std::string encoding = "onehot";

  Json to_json() const;
  // UserError naming `who` when `task` is not a Goldreich task.
  static Task from_json(const Json& task, const std::string& who);
  Eigen::Index row_width() const { return encoding == "index" ? predicate.k : predicate.k * n; }
};

// Encodes edges as rows (both encodings).
Matrix encode(const Hypergraph& g, const std::string& encoding);
// Decodes rows back to edges; UserError naming `who` on a row that is not a
// valid encoding (wrong width, not one-hot, index out of range, repeats).
Hypergraph decode(const Matrix& X, const Task& task, const std::string& who);

// Predicts P(s_S) of each row's hyperedge from a candidate seed: what every
// seed-recovery attack returns, so its accuracy on fresh hyperedges is judged
// like any learner's.
class SeedPredictor : public Predictor {
 public:
  SeedPredictor(Task task, std::vector<std::uint8_t> seed)
      : task_(std::move(task)), seed_(std::move(seed)) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;
  const std::vector<std::uint8_t>& seed() const { return seed_; }

 private:
  Task task_;
  std::vector<std::uint8_t> seed_;
};

// Seed bits as a '0'/'1' string (Fit::output["seed"]) and back; UserError
// naming `who` on a wrong length or character.
std::string seed_to_string(const std::vector<std::uint8_t>& seed);
std::vector<std::uint8_t> seed_from_string(const std::string& text, int n, const std::string& who);

}  // namespace hardnets::goldreich
