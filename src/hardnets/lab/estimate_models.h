// The attack models behind `hardnets estimate` (estimate.h), one file per
// family: estimate_lattice.cpp (LWE, CLWE, the label attack),
// estimate_prg.cpp (Goldreich's PRG and its lifts), estimate_parity.cpp
// (sparse parity), estimate_training.cpp (exact ReLU training, D-NNT).
// Internal to the lab: the front end (estimate.cpp) holds the table that
// maps problems to these models.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hardnets/core/params.h"
#include "hardnets/lab/estimate.h"

namespace hardnets::estimate_models {

// A model's attack reads no more samples than give it this success
// probability: its cost does not grow with samples it has no use for.
inline constexpr double kReadUpTo = 0.99;

// An estimate with its identity filled in: the attack, the lab learner that
// runs it ("" when none), the model with its citation, and its cost unit.
AttackEstimate make_estimate(std::string attack, std::string learner, std::string model,
                             std::string unit);
// Appends a caveat to the estimate's note ("; " between caveats).
void append_note(AttackEstimate& out, const std::string& note);
// A threshold model's success: the attack needs `needed` samples and
// succeeds (probability 1) with `given` >= needed, else fails (0).
void set_threshold(AttackEstimate& out, double given, double needed);

// Each model maps the problem's resolved parameters and the samples given
// to an estimate (a "not applicable" note when it does not cover them).
AttackEstimate lwe_primal(const Params& p, std::int64_t n_train);
AttackEstimate clwe_primal(const Params& p, std::int64_t n_train);
AttackEstimate clwe_relation(const Params& p, std::int64_t n_train);
AttackEstimate label_attack(const Params& p, std::int64_t n_train);

AttackEstimate parity_elimination(const Params& p, std::int64_t n_train);
AttackEstimate parity_exhaustive(const Params& p, std::int64_t n_train);
AttackEstimate parity_bkw(const Params& p, std::int64_t n_train);
AttackEstimate parity_sgd(const Params& p, std::int64_t n_train);

using Model = std::function<AttackEstimate(const Params&, std::int64_t n_train)>;

AttackEstimate xor_elimination(const Params& p, std::int64_t n_train);
AttackEstimate p5_guess_determine(const Params& p, std::int64_t n_train);
AttackEstimate linearization(const Params& p, std::int64_t n_train);
AttackEstimate spectral(const Params& p, std::int64_t n_train);
// A hyperedge attack on prg_depth3, through decode-then-attack.
AttackEstimate decode_then(const Model& attack, const Params& p, std::int64_t n_train);

// Exact training: exact_relu's activation patterns on a teacher's data and
// on relu_reduction's, the reductions' sources by brute force, and the
// exact D-NNT solvers (estimate_training.cpp).
AttackEstimate exact_relu_teacher(const Params& p, std::int64_t n_train);
AttackEstimate exact_relu_reduction(const Params& p, std::int64_t n_train);
AttackEstimate relu_source_search(const Params& p, std::int64_t n_train);
AttackEstimate dnnt_brute_force(const Params& p, std::int64_t n_train);
AttackEstimate dnnt_dynamic_program(const Params& p, std::int64_t n_train);

}  // namespace hardnets::estimate_models
