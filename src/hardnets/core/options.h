// Typed options bound to a ParamSpec, as HiGHS binds its option records to
// fields: a learner declares each parameter once, with the struct field it
// fills, and reads all of them with one call instead of looking names up in
// its fit (where a misspelt name is found only when that line runs).
//
//   struct RidgeOptions { double lambda = 0; bool intercept = true; };
//   OptionSpec<RidgeOptions> spec{"ridge"};
//   spec.real("lambda", &RidgeOptions::lambda, 1e-8, 0.0, 1e12, "penalty")
//       .flag("intercept", &RidgeOptions::intercept, true, "fit b");
//   const RidgeOptions o = spec.read(params);   // every field set
//
// The ParamSpec behind it (spec.params()) is the one the registry, the docs,
// the TOML schema and validation use, so nothing changes for users. Every
// declared parameter fills its field, so a parameter cannot be declared and
// then forgotten.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hardnets/core/params.h"

namespace hardnets {

template <typename Options>
class OptionSpec {
 public:
  explicit OptionSpec(std::string owner) : params_(std::move(owner)) {}

  // An integer parameter filling an int or std::int64_t field.
  template <typename Int>
  OptionSpec& integer(std::string name, Int Options::*field, std::int64_t default_value,
                      std::int64_t min, std::int64_t max, std::string doc) {
    params_.integer(name, default_value, min, max, std::move(doc));
    bind(std::move(name), [field](Options& o, const Params& p, const std::string& n) {
      o.*field = static_cast<Int>(p.integer(n));
    });
    return *this;
  }
  OptionSpec& real(std::string name, double Options::*field, double default_value, double min,
                   double max, std::string doc, bool min_open = false, bool max_open = false) {
    params_.real(name, default_value, min, max, std::move(doc), min_open, max_open);
    bind(std::move(name),
         [field](Options& o, const Params& p, const std::string& n) { o.*field = p.real(n); });
    return *this;
  }
  OptionSpec& flag(std::string name, bool Options::*field, bool default_value, std::string doc) {
    params_.flag(name, default_value, std::move(doc));
    bind(std::move(name),
         [field](Options& o, const Params& p, const std::string& n) { o.*field = p.flag(n); });
    return *this;
  }
  OptionSpec& choice(std::string name, std::string Options::*field, std::string default_value,
                     std::vector<std::string> choices, std::string doc) {
    params_.choice(name, std::move(default_value), std::move(choices), std::move(doc));
    bind(std::move(name),
         [field](Options& o, const Params& p, const std::string& n) { o.*field = p.text(n); });
    return *this;
  }
  OptionSpec& text(std::string name, std::string Options::*field, std::string default_value,
                   std::string doc) {
    params_.text(name, std::move(default_value), std::move(doc));
    bind(std::move(name),
         [field](Options& o, const Params& p, const std::string& n) { o.*field = p.text(n); });
    return *this;
  }

  // A work the owner follows (ParamSpec::cite).
  OptionSpec& cite(std::string key, std::string what) {
    params_.cite(std::move(key), std::move(what));
    return *this;
  }

  const ParamSpec& params() const { return params_; }

  // Every bound field read from resolved `params` (of this spec).
  Options read(const Params& params) const {
    Options options{};
    for (const auto& [name, set] : setters_) set(options, params, name);
    return options;
  }

 private:
  using Setter = std::function<void(Options&, const Params&, const std::string&)>;
  void bind(std::string name, Setter set) {
    setters_.emplace_back(std::move(name), std::move(set));
  }

  ParamSpec params_;
  std::vector<std::pair<std::string, Setter>> setters_;
};

}  // namespace hardnets
