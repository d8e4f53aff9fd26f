#include "hardnets/lab/sweep_spec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "hardnets/core/error.h"
#include "hardnets/core/text_file.h"
#include "hardnets/lab/distinguish.h"
#include "hardnets/lab/expression.h"
#include "hardnets/lab/store.h"

namespace hardnets {
namespace {

// Where something is in the spec, for error messages: "spec.toml:12: problems[0].params.d".
struct Where {
  std::string source;
  std::int64_t line = 0;
  std::string key;

  std::string text() const {
    const std::string at = line > 0 ? fmt::format("{}:{}", source, line) : source;
    return key.empty() ? at : at + ": " + key;
  }
  Where child(const std::string& name, const toml::node* node) const {
    Where w{source, line, key.empty() ? name : key + "." + name};
    if (node && node->source().begin.line > 0) w.line = node->source().begin.line;
    return w;
  }
};

// A UserError that already names its place in the spec.
class SpecError : public UserError {
 public:
  using UserError::UserError;
};

template <typename... Args>
[[noreturn]] void spec_fail(const Where& where, fmt::format_string<Args...> format,
                            Args&&... args) {
  throw SpecError(where.text() + ": " + fmt::format(format, std::forward<Args>(args)...));
}

// Re-throws a UserError raised while checking `where`, prefixed with the
// location (unless it already names one).
template <typename Fn>
auto at(const Where& where, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SpecError&) {
    throw;
  } catch (const UserError& e) {
    throw SpecError(where.text() + ": " + e.what());
  }
}

void check_keys(const toml::table& table, const Where& where,
                const std::vector<std::string>& allowed) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), std::string(key.str())) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      spec_fail(where.child(std::string(key.str()), &node), "unknown key; expected one of {}",
                list);
    }
  }
}

const char* toml_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

Json scalar_to_json(const toml::node& node, const Where& where) {
  if (auto v = node.as_integer()) return Json(v->get());
  if (auto v = node.as_floating_point()) return Json(v->get());
  if (auto v = node.as_boolean()) return Json(v->get());
  if (auto v = node.as_string()) return Json(v->get());
  spec_fail(where, "expected a number, boolean or string, got {}", toml_type(node));
}

Json toml_to_json(const toml::node& node, const Where& where) {
  if (auto t = node.as_table()) {
    Json out = Json::object();
    for (const auto& [key, child] : *t) {
      out[std::string(key.str())] =
          toml_to_json(child, where.child(std::string(key.str()), &child));
    }
    return out;
  }
  if (auto a = node.as_array()) {
    Json out = Json::array();
    for (const auto& child : *a) out.push_back(toml_to_json(child, where));
    return out;
  }
  return scalar_to_json(node, where);
}

std::int64_t get_int(const toml::node& node, const Where& where, std::int64_t min,
                     std::int64_t max) {
  auto v = node.as_integer();
  if (!v) spec_fail(where, "expected an integer in [{}, {}], got {}", min, max, toml_type(node));
  if (v->get() < min || v->get() > max) {
    spec_fail(where, "expected an integer in [{}, {}], got {}", min, max, v->get());
  }
  return v->get();
}

double get_number(const toml::node& node, const Where& where) {
  if (auto v = node.as_integer()) return static_cast<double>(v->get());
  if (auto v = node.as_floating_point()) return v->get();
  spec_fail(where, "expected a number, got {}", toml_type(node));
}

// One raw value of an axis, with its location.
struct RawValue {
  Json value;
  Where where;
};

// A set of names varied together: a plain grid axis has one name; a zip group
// several. Each tuple assigns one raw value to every name.
struct Axis {
  std::vector<std::string> names;
  std::vector<std::vector<RawValue>> tuples;
};

