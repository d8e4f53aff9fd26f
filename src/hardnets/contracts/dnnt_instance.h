// Discrete neural network training (D-NNT): the instance type shared by the
// problems `dnnt_random`, `dnnt_reduction` and the exact solvers
// (`dnnt_brute`, `dnnt_dp`, `dnnt_mip`).
//
// An instance fixes
//   - an architecture: input dimension d, hidden widths h_1..h_{L-1} (ReLU),
//     one linear output unit; with one hidden layer of width k,
//       f(x) = c + Σ_j a_j [w_j·x + b_j]_+ ;
//   - a finite integer domain for every parameter (one shared set, or one set
//     per parameter in the flat order below);
//   - integer data x_i ∈ Z^d, y_i ∈ Z (i = 1..n) and a loss ℓ (square or l1);
//   - optionally a threshold γ for the decision version
//       "is there θ ∈ Π_p W_p with Σ_i ℓ(f_θ(x_i), y_i) ≤ γ ?".
//
// Flat parameter order (θ as one vector): layer by layer (l = 1..L, layer L is
// the output unit), unit by unit, the unit's incoming weights then its bias.
// For one hidden layer of width k: w_1 (d values), b_1, ..., w_k, b_k, then
// a_1..a_k, c. index_weight()/index_bias() compute positions.
//
// Arithmetic is exact: with integer parameters and data every value is an
// integer, but its bit length grows with depth (about L·(bits(W) + log width +
// bits(x))), so evaluation uses GMP integers (mpz_class). magnitude_bound()
// gives a bound on every intermediate value and the total loss, from which a
// solver can decide that int64 arithmetic is safe.
//
// JSON form (written by hand or by `hardnets gen` as task.json, which omits X
// and y: learners receive the data as the training Dataset):
//   {"format": "dnnt", "d": 2, "hidden": [2], "activation": "relu",
//    "domain": [-1, 0, 1],            // or "domains": [[...], ...] per parameter
//    "loss": "square", "gamma": 0,   // gamma optional
//    "X": [[1, 0], [0, 2]], "y": [1, -1]}
// Every validation failure is a UserError starting "dnnt instance: ".
//
// In the contracts layer: the problems build these tasks and the attacks read
// them, and neither depends on the other.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/contracts/fit.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"

namespace hardnets::dnnt {

enum class Loss { kSquare, kL1 };
const char* loss_name(Loss loss);

// A parameter assignment θ in the flat order.
using Theta = std::vector<std::int64_t>;

struct DnntInstance {
  int d = 1;
  std::vector<int> hidden;  // widths of the hidden layers; {k} = two-layer network
  // One sorted, duplicate-free domain per parameter (num_params() entries).
  std::vector<std::vector<std::int64_t>> domains;
  bool shared_domain = true;                 // written as "domain" (true) or "domains"
  std::vector<std::vector<std::int64_t>> X;  // n rows of d integers
  std::vector<std::int64_t> y;               // n labels
  Loss loss = Loss::kSquare;
  std::optional<std::int64_t> gamma;  // decision threshold on the total loss

  std::size_t n() const { return y.size(); }
  // Layer sizes d, h_1, ..., h_{L-1}, 1.
  std::vector<int> layer_sizes() const;
  int num_layers() const { return static_cast<int>(hidden.size()) + 1; }  // weight layers L
  std::size_t num_params() const;
  // Position of W_l[unit][input] and b_l[unit] in θ (l = 1..L, 0-based unit/input).
  std::size_t index_weight(int layer, int unit, int input) const;
  std::size_t index_bias(int layer, int unit) const;
  // "W1[2][3]" / "b1[2]" (1-based), or for two layers "w_2[3]", "b_2", "a_2", "c".
  std::string param_name(std::size_t p) const;

  // Sets every parameter's domain to `values` (sorted and deduplicated).
  void set_shared_domain(std::vector<std::int64_t> values);

  // Checks shapes, domains and γ; UserError("dnnt instance: ...") otherwise.
  void validate() const;
  // Is θ of the right length with θ_p ∈ W_p? (Sets `why` when not.)
  bool in_domain(const Theta& theta, std::string* why = nullptr) const;

  // f_θ(x_i) for every data point, exactly.
  std::vector<mpz_class> outputs(const Theta& theta) const;
  // f_θ(x) for one input.
  mpz_class output(const Theta& theta, const std::vector<std::int64_t>& x) const;
  // Σ_i ℓ(f_θ(x_i), y_i), exactly.
  mpz_class total_loss(const Theta& theta) const;
  // ℓ(f, y) for one point.
  mpz_class point_loss(const mpz_class& f, std::int64_t y) const;
  // Largest bit length of any pre-activation of each layer over the data (one
  // entry per weight layer): how the numbers grow with depth.
  std::vector<std::size_t> max_bits_per_layer(const Theta& theta) const;
  // A bound M ≥ |every pre-activation, activation, output| and ≥ the total loss
  // for every θ in the domains (interval arithmetic over the layers).
  mpz_class magnitude_bound() const;
  // magnitude_bound() < 2^62: int64 arithmetic (sums of two such values
  // included) cannot overflow.
  bool fits_int64() const;

  // The whole instance (data included) and back. from_json validates.
  Json to_json() const;
  static DnntInstance from_json(const Json& json);
  // The task description: to_json() without "X" and "y".
  Json to_task() const;
  // An instance from a task description plus the training data (doubles that
  // must be integers of magnitude ≤ 2^53, dimension d).
  static DnntInstance from_task(const Json& task, const Dataset& train);
  // The data as a Dataset of doubles (exact for |values| ≤ 2^53).
  Dataset dataset() const;
};

// The network θ as JSON: {"type": "dnnt_network", "sizes": [...], "theta":
// [...], "layers": [{"W": [[...]], "b": [...]}, ...]}.
Json network_json(const DnntInstance& inst, const Theta& theta);
// θ read back from network_json() (or from any object with a "theta" array).
Theta theta_from_json(const Json& json);

// Evaluates θ on new inputs (double arithmetic: exact while the values stay
// below 2^53; the judge re-verifies with exact integers instead).
class DnntPredictor : public Predictor {
 public:
  DnntPredictor(std::vector<int> sizes, Theta theta);
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;

 private:
  std::vector<int> sizes_;
  Theta theta_;
};

// The common result of an exact solver: an optimal θ and its loss.
struct Solution {
  Theta theta;
  mpz_class loss;
  bool optimal = true;  // false: a time or node limit stopped the search early
};

// A Fit for a solution: predictor = the network; stats opt_loss (the loss as
// a double) and train_loss (opt_loss / n); output {"network": network_json,
// "theta": θ, "opt_loss": exact decimal string, "optimal": bool, "solver":
// solver, "decision": "yes"/"no" when γ is set}. A non-optimal solution gets
// status "timeout". Also re-checks θ ∈ domains and its loss (a solver bug
// throws std::logic_error).
Fit make_fit(const DnntInstance& inst, const Solution& solution, const std::string& solver);

// Re-verification of a fit's output, used by the problems' judges.
struct Verification {
  bool ok = false;      // θ present, in the domains, and its exact loss = the reported one
  mpz_class loss;       // exact loss of θ (when θ is valid)
  std::string message;  // why not ok
};
Verification verify_output(const DnntInstance& inst, const Json& output);

}  // namespace hardnets::dnnt
