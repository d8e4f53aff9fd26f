#include "hardnets/lab/expression.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {

// Recursive-descent evaluator:
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := '-' unary | power
//   power   := atom ('^' unary)?
//   atom    := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
class Parser {
 public:
  Parser(const std::string& text, const VariableLookup& lookup) : text_(text), lookup_(lookup) {}

  double parse() {
    const double v = sum();
    skip_space();
    if (pos_ != text_.size()) error("unexpected '" + text_.substr(pos_, 1) + "'");
    if (!std::isfinite(v)) error("the result is not a finite number");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail("expression \"{}\": {} (at position {})", text_, what, pos_ + 1);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  double sum() {
    double v = product();
    for (;;) {
      if (accept('+')) {
        v += product();
      } else if (accept('-')) {
        v -= product();
      } else {
        return v;
      }
    }
  }
  double product() {
    double v = unary();
    for (;;) {
      if (accept('*')) {
        v *= unary();
      } else if (accept('/')) {
        const double d = unary();
        if (d == 0.0) error("division by zero");
        v /= d;
      } else {
        return v;
      }
    }
  }
  double unary() {
    if (accept('-')) return -unary();
    if (accept('+')) return unary();
    return power();
  }
  double power() {
    const double base = atom();
    if (accept('^')) return std::pow(base, unary());
    return base;
  }
  double atom() {
    skip_space();
    if (pos_ >= text_.size()) error("unexpected end");
    const char c = text_[pos_];
    if (accept('(')) {
      const double v = sum();
      if (!accept(')')) error("missing ')'");
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = text_.c_str() + pos_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) error("malformed number");
      pos_ += static_cast<std::size_t>(end - begin);
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '_' || text_[pos_] == '.')) {
        ++pos_;
      }
      const std::string name = text_.substr(start, pos_ - start);
      if (accept('(')) return call(name);
      return lookup_(name);
    }
    error("unexpected '" + std::string(1, c) + "'");
  }
  double call(const std::string& name) {
    std::vector<double> args{sum()};
    while (accept(',')) args.push_back(sum());
    if (!accept(')')) error("missing ')' after the arguments of " + name);
    auto need = [&](std::size_t n) {
      if (args.size() != n) error(name + " takes " + std::to_string(n) + " argument(s)");
    };
    if (name == "min" || name == "max") {
      need(2);
      return name == "min" ? std::min(args[0], args[1]) : std::max(args[0], args[1]);
    }
    need(1);
    const double x = args[0];
    if (name == "sqrt") return std::sqrt(x);
    if (name == "log") return std::log(x);
    if (name == "log2") return std::log2(x);
    if (name == "log10") return std::log10(x);
    if (name == "exp") return std::exp(x);
    if (name == "ceil") return std::ceil(x);
    if (name == "floor") return std::floor(x);
    if (name == "round") return std::round(x);
    if (name == "abs") return std::abs(x);
    error("unknown function '" + name + "'");
  }

  const std::string& text_;
  const VariableLookup& lookup_;
  std::size_t pos_ = 0;
};

}  // namespace

double evaluate_expression(const std::string& text, const VariableLookup& lookup) {
  return Parser(text, lookup).parse();
}

}  // namespace hardnets
