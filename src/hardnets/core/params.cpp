#include "hardnets/core/params.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {

std::string format_bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Integral bounds print in full (16777216, not 1.67772e+07).
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

const char* param_type_name(ParamType type) {
  switch (type) {
    case ParamType::kInt:
      return "int";
    case ParamType::kReal:
      return "real";
    case ParamType::kBool:
      return "bool";
    case ParamType::kChoice:
      return "choice";
    case ParamType::kString:
      return "string";
  }
  return "?";
}

std::string format_value(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, double>) {
          return fmt::format("{}", v);  // shortest text that reads back exactly
        } else {
          return fmt::format("{}", v);
        }
      },
      value);
}

Json value_to_json(const ParamValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

std::string ParamDecl::allowed() const {
  switch (type) {
    case ParamType::kInt:
    case ParamType::kReal:
      return fmt::format("{}{}, {}{}", min_open ? "(" : "[", format_bound(min), format_bound(max),
                         max_open ? ")" : "]");
    case ParamType::kBool:
      return "true or false";
    case ParamType::kChoice:
      return "one of {" + join(choices, ", ") + "}";
    case ParamType::kString:
      return "any text";
  }
  return "";
}

std::string ParamDecl::default_text() const {
  return format_value(default_value);
}

// ---- Params ----

const ParamValue& Params::get(const std::string& name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  // Asking for an undeclared parameter is a programming error, not user input.
  throw std::logic_error("parameter '" + name + "' was not declared");
}

bool Params::has(const std::string& name) const {
  return std::any_of(values_.begin(), values_.end(),
                     [&](const auto& kv) { return kv.first == name; });
}

std::int64_t Params::integer(const std::string& name) const {
  const auto& v = get(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  throw std::logic_error("parameter '" + name + "' is not an integer");
}

double Params::real(const std::string& name) const {
  const auto& v = get(name);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw std::logic_error("parameter '" + name + "' is not numeric");
}

bool Params::flag(const std::string& name) const {
  const auto& v = get(name);
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  throw std::logic_error("parameter '" + name + "' is not a flag");
}

const std::string& Params::text(const std::string& name) const {
  const auto& v = get(name);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  throw std::logic_error("parameter '" + name + "' is not text");
}

void Params::set(const std::string& name, ParamValue value) {
  for (auto& [key, old] : values_) {
    if (key == name) {
      old = std::move(value);
      return;
    }
  }
  values_.emplace_back(name, std::move(value));
}

Json Params::to_json() const {
  Json out = Json::object();
  for (const auto& [key, value] : values_) out[key] = value_to_json(value);
  return out;
}

std::string Params::to_string() const {
  std::vector<std::string> parts;
  for (const auto& [key, value] : values_) parts.push_back(key + "=" + format_value(value));
  return join(parts, " ");
}

// ---- ParamSpec ----

void ParamSpec::add(ParamDecl decl) {
  if (find(decl.name)) throw std::logic_error(owner_ + ": parameter declared twice: " + decl.name);
  decls_.push_back(std::move(decl));
}

ParamSpec& ParamSpec::integer(std::string name, std::int64_t default_value, std::int64_t min,
                              std::int64_t max, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::kInt;
  d.default_value = default_value;
  d.min = static_cast<double>(min);
  d.max = static_cast<double>(max);
  d.doc = std::move(doc);
  add(std::move(d));
  return *this;
}

ParamSpec& ParamSpec::real(std::string name, double default_value, double min, double max,
                           std::string doc, bool min_open, bool max_open) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::kReal;
  d.default_value = default_value;
  d.min = min;
  d.max = max;
  d.min_open = min_open;
  d.max_open = max_open;
  d.doc = std::move(doc);
  add(std::move(d));
  return *this;
}

ParamSpec& ParamSpec::flag(std::string name, bool default_value, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::kBool;
  d.default_value = default_value;
  d.doc = std::move(doc);
  add(std::move(d));
  return *this;
}

ParamSpec& ParamSpec::choice(std::string name, std::string default_value,
                             std::vector<std::string> choices, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::kChoice;
  d.default_value = std::move(default_value);
  d.choices = std::move(choices);
  d.doc = std::move(doc);
  add(std::move(d));
  return *this;
}

ParamSpec& ParamSpec::text(std::string name, std::string default_value, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::kString;
  d.default_value = std::move(default_value);
  d.doc = std::move(doc);
  add(std::move(d));
  return *this;
}

const ParamDecl* ParamSpec::find(const std::string& name) const {
  for (const auto& d : decls_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const ParamDecl& ParamSpec::require(const std::string& name) const {
  if (const auto* d = find(name)) return *d;
  std::vector<std::string> names;
  for (const auto& d : decls_) names.push_back(d.name);
  if (names.empty())
    fail("{}: unknown parameter '{}' ({} takes no parameters)", owner_, escaped(name), owner_);
  fail("{}: unknown parameter '{}'; known parameters: {}", owner_, escaped(name),
       join(names, ", "));
}

void ParamSpec::check_range(const ParamDecl& decl, double value) const {
  const bool below = decl.min_open ? !(value > decl.min) : !(value >= decl.min);
  const bool above = decl.max_open ? !(value < decl.max) : !(value <= decl.max);
  if (below || above || std::isnan(value)) {
    fail("{}: parameter '{}' must be in {}, got {}", owner_, decl.name, decl.allowed(), value);
  }
}

ParamValue ParamSpec::parse(const std::string& name, const std::string& text) const {
  const ParamDecl& decl = require(name);
  switch (decl.type) {
    case ParamType::kInt:
    case ParamType::kReal: {
      const char* begin = text.c_str();
      char* end = nullptr;
      errno = 0;
      const double value = std::strtod(begin, &end);
      if (text.empty() || end != begin + text.size() || errno == ERANGE || !std::isfinite(value)) {
        fail("{}: parameter '{}' expects {} in {}, got '{}'", owner_, name,
             decl.type == ParamType::kInt ? "an integer" : "a number", decl.allowed(),
             escaped(text));
      }
      if (decl.type == ParamType::kInt) {
        if (value != std::floor(value) || std::abs(value) > 9.0e15) {
          fail("{}: parameter '{}' expects an integer in {}, got '{}'", owner_, name,
               decl.allowed(), escaped(text));
        }
        check_range(decl, value);
        return static_cast<std::int64_t>(value);
      }
      check_range(decl, value);
      return value;
    }
    case ParamType::kBool: {
      const std::string v = lower(text);
      if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
      if (v == "false" || v == "0" || v == "no" || v == "off") return false;
      fail("{}: parameter '{}' expects true or false, got '{}'", owner_, name, escaped(text));
    }
    case ParamType::kChoice:
      if (std::find(decl.choices.begin(), decl.choices.end(), text) == decl.choices.end()) {
        fail("{}: parameter '{}' must be {}, got '{}'", owner_, name, decl.allowed(),
             escaped(text));
      }
      return text;
    case ParamType::kString:
      return text;
  }
  throw std::logic_error("unhandled parameter type");
}

ParamValue ParamSpec::check(const std::string& name, const Json& value) const {
  const ParamDecl& decl = require(name);
  if (value.is_string()) return parse(name, value.get<std::string>());
  switch (decl.type) {
    case ParamType::kInt:
      if (value.is_number_unsigned() &&
          value.get<std::uint64_t>() > std::numeric_limits<std::uint64_t>::max() / 2) {
        // Beyond int64: would wrap around to a negative value.
        fail("{}: parameter '{}' must be in {}, got {}", owner_, name, decl.allowed(),
             value.get<std::uint64_t>());
      }
      if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        check_range(decl, static_cast<double>(v));
        return v;
      }
      if (value.is_number_float()) return parse(name, fmt::format("{:.17g}", value.get<double>()));
      break;
    case ParamType::kReal:
      if (value.is_number()) {
        const double v = value.get<double>();
        check_range(decl, v);
        return v;
      }
      break;
    case ParamType::kBool:
      if (value.is_boolean()) return value.get<bool>();
      break;
    default:
      break;
  }
  fail("{}: parameter '{}' expects {} ({}), got {}", owner_, name, param_type_name(decl.type),
       decl.allowed(), value.dump());
}

Params ParamSpec::defaults() const {
  Params p;
  for (const auto& d : decls_) p.set(d.name, d.default_value);
  return p;
}

Params ParamSpec::resolve(
    const std::vector<std::pair<std::string, std::string>>& assignments) const {
  Params p = defaults();
  for (const auto& [key, text] : assignments) p.set(key, parse(key, text));
  return p;
}

Params ParamSpec::resolve(const std::vector<std::string>& assignments) const {
  std::vector<std::pair<std::string, std::string>> split;
  for (const auto& a : assignments) split.push_back(split_assignment(a, owner_ + " parameter"));
  return resolve(split);
}

Params ParamSpec::resolve(const Json& object) const {
  if (!object.is_object() && !object.is_null()) {
    fail("{}: parameters must be an object of name: value, got {}", owner_, object.dump());
  }
  Params p = defaults();
  if (object.is_null()) return p;
  for (const auto& [key, value] : object.items()) p.set(key, check(key, value));
  return p;
}

Json ParamSpec::describe() const {
  Json params = Json::array();
  for (const auto& d : decls_) {
    params.push_back({{"name", d.name},
                      {"type", param_type_name(d.type)},
                      {"default", value_to_json(d.default_value)},
                      {"allowed", d.allowed()},
                      {"doc", d.doc}});
  }
  return params;
}

std::string ParamSpec::markdown_table() const {
  if (decls_.empty()) return "_No parameters._\n";
  std::string out =
      "| parameter | type | default | allowed | description |\n"
      "|---|---|---|---|---|\n";
  for (const auto& d : decls_) {
    out += fmt::format("| `{}` | {} | `{}` | {} | {} |\n", d.name, param_type_name(d.type),
                       d.default_text(), d.allowed(), d.doc);
  }
  return out;
}

ParamSpec& ParamSpec::cite(std::string key, std::string what) {
  if (!find_work(key))
    throw std::logic_error(
        fmt::format("{}: cites '{}', which is not in the bibliography", owner_, key));
  references_.push_back({std::move(key), std::move(what)});
  return *this;
}

ParamSpec& ParamSpec::construction(Construction::Source source, std::string notes) {
  construction_ = Construction{source, std::move(notes)};
  return *this;
}

std::string ParamSpec::references_markdown() const {
  std::string out;
  if (construction_)
    out += fmt::format("Construction: **{}**. {}\n\n",
                       construction_source_name(construction_->source), construction_->notes);
  if (references_.empty()) return out + "_No references._\n";
  out += "References:\n\n";
  for (const Citation& c : references_) {
    const Work& w = *find_work(c.key);
    out += fmt::format("- {}: {} [`{}`]\n", c.what, w.citation(), c.key);
  }
  return out;
}

std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     const std::string& what) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail("{} must be written key=value, got '{}'", what, escaped(text));
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace hardnets