// `{log = [a, b], num = k}` or `{lin = [a, b], num = k}`: k values from a to b.
std::vector<RawValue> spaced_range(const toml::table& t, const Where& where) {
  check_keys(t, where, {"log", "lin", "num"});
  const bool log = t.contains("log");
  if (log == t.contains("lin")) spec_fail(where, "a range needs exactly one of 'log' or 'lin'");
  const toml::node& ends_node = *t.get(log ? "log" : "lin");
  const Where ends_where = where.child(log ? "log" : "lin", &ends_node);
  const auto* ends = ends_node.as_array();
  if (!ends || ends->size() != 2) spec_fail(ends_where, "expected [first, last]");
  const double a = get_number(*ends->get(0), ends_where), b = get_number(*ends->get(1), ends_where);
  const bool integers = ends->get(0)->is_integer() && ends->get(1)->is_integer();
  if (!t.contains("num")) spec_fail(where, "a range needs 'num', the number of values");
  const auto num = get_int(*t.get("num"), where.child("num", t.get("num")), 1, 100000);
  if (log && (a <= 0 || b <= 0))
    spec_fail(ends_where, "log-spaced ends must be > 0, got [{}, {}]", a, b);
  std::vector<RawValue> out;
  for (std::int64_t i = 0; i < num; ++i) {
    const double f = num == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(num - 1);
    double v = log ? std::exp(std::log(a) + f * (std::log(b) - std::log(a))) : a + f * (b - a);
    // Ends exactly as written; inner points to 12 significant digits, so that
    // exp(log(x)) round-off does not leak into stored parameters (0.010000000000000004).
    v = i == 0 ? a : i == num - 1 ? b : std::stod(fmt::format("{:.12g}", v));
    Json value = integers ? Json(static_cast<std::int64_t>(std::llround(v))) : Json(v);
    // Rounding a log range of integers may repeat a value: keep one.
    if (!out.empty() && out.back().value == value) continue;
    out.push_back({value, where});
  }
  return out;
}

// The values of one key: an array (grid), a range table, or a single value.
std::vector<RawValue> axis_values(const toml::node& node, const Where& where) {
  if (auto a = node.as_array()) {
    if (a->empty()) spec_fail(where, "empty grid: give at least one value");
    std::vector<RawValue> out;
    for (const auto& child : *a) {
      if (child.is_array() || child.is_table()) {
        spec_fail(where, "grid values must be numbers, booleans or strings, got {}",
                  toml_type(child));
      }
      out.push_back({scalar_to_json(child, where), where});
    }
    return out;
  }
  if (auto t = node.as_table()) return spaced_range(*t, where);
  return {{scalar_to_json(node, where), where}};
}

void add_axes(const toml::table& table, const Where& where, std::vector<Axis>& axes,
              std::set<std::string>& seen) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (!seen.insert(name).second) spec_fail(where.child(name, &node), "set twice");
    Axis axis{{name}, {}};
    for (auto& v : axis_values(node, where.child(name, &node))) axis.tuples.push_back({v});
    axes.push_back(std::move(axis));
  }
}

void add_zip(const toml::table& zip, const Where& where, std::vector<Axis>& axes,
             std::set<std::string>& seen) {
  Axis axis;
  std::size_t length = 0;
  std::vector<std::vector<RawValue>> columns;
  for (const auto& [key, node] : zip) {
    const std::string name(key.str());
    const Where w = where.child(name, &node);
    if (!seen.insert(name).second) spec_fail(w, "set twice");
    if (!node.is_array()) spec_fail(w, "zipped values must be an array, got {}", toml_type(node));
    auto values = axis_values(node, w);
    if (!columns.empty() && values.size() != length) {
      spec_fail(w, "zipped arrays must have the same length: {} has {}, the first has {}", name,
                values.size(), length);
    }
    length = values.size();
    axis.names.push_back(name);
    columns.push_back(std::move(values));
  }
  if (columns.empty()) return;
  for (std::size_t i = 0; i < length; ++i) {
    std::vector<RawValue> tuple;
    for (auto& column : columns) tuple.push_back(column[i]);
    axis.tuples.push_back(std::move(tuple));
  }
  axes.push_back(std::move(axis));
}

// Cartesian product of the axes: every point maps name -> raw value.
std::vector<std::map<std::string, RawValue>> expand(const std::vector<Axis>& axes) {
  std::vector<std::map<std::string, RawValue>> points(1);
  for (const auto& axis : axes) {
    std::vector<std::map<std::string, RawValue>> next;
    for (const auto& point : points) {
      for (const auto& tuple : axis.tuples) {
        auto p = point;
        for (std::size_t k = 0; k < axis.names.size(); ++k)
          p.insert_or_assign(axis.names[k], tuple[k]);
        next.push_back(std::move(p));
      }
    }
    points = std::move(next);
  }
  return points;
}

// Resolves one point's raw values into typed values: strings given for
// numeric parameters are expressions, evaluated over the point's other values,
// the declared defaults and `outer` (the problem's values, for learners).
class PointResolver {
 public:
  PointResolver(const ParamSpec* spec, const std::map<std::string, RawValue>& raw,
                const std::map<std::string, double>& outer)
      : spec_(spec), raw_(raw), outer_(outer) {}

