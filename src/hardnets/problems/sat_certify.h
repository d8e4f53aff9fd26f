// Independent deciders for the source problems of relu_reduction: positive (or
// signed) 1-in-3 SAT and not-all-equal 3-SAT, by brute force over all 2^N
// assignments and by the CaDiCaL SAT solver on a CNF encoding. They decide
// the *source* instance without looking at any network, so a reduction's NO
// instances are certified by code that shares nothing with the ReLU solvers
// under test, and the two deciders check each other in the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hardnets::sat {

// A literal: variable index in [0, N) and whether it is negated.
struct Literal {
  int var = 0;
  bool negated = false;
};
// Three literals on three distinct variables.
using Clause = std::vector<Literal>;

enum class Kind {
  kOneInThree,  // exactly one literal true
  kNae,         // not all three literals equal
};
Kind kind_from_name(const std::string& name);  // "one_in_three" | "nae3sat"
std::string kind_name(Kind kind);

// An assignment: value[v] = true/false.
using Assignment = std::vector<bool>;

bool literal_value(const Literal& l, const Assignment& a);
bool satisfies(Kind kind, const Clause& clause, const Assignment& a);
// The number of clauses `a` violates.
int violated(Kind kind, const std::vector<Clause>& clauses, const Assignment& a);

// All 2^N assignments in Gray-code order (N <= 30); the first satisfying one,
// or nullopt.
std::optional<Assignment> brute_force_solve(Kind kind, int num_vars,
                                            const std::vector<Clause>& clauses);

// CaDiCaL on the CNF encoding: NAE(a,b,c) = (a∨b∨c)(¬a∨¬b∨¬c); 1-in-3(a,b,c)
// = (a∨b∨c)(¬a∨¬b)(¬a∨¬c)(¬b∨¬c). The model is checked against the clauses
// before it is returned (std::logic_error if it does not satisfy them).
std::optional<Assignment> cadical_solve(Kind kind, int num_vars,
                                        const std::vector<Clause>& clauses);

// Brute force up to `brute_force_max_vars` variables, CaDiCaL beyond;
// `certifier` receives the name of the decider used.
std::optional<Assignment> solve(Kind kind, int num_vars, const std::vector<Clause>& clauses,
                                std::string* certifier, int brute_force_max_vars = 20);

}  // namespace hardnets::sat
