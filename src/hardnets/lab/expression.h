// Arithmetic expressions in sweep specs: `n_train = "4*d"`, `width = "floor(d/2)"`.
//
// Grammar: numbers, identifiers (parameter names; may contain '.', as in
// `problem.width`), + - * / ^ (right
// associative power), unary minus, parentheses and the functions sqrt, log
// (natural), log2, log10, exp, ceil, floor, round, abs, min(a, b), max(a, b).
// Identifiers are resolved through a callback, so the caller decides what a
// name means and detects circular definitions.
#pragma once

#include <functional>
#include <string>

namespace hardnets {

using VariableLookup = std::function<double(const std::string& name)>;

// Evaluates `text`. Syntax errors, unknown functions, division by zero and
// non-finite results are UserErrors that quote the expression.
double evaluate_expression(const std::string& text, const VariableLookup& lookup);

}  // namespace hardnets