  // The typed JSON value of `name` (a declared parameter or n_train/n_test).
  Json resolve(const std::string& name) {
    if (auto it = done_.find(name); it != done_.end()) return it->second;
    const RawValue& rv = raw_.at(name);
    Json value = rv.value;
    const bool numeric = is_numeric(name);
    if (numeric && value.is_string()) {
      if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) {
        std::string cycle;
        for (auto it = std::find(stack_.begin(), stack_.end(), name); it != stack_.end(); ++it) {
          cycle += *it + " -> ";
        }
        spec_fail(rv.where, "circular expression: {}{}", cycle, name);
      }
      stack_.push_back(name);
      const double v = at(rv.where, [&] {
        return evaluate_expression(value.get<std::string>(),
                                   [&](const std::string& var) { return lookup(var, rv.where); });
      });
      stack_.pop_back();
      if (is_integer(name)) {
        if (std::abs(v - std::round(v)) > 1e-9 * std::max(1.0, std::abs(v))) {
          spec_fail(rv.where, "expression \"{}\" = {} is not an integer (use floor, ceil or round)",
                    value.get<std::string>(), v);
        }
        value = static_cast<std::int64_t>(std::llround(v));
      } else {
        value = v;
      }
    }
    if (spec_ && spec_->find(name)) {
      value = at(rv.where, [&] { return value_to_json(spec_->check(name, value)); });
    }
    done_[name] = value;
    return value;
  }

 private:
  bool is_numeric(const std::string& name) const {
    if (name == "n_train" || name == "n_test") return true;
    const ParamDecl* d = spec_ ? spec_->find(name) : nullptr;
    return d && (d->type == ParamType::kInt || d->type == ParamType::kReal);
  }
  bool is_integer(const std::string& name) const {
    if (name == "n_train" || name == "n_test") return true;
    const ParamDecl* d = spec_ ? spec_->find(name) : nullptr;
    return d && d->type == ParamType::kInt;
  }
  double lookup(const std::string& var, const Where& where) {
    // `problem.NAME` names the problem's parameter from a learner's expression.
    if (var.rfind("problem.", 0) == 0) {
      if (auto it = outer_.find(var.substr(8)); it != outer_.end()) return it->second;
      spec_fail(where, "unknown name '{}' in expression", var);
    }
    if (raw_.count(var)) {
      const Json v = resolve(var);
      if (!v.is_number())
        spec_fail(where, "'{}' is not numeric and cannot be used in an expression", var);
      return v.get<double>();
    }
    if (spec_) {
      if (const ParamDecl* d = spec_->find(var)) {
        if (const auto* i = std::get_if<std::int64_t>(&d->default_value))
          return static_cast<double>(*i);
        if (const auto* r = std::get_if<double>(&d->default_value)) return *r;
      }
    }
    if (auto it = outer_.find(var); it != outer_.end()) return it->second;
    spec_fail(where, "unknown name '{}' in expression", var);
  }

  const ParamSpec* spec_;
  const std::map<std::string, RawValue>& raw_;
  const std::map<std::string, double>& outer_;
  std::map<std::string, Json> done_;
  std::vector<std::string> stack_;
};

SweepBudget read_budget(const toml::node& node, const Where& where, SweepBudget budget) {
  const auto* t = node.as_table();
  if (!t)
    spec_fail(where, "expected a table {{ seconds = ..., memory_mb = ... }}, got {}",
              toml_type(node));
  check_keys(*t, where, {"seconds", "memory_mb"});
  if (const auto* s = t->get("seconds")) {
    budget.seconds = get_number(*s, where.child("seconds", s));
    if (!(budget.seconds > 0)) spec_fail(where.child("seconds", s), "expected a number > 0");
  }
  if (const auto* m = t->get("memory_mb")) {
    budget.memory_mb = get_number(*m, where.child("memory_mb", m));
    if (!(budget.memory_mb >= 16))
      spec_fail(where.child("memory_mb", m), "expected a number >= 16 (MiB)");
  }
  return budget;
}

// A `distinguish = { trials, calibration, alpha, statistic, seed }` table:
// the learner's runs become distinguishing experiments (lab/distinguish.h)
// whose trials start at `seed` (default: the sweep's one seed).
struct SpecDistinguish {
  DistinguishOptions options;
  std::optional<Seed> seed;
};

