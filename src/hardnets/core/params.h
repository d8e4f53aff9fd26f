// The typed parameter registry.
//
// Each problem and learner declares its parameters once, in a ParamSpec: name,
// type, default, allowed range and a one-line doc. The same declaration
//   - validates user input (CLI `-p key=val`, JSON, later TOML sweeps),
//   - prints `hardnets describe NAME`,
//   - generates the parameter tables in docs/ (checked by a test).
// Unknown names, malformed values and out-of-range values are UserErrors that
// name the owner, the parameter and what is allowed.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hardnets/core/bibliography.h"
#include "hardnets/core/json.h"

namespace hardnets {

enum class ParamType { kInt, kReal, kBool, kChoice, kString };
const char* param_type_name(ParamType type);

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

struct ParamDecl {
  std::string name;
  ParamType type = ParamType::kReal;
  ParamValue default_value;
  // Numeric range (kInt, kReal). Open ends exclude the bound itself.
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;
  std::vector<std::string> choices;  // kChoice only
  std::string doc;

  // "[1, 65536]", "(0, inf)", "one of {normal, uniform}", "true or false", "any text".
  std::string allowed() const;
  std::string default_text() const;
};

// A resolved set of parameters: every declared name has a value.
class Params {
 public:
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;  // also reads kInt values
  bool flag(const std::string& name) const;
  const std::string& text(const std::string& name) const;  // kChoice and kString
  bool has(const std::string& name) const;

  void set(const std::string& name, ParamValue value);
  const std::vector<std::pair<std::string, ParamValue>>& values() const { return values_; }
  Json to_json() const;
  // Canonical "k=v k=v" text (sorted by declaration order).
  std::string to_string() const;

 private:
  const ParamValue& get(const std::string& name) const;
  std::vector<std::pair<std::string, ParamValue>> values_;
};

class ParamSpec {
 public:
  // `owner` names the problem or learner in error messages.
  explicit ParamSpec(std::string owner) : owner_(std::move(owner)) {}

  ParamSpec& integer(std::string name, std::int64_t default_value, std::int64_t min,
                     std::int64_t max, std::string doc);
  // Real parameter in [min, max]; set min_open/max_open to exclude a bound.
  ParamSpec& real(std::string name, double default_value, double min, double max, std::string doc,
                  bool min_open = false, bool max_open = false);
  ParamSpec& flag(std::string name, bool default_value, std::string doc);
  ParamSpec& choice(std::string name, std::string default_value, std::vector<std::string> choices,
                    std::string doc);
  ParamSpec& text(std::string name, std::string default_value, std::string doc);

  const std::string& owner() const { return owner_; }
  const std::vector<ParamDecl>& decls() const { return decls_; }
  const ParamDecl* find(const std::string& name) const;

  // Defaults overridden by `key=value` strings (CLI form).
  Params resolve(const std::vector<std::string>& assignments) const;
  // Defaults overridden by already-split (key, text value) pairs.
  Params resolve(const std::vector<std::pair<std::string, std::string>>& assignments) const;
  // Defaults overridden by a JSON object of typed or textual values.
  Params resolve(const Json& object) const;
  Params defaults() const;

  // Parses one value for `name` from text, checking type and range.
  ParamValue parse(const std::string& name, const std::string& text) const;
  // Checks a typed value (from JSON/TOML) for `name`, converting int→real.
  ParamValue check(const std::string& name, const Json& value) const;

  // The works the owner follows (keys of core/bibliography.h) and what it
  // takes from each, declared with its parameters. std::logic_error for a
  // key the bibliography lacks (a bug, caught by the registry's tests).
  ParamSpec& cite(std::string key, std::string what);
  // A problem's construction: the paper's, or our reconstruction of it.
  ParamSpec& construction(Construction::Source source, std::string notes);
  const std::vector<Citation>& references() const { return references_; }
  const std::optional<Construction>& construction() const { return construction_; }
  // Markdown: the references, one bullet each, and the construction's source.
  std::string references_markdown() const;

  // {"name", "params": [{name, type, default, allowed, doc}...]}.
  Json describe() const;
  // Markdown table: | parameter | type | default | allowed | description |.
  std::string markdown_table() const;

 private:
  const ParamDecl& require(const std::string& name) const;
  void check_range(const ParamDecl& decl, double value) const;
  void add(ParamDecl decl);

  std::string owner_;
  std::vector<ParamDecl> decls_;
  std::vector<Citation> references_;
  std::optional<Construction> construction_;
};

// Splits "key=value"; a missing '=' is a UserError naming `what`.
std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     const std::string& what);
std::string format_value(const ParamValue& value);
Json value_to_json(const ParamValue& value);

}  // namespace hardnets
