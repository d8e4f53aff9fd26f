#include "hardnets/problems/sat_certify.h"

#include <cadical.hpp>
#include <stdexcept>

#include "hardnets/core/error.h"

namespace hardnets::sat {

Kind kind_from_name(const std::string& name) {
  if (name == "one_in_three") return Kind::kOneInThree;
  if (name == "nae3sat") return Kind::kNae;
  fail("unknown SAT source '{}' (one_in_three or nae3sat)", name);
}

std::string kind_name(Kind kind) {
  return kind == Kind::kOneInThree ? "one_in_three" : "nae3sat";
}

bool literal_value(const Literal& l, const Assignment& a) {
  return a[static_cast<std::size_t>(l.var)] != l.negated;
}

bool satisfies(Kind kind, const Clause& clause, const Assignment& a) {
  int t = 0;
  for (const auto& l : clause) t += literal_value(l, a) ? 1 : 0;
  return kind == Kind::kOneInThree ? t == 1 : (t > 0 && t < static_cast<int>(clause.size()));
}

int violated(Kind kind, const std::vector<Clause>& clauses, const Assignment& a) {
  int count = 0;
  for (const auto& c : clauses) count += satisfies(kind, c, a) ? 0 : 1;
  return count;
}

std::optional<Assignment> brute_force_solve(Kind kind, int num_vars,
                                            const std::vector<Clause>& clauses) {
  if (num_vars < 0 || num_vars > 30) {
    throw std::logic_error("brute_force_solve: num_vars must be in [0, 30]");
  }
  Assignment a(static_cast<std::size_t>(num_vars), false);
  // Gray code: step g flips the variable of g's lowest set bit.
  const std::uint64_t steps = std::uint64_t{1} << num_vars;
  for (std::uint64_t g = 0; g < steps; ++g) {
    if (g > 0) {
      const int v = __builtin_ctzll(g);
      a[static_cast<std::size_t>(v)] = !a[static_cast<std::size_t>(v)];
    }
    if (violated(kind, clauses, a) == 0) return a;
  }
  return std::nullopt;
}

std::optional<Assignment> cadical_solve(Kind kind, int num_vars,
                                        const std::vector<Clause>& clauses) {
  CaDiCaL::Solver solver;
  auto lit = [](const Literal& l) { return l.negated ? -(l.var + 1) : l.var + 1; };
  auto add = [&](std::initializer_list<int> lits) {
    for (const int x : lits) solver.add(x);
    solver.add(0);
  };
  if (num_vars > 0) solver.reserve(num_vars);
  for (const auto& c : clauses) {
    if (c.size() != 3) throw std::logic_error("cadical_solve: clauses must have 3 literals");
    const int a = lit(c[0]), b = lit(c[1]), d = lit(c[2]);
    add({a, b, d});
    if (kind == Kind::kNae) {
      add({-a, -b, -d});
    } else {
      add({-a, -b});
      add({-a, -d});
      add({-b, -d});
    }
  }
  const int result = solver.solve();
  if (result == 20) return std::nullopt;
  if (result != 10) throw std::logic_error("cadical_solve: solver returned no answer");
  Assignment a(static_cast<std::size_t>(num_vars), false);
  for (int v = 0; v < num_vars; ++v) a[static_cast<std::size_t>(v)] = solver.val(v + 1) > 0;
  if (violated(kind, clauses, a) != 0) {
    throw std::logic_error("cadical_solve: the model violates a clause");
  }
  return a;
}

std::optional<Assignment> solve(Kind kind, int num_vars, const std::vector<Clause>& clauses,
                                std::string* certifier, int brute_force_max_vars) {
  if (num_vars <= brute_force_max_vars) {
    if (certifier) *certifier = "brute_force";
    return brute_force_solve(kind, num_vars, clauses);
  }
  if (certifier) *certifier = "cadical";
  return cadical_solve(kind, num_vars, clauses);
}

}  // namespace hardnets::sat