SpecDistinguish read_distinguish(const toml::node& node, const Where& where) {
  const auto* t = node.as_table();
  if (!t) {
    spec_fail(where,
              "expected a table {{ trials = T, calibration = C, alpha = A, statistic = \"...\" }}, "
              "got {}",
              toml_type(node));
  }
  check_keys(*t, where, {"trials", "calibration", "alpha", "statistic", "seed"});
  SpecDistinguish out;
  if (const auto* n = t->get("seed"))
    out.seed = static_cast<Seed>(get_int(*n, where.child("seed", n), 0, INT64_MAX));
  DistinguishOptions& options = out.options;
  if (const auto* n = t->get("trials"))
    options.trials = static_cast<int>(get_int(*n, where.child("trials", n), 2, 1'000'000));
  if (const auto* n = t->get("calibration")) {
    options.calibration =
        static_cast<int>(get_int(*n, where.child("calibration", n), 0, 1'000'000));
  }
  if (const auto* a = t->get("alpha")) {
    options.alpha = get_number(*a, where.child("alpha", a));
    if (!(options.alpha > 0 && options.alpha < 1))
      spec_fail(where.child("alpha", a), "expected a number in (0, 1)");
  }
  if (const auto* s = t->get("statistic")) {
    const auto* text = s->as_string();
    if (!text || text->get().empty() || text->get() == "-") {
      spec_fail(where.child("statistic", s),
                "expected a metric name, \"NAME\" (larger = planted) or \"-NAME\" (smaller = "
                "planted)");
    }
    options.statistic = text->get();
  }
  if (options.calibration > 0 && options.calibration < min_calibration(options.alpha)) {
    spec_fail(where.child("calibration", t->get("calibration")),
              "{} null seeds cannot calibrate level alpha = {} (a null statistic exceeds the "
              "largest of C with probability 1/(C + 1)): give at least {}",
              options.calibration, options.alpha, min_calibration(options.alpha));
  }
  return out;
}

const toml::array& require_array_of_tables(const toml::table& root, const char* key,
                                           const Where& where) {
  const toml::node* node = root.get(key);
  if (!node)
    spec_fail(where, "missing [[{}]]: name at least one {}", key,
              std::string(key).substr(0, std::string(key).size() - 1));
  const auto* array = node->as_array();
  if (!array || !array->is_array_of_tables() || array->empty()) {
    spec_fail(where.child(key, node), "expected one or more [[{}]] tables", key);
  }
  return *array;
}

struct Entry {
  std::string name;
  std::vector<Axis> axes;
  Where where;
  std::optional<SweepBudget> budget;
  // Problems only: a label that learners' `problems` lists may name instead
  // of the problem, to pair a learner with some blocks of a problem only.
  std::string label;
  // Learners only: the problems this learner runs on (empty: every problem).
  std::vector<std::string> problems;
  Where problems_where;
  // Learners only: run as a distinguisher (replaces the sweep's `distinguish`).
  std::optional<SpecDistinguish> distinguish;
};

Entry read_entry(const toml::table& t, const Where& where, bool is_problem) {
  Entry e;
  e.where = where;
  std::vector<std::string> keys{"name", "params", "zip"};
  if (is_problem) {
    keys.insert(keys.end(), {"n_train", "n_test", "label"});
  } else {
    keys.insert(keys.end(), {"budget", "problems", "distinguish"});
  }
  check_keys(t, where, keys);
  const toml::node* name = t.get("name");
  if (!name || !name->is_string()) spec_fail(where, "needs name = \"...\"");
  e.name = name->as_string()->get();
  at(where.child("name", name), [&] {
    return is_problem ? static_cast<const void*>(&problem_registry().get(e.name))
                      : static_cast<const void*>(&learner_registry().get(e.name));
  });
  if (const toml::node* label = t.get("label")) {
    if (!label->is_string() || label->as_string()->get().empty()) {
      spec_fail(where.child("label", label), "expected a non-empty label = \"...\"");
    }
    e.label = label->as_string()->get();
  }
  std::set<std::string> seen;
  if (const toml::node* p = t.get("params")) {
    if (!p->is_table()) spec_fail(where.child("params", p), "expected a table of name = value");
    add_axes(*p->as_table(), where.child("params", p), e.axes, seen);
  }
  if (const toml::node* z = t.get("zip")) {
    if (!z->is_table()) spec_fail(where.child("zip", z), "expected a table of name = [values]");
    add_zip(*z->as_table(), where.child("zip", z), e.axes, seen);
  }
  for (const char* size : {"n_train", "n_test"}) {
    if (const toml::node* n = t.get(size)) {
      if (!seen.insert(size).second) spec_fail(where.child(size, n), "set twice");
      Axis axis{{size}, {}};
      for (auto& v : axis_values(*n, where.child(size, n))) axis.tuples.push_back({v});
      e.axes.push_back(std::move(axis));
    }
  }
  if (const toml::node* b = t.get("budget"))
    e.budget = read_budget(*b, where.child("budget", b), {});
  if (const toml::node* d = t.get("distinguish"))
    e.distinguish = read_distinguish(*d, where.child("distinguish", d));
  if (const toml::node* p = t.get("problems")) {
    e.problems_where = where.child("problems", p);
    if (const auto* one = p->as_string()) {
      e.problems.push_back(one->get());
    } else if (const auto* list = p->as_array(); list && !list->empty()) {
      for (const auto& item : *list) {
        if (!item.is_string())
          spec_fail(e.problems_where, "expected problem names, got {}", toml_type(item));
        e.problems.push_back(item.as_string()->get());
      }
    } else {
      spec_fail(e.problems_where, "expected a problem name or a non-empty array of names");
    }
  }
  return e;
}

}  // namespace

namespace {

using Point = std::map<std::string, RawValue>;

// The [sweep] table: what every run of the sweep shares.
struct SweepHeader {
  std::string name;
  std::vector<Seed> seeds{1};
  int threads = 1;
  SweepBudget budget;
  std::vector<Axis> size_axes;  // n_train, n_test: the defaults of every problem entry
  std::optional<SpecDistinguish> distinguish;  // every learner's, unless it sets its own
  Where seeds_where;
};

std::vector<Seed> read_seeds(const toml::table& sweep, const Where& sw) {
  std::vector<Seed> seeds{1};
  if (sweep.contains("seeds") && sweep.contains("repeats"))
    spec_fail(sw, "give seeds or repeats, not both");
  if (const toml::node* s = sweep.get("seeds")) {
    const Where w = sw.child("seeds", s);
    const auto* arr = s->as_array();
    if (!arr || arr->empty()) spec_fail(w, "expected a non-empty array of integer seeds");
    seeds.clear();
    for (const auto& v : *arr) seeds.push_back(static_cast<Seed>(get_int(v, w, 0, INT64_MAX)));
  }
  if (const toml::node* r = sweep.get("repeats")) {
    const auto k = get_int(*r, sw.child("repeats", r), 1, 100000);
    seeds.clear();
    for (std::int64_t i = 1; i <= k; ++i) seeds.push_back(static_cast<Seed>(i));
  }
  return seeds;
}

SweepHeader read_sweep_header(const toml::table& root, const Where& top) {
  const toml::node* sweep_node = root.get("sweep");
  if (!sweep_node || !sweep_node->is_table())
    spec_fail(Where{top.source, 0, "sweep"}, "missing [sweep] table");
  const toml::table& sweep = *sweep_node->as_table();
  const Where sw = top.child("sweep", sweep_node);
  check_keys(sweep, sw,
             {"name", "seeds", "repeats", "n_train", "n_test", "threads", "budget", "distinguish"});

  SweepHeader header;
  const toml::node* name = sweep.get("name");
  if (!name || !name->is_string() || name->as_string()->get().empty()) {
    spec_fail(sw, "needs name = \"...\" (names the sweep in the results database)");
  }
  header.name = name->as_string()->get();
  header.seeds = read_seeds(sweep, sw);
  header.seeds_where = sweep.contains("seeds")     ? sw.child("seeds", sweep.get("seeds"))
                       : sweep.contains("repeats") ? sw.child("repeats", sweep.get("repeats"))
                                                   : sw;
  if (const toml::node* d = sweep.get("distinguish"))
    header.distinguish = read_distinguish(*d, sw.child("distinguish", d));
  if (const toml::node* t = sweep.get("threads")) {
    header.threads = static_cast<int>(get_int(*t, sw.child("threads", t), 1, 1024));
  }
  if (const toml::node* b = sweep.get("budget"))
    header.budget = read_budget(*b, sw.child("budget", b), header.budget);
  for (const char* size : {"n_train", "n_test"}) {
    Axis axis{{size}, {}};
    if (const toml::node* n = sweep.get(size)) {
      for (auto& v : axis_values(*n, sw.child(size, n))) axis.tuples.push_back({v});
    } else {
      axis.tuples.push_back({{Json(1000), sw.child(size, nullptr)}});
    }
    header.size_axes.push_back(std::move(axis));
  }
  return header;
}

// Whether a learner's `problems = [...]` entry `name` names problem entry `pe`.
bool names_entry(const std::string& name, const Entry& pe) {
  return pe.name == name || (!pe.label.empty() && pe.label == name);
}

bool pairs_with(const Entry& le, const Entry& pe) {
  return le.problems.empty() ||
         std::any_of(le.problems.begin(), le.problems.end(),
                     [&](const std::string& name) { return names_entry(name, pe); });
}

std::vector<Entry> read_entries(const toml::table& root, const Where& top, const char* key) {
  std::vector<Entry> entries;
  const auto& tables = require_array_of_tables(root, key, top);
  const bool is_problem = std::string(key) == "problems";
  for (std::size_t i = 0; i < tables.size(); ++i) {
    entries.push_back(read_entry(*tables.get(i)->as_table(),
                                 top.child(fmt::format("{}[{}]", key, i), tables.get(i)),
                                 is_problem));
  }
  return entries;
}

// A learner restricted to some problems must name problems (or problem
// labels) the spec has.
void check_pairings(const std::vector<Entry>& problems, const std::vector<Entry>& learners) {
  for (const Entry& le : learners) {
    for (const std::string& name : le.problems) {
      if (std::none_of(problems.begin(), problems.end(),
                       [&](const Entry& pe) { return names_entry(name, pe); })) {
        spec_fail(le.problems_where,
                  "learner '{}' is paired with problem '{}', which no [[problems]] entry names "
                  "or labels",
                  le.name, name);
      }
    }
  }
}

// One point of a problem entry, resolved once for all its learners: the
// problem's side of every run there (seed set per run) and the numeric
// values learner expressions may use (its parameters, n_train, n_test).
struct ProblemPoint {
  ResolvedGenerate instance;
  std::map<std::string, double> numeric;
};

ProblemPoint resolve_problem_point(const Problem& problem, const Entry& pe, const Point& point,
                                   int threads) {
  const std::map<std::string, double> none;
  PointResolver resolver(&problem.spec(), point, none);
  Json problem_params = Json::object();
  for (const auto& [key, raw] : point) {
    const bool size = key == "n_train" || key == "n_test";
    if (!size && !problem.spec().find(key)) {
      at(raw.where, [&] { problem.spec().parse(key, ""); });  // names the known parameters
    }
    const Json v = resolver.resolve(key);
    if (!size) problem_params[key] = v;
  }
  ProblemPoint out;
  for (const auto& d : problem.spec().decls()) {
    const Json v =
        problem_params.contains(d.name) ? problem_params[d.name] : value_to_json(d.default_value);
    if (v.is_number()) out.numeric[d.name] = v.get<double>();
  }
  const Sizes sizes{resolver.resolve("n_train").get<std::int64_t>(),
                    resolver.resolve("n_test").get<std::int64_t>()};
  out.numeric["n_train"] = static_cast<double>(sizes.n_train);
  out.numeric["n_test"] = static_cast<double>(sizes.n_test);
  at(point.at("n_train").where, [&] { check_sizes(problem.name(), sizes); });
  out.instance = at(pe.where, [&] {
    return resolve_generate({problem.name(), problem_params, 1, sizes, threads});
  });
  return out;
}

// A learner entry's budget over the sweep's: each limit it sets replaces
// the sweep's.
SweepBudget entry_budget(const Entry& le, const SweepBudget& sweep) {
  if (!le.budget) return sweep;
  return SweepBudget{std::isinf(le.budget->seconds) ? sweep.seconds : le.budget->seconds,
                     le.budget->memory_mb > 0 ? le.budget->memory_mb : sweep.memory_mb};
}

// Appends a planned run to the plan; a run id seen before is an error.
void add_planned_run(PlannedRun run, const Entry& le, std::set<std::string>& ids, SweepPlan& plan) {
  if (!ids.insert(run.run_id).second) {
    spec_fail(le.where, "the same run appears twice ({} on {} with seed {}); remove the duplicate",
              le.name, run.config["problem"].get<std::string>(), run.config["seed"].dump());
  }
  plan.runs.push_back(std::move(run));
}

// The learner's side of a run at a learner point.
RunRequest learner_request(const SweepHeader& header, const Learner& learner,
                           const Json& learner_params, const SweepBudget& budget) {
  RunRequest request;
  request.learner = learner.name();
  request.learner_params = learner_params;
  request.threads = header.threads;
  request.sweep = header.name;
  request.time_limit_seconds = budget.seconds;
  request.memory_mb = budget.memory_mb;
  return request;
}

// Every run of learner entry `le` at a problem point: one per learner
// point and seed, or, for a distinguishing learner, one experiment per
// learner point whose trials start at the sweep's (single) seed.
void plan_learner_runs(const SweepHeader& header, const ProblemPoint& at_point, const Entry& le,
                       std::set<std::string>& ids, SweepPlan& plan) {
  const Learner& learner = learner_registry().get(le.name);
  const SweepBudget budget = entry_budget(le, header.budget);
  const std::optional<SpecDistinguish>& distinguish =
      le.distinguish ? le.distinguish : header.distinguish;
  if (distinguish && !distinguish->seed && header.seeds.size() > 1) {
    spec_fail(header.seeds_where,
              "learner '{}' distinguishes: each experiment's trials take seeds s, s + 1, ... "
              "from one first seed s, so give seeds = [s] or distinguish = {{ seed = s, ... }} "
              "(this spec gives {} seeds)",
              le.name, header.seeds.size());
  }
  for (const auto& lpoint : expand(le.axes)) {
    PointResolver lresolver(&learner.spec(), lpoint, at_point.numeric);
    Json learner_params = Json::object();
    for (const auto& [key, raw] : lpoint) {
      if (!learner.spec().find(key)) at(raw.where, [&] { learner.spec().parse(key, ""); });
      learner_params[key] = lresolver.resolve(key);
    }
    RunRequest request = learner_request(header, learner, learner_params, budget);
    if (distinguish) {
      request.seed = distinguish->seed.value_or(header.seeds.front());
      const DistinguishPlan experiment = at(le.where, [&] {
        return plan_distinguish(at_point.instance, request, distinguish->options);
      });
      for (const PlannedTrial& trial : experiment.trials) add_planned_run(trial.run, le, ids, plan);
      continue;
    }
    for (Seed seed : header.seeds) {
      ResolvedGenerate instance = at_point.instance;
      instance.seed = seed;
      add_planned_run(at(le.where, [&] { return resolve_run(instance, request); }), le, ids, plan);
    }
  }
}

}  // namespace

SweepPlan parse_sweep(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    fail("{}:{}: TOML syntax error: {}", source, e.source().begin.line,
         escaped(e.description(), 300));
  }
  const Where top{source, 0, ""};
  check_keys(root, top, {"sweep", "problems", "learners", "report"});
  const SweepHeader header = read_sweep_header(root, top);
  SweepPlan plan;
  plan.source = source;
  plan.name = header.name;
  const std::vector<Entry> problems = read_entries(root, top, "problems");
  const std::vector<Entry> learners = read_entries(root, top, "learners");
  check_pairings(problems, learners);
  if (const toml::node* r = root.get("report")) {
    if (!r->is_table()) spec_fail(top.child("report", r), "expected a [report] table");
    plan.report = toml_to_json(*r, top.child("report", r));
  }

  std::set<std::string> ids;
  for (const Entry& pe : problems) {
    const Problem& problem = problem_registry().get(pe.name);
    std::vector<Axis> axes = pe.axes;
    for (const Axis& size : header.size_axes) {
      const bool overridden = std::any_of(axes.begin(), axes.end(), [&](const Axis& a) {
        return std::find(a.names.begin(), a.names.end(), size.names[0]) != a.names.end();
      });
      if (!overridden) axes.push_back(size);
    }
    for (const auto& point : expand(axes)) {
      const ProblemPoint at_point = resolve_problem_point(problem, pe, point, header.threads);
      for (const Entry& le : learners) {
        if (pairs_with(le, pe)) plan_learner_runs(header, at_point, le, ids, plan);
      }
    }
  }
  return plan;
}

SweepPlan load_sweep(const std::filesystem::path& path) {
  return parse_sweep(read_text_file(path, "sweep spec"), path.string());
}

}  // namespace hardnets
