#include "hardnets/contracts/task_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "hardnets/core/error.h"

namespace hardnets {

namespace {

// Keys that the Goldreich-based tasks share: the PRG's seed length n and its
// predicate.
TaskKey seed_length() {
  return {"n", "integer", "seed length n of the PRG (secret bits)"};
}
TaskKey arity() {
  return {"k", "integer", "arity k of the PRG's predicate"};
}
TaskKey predicate_label() {
  return {"predicate", "string", "the predicate's name (p5, xor, ...)"};
}
TaskKey predicate_table() {
  return {"table", "string", "the predicate's truth table, hexadecimal, bit i = P(bits of i)"};
}

// The keys prg_depth3 and prg_depth2_smoothed share: the PRG, the padding
// and the network's dimensions.
std::vector<TaskKey> prg_network_keys() {
  return {seed_length(),
          arity(),
          predicate_label(),
          predicate_table(),
          {"pad", "integer", "padding coordinates appended to the hypercube input"},
          {"tau", "number", "parameter-smoothing scale (0: none)"},
          {"d", "integer", "input dimension"},
          {"L", "integer", "bits per seed index, log2 n (one encoded index spans L coordinates)"},
          {"R", "integer", "the encoded tuple's width k·L (the hypercube part of the input)"}};
}

bool has_type(const Json& value, const std::string& type) {
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "number or null") return value.is_number() || value.is_null();
  return false;
}

}  // namespace

const TaskSchema& hidden_width_schema() {
  static const TaskSchema s{"hidden_width",
                            "the hidden width of the network that labels the data",
                            nullptr,
                            nullptr,
                            {kHiddenWidth}};
  return s;
}

const TaskSchema& goldreich_schema() {
  static const TaskSchema s{
      "goldreich",
      "outputs of Goldreich's local PRG: hyperedge S -> P(s_S) for a secret seed s",
      "family",
      "goldreich",
      {seed_length(),
       arity(),
       predicate_label(),
       {"a", "integer", "xor_maj: the xor part's arity (0 otherwise)"},
       {"b", "integer", "xor_maj: the majority part's arity (0 otherwise)"},
       {"label", "string", "the predicate as written in a label (p5, xor3, xor2_maj3, table:...)"},
       predicate_table(),
       {"encoding", "string", "how a row gives the hyperedge: onehot or indices"}}};
  return s;
}

const TaskSchema& parity_schema() {
  static const TaskSchema s{"parity",
                            "a k-sparse parity of n uniform ±1 bits, optional label noise",
                            "family",
                            "parity",
                            {{"n", "integer", "input bits n"},
                             {"k", "integer", "support size k of the parity"},
                             {"noise", "number", "probability that a label is flipped"}}};
  return s;
}

const TaskSchema& natural_ksat_schema() {
  static const TaskSchema s{
      "natural_ksat",
      "a natural-weights depth-2 network on K-SAT clause inputs (its blocks)",
      "family",
      "natural_ksat",
      {{"n", "integer", "variables of the formula"},
       {"K", "integer", "literals per clause"},
       {"q", "integer", "clauses in the block of a row"},
       {"d", "integer", "input dimension (the clause encoding's length)"},
       {"d_c", "integer", "coordinates of one clause"},
       {"label", "string", "how a row is labelled: or (some clause violated) or count"}}};
  return s;
}

const TaskSchema& dnnt_schema() {
  static const TaskSchema s{
      "dnnt",
      "a discrete neural-network training instance: architecture, parameter domain, loss",
      "format",
      "dnnt",
      {{"d", "integer", "input dimension"},
       {"hidden", "array", "hidden widths, one per layer"},
       {"activation", "string", "the hidden units' activation (relu)"},
       {"domain", "array", "the finite set every parameter is drawn from", true},
       {"domains", "array", "one finite set per parameter (instead of domain)", true},
       {"loss", "string", "the training loss (square, ...)"},
       {"gamma", "number", "the loss threshold γ of the decision problem", true}}};
  return s;
}

const TaskSchema& clwe_schema() {
  static const TaskSchema s{
      "clwe",
      "Continuous LWE samples (x, z = γ<w,x> + e mod 1)",
      "family",
      "clwe",
      {{"convention", "string", "how x is drawn (standard-normal)"},
       {"variant", "string", "clwe or homogeneous"},
       {"gamma", "number", "the secret's scale γ"},
       {"beta", "number", "the noise width β"},
       {"precision_bits", "integer", "bits of z kept (53: doubles)"},
       {"z_mp", "array", "z to precision_bits bits, as decimal strings (beyond 53 bits)", true}}};
  return s;
}

const TaskSchema& lwe_schema() {
  static const TaskSchema s{
      "lwe",
      "LWE samples (a, b = <a, s> + e mod q): the modulus and the secret's and errors' laws",
      "family",
      "lwe",
      {{"n", "integer", "the secret's dimension"},
       {"q", "integer", "the modulus"},
       {"secret", "string", "the secret's law: gaussian, uniform or ternary"},
       {"secret_std", "number", "the standard deviation of one secret coordinate"},
       {"sigma_e", "number", "the errors' discrete-Gaussian width (about their std)"}}};
  return s;
}

const TaskSchema& periodic_schema() {
  static const TaskSchema s{
      "periodic",
      "a periodic neuron y = φ(γ<w,x>) + noise, optionally capped at |γ<w,x>| <= γR",
      "family",
      "periodic",
      {{"convention", "string", "how x is drawn (standard-normal)"},
       {"phi", "string", "the link φ: cos or tri"},
       {"gamma", "number", "the frequency γ"},
       {"sigma", "number", "the label noise's standard deviation"},
       {"R", "number or null", "the cap radius R (null: uncapped)"}}};
  return s;
}

const TaskSchema& prg_depth3_schema() {
  static const TaskSchema s = [] {
    TaskSchema t{"prg_depth3", "the depth-3 Gaussian-input network planting Goldreich's PRG",
                 "family", "prg_depth3", prg_network_keys()};
    t.keys.push_back({"delta", "number", "the band gadget's half-width δ"});
    t.keys.push_back({"gate", "number", "the sign gadget's gain"});
    t.keys.push_back({"H", "integer", "hyperedge detectors (first-layer features)"});
    return t;
  }();
  return s;
}

const TaskSchema& prg_depth2_schema() {
  static const TaskSchema s = [] {
    TaskSchema t{"prg_depth2_smoothed",
                 "the depth-2 network planting Goldreich's PRG under blurred hypercube inputs",
                 "family", "prg_depth2_smoothed", prg_network_keys()};
    t.keys.push_back({"omega", "number", "the input blur's standard deviation ω"});
    t.keys.push_back({"base", "string", "how the hypercube base points are drawn"});
    return t;
  }();
  return s;
}

const TaskSchema& relu_training_schema() {
  static const TaskSchema s{
      "relu_training",
      "a certified ReLU training problem: architecture, loss and the YES/NO loss thresholds",
      nullptr,
      nullptr,
      {{"unit_bias", "boolean", "whether the hidden units have biases"},
       {"output_bias", "boolean", "whether the output has a bias"},
       {"loss", "string", "the training loss (square_sum)"},
       {"c_yes", "number", "a YES instance has a network of loss at most c_yes"},
       {"c_no", "number", "every network has loss at least c_no on a NO instance"}}};
  return s;
}

const std::vector<const TaskSchema*>& task_schemas() {
  static const std::vector<const TaskSchema*> all{
      &hidden_width_schema(), &goldreich_schema(),  &parity_schema(),       &natural_ksat_schema(),
      &dnnt_schema(),         &clwe_schema(),       &lwe_schema(),          &periodic_schema(),
      &prg_depth3_schema(),   &prg_depth2_schema(), &relu_training_schema()};
  return all;
}

const TaskSchema* find_task_schema(const std::string& name) {
  for (const TaskSchema* s : task_schemas()) {
    if (name == s->name) return s;
  }
  return nullptr;
}

std::string schema_names(const TaskPublication& schemas, const char* separator) {
  std::string out;
  for (const TaskSchema* s : schemas) out += (out.empty() ? "" : separator) + std::string(s->name);
  return out.empty() ? "none" : out;
}

std::string task_contract_error(const std::string& problem, const TaskPublication& published,
                                const std::string& learner, const TaskNeed& need) {
  for (const TaskSchema* wanted : need.any_of) {
    if (std::find(published.begin(), published.end(), wanted) != published.end()) return "";
  }
  if (need.empty()) return "";
  return fmt::format(
      "learner '{}' reads a {} task ({}), but problem '{}' publishes {}{}", learner,
      schema_names(need.any_of), need.because, problem,
      published.empty() ? "no task" : "a " + schema_names(published, " + ") + " task",
      need.instead.empty() ? "" : "; " + need.instead);
}

std::vector<std::string> task_schema_errors(const TaskPublication& published, const Json& task) {
  std::vector<std::string> errors;
  if (!task.is_object()) return {"the task is not a JSON object"};
  std::set<std::string> declared;
  for (const TaskSchema* s : published) {
    if (s->tag_key) {
      declared.insert(s->tag_key);
      if (!task.contains(s->tag_key) || task[s->tag_key] != s->tag_value) {
        errors.push_back(fmt::format("schema {}: '{}' must be \"{}\", got {}", s->name, s->tag_key,
                                     s->tag_value,
                                     task.contains(s->tag_key) ? task[s->tag_key].dump() : "none"));
      }
    }
    for (const TaskKey& key : s->keys) {
      declared.insert(key.name);
      if (!task.contains(key.name)) {
        if (!key.optional)
          errors.push_back(fmt::format("schema {}: key '{}' is missing", s->name, key.name));
      } else if (!has_type(task[key.name], key.type)) {
        errors.push_back(fmt::format("schema {}: key '{}' must be {} ({}), got {}", s->name,
                                     key.name, key.type, key.meaning,
                                     escaped(task[key.name].dump(), 80)));
      }
    }
  }
  for (const auto& [key, value] : task.items()) {
    if (!declared.count(key))
      errors.push_back(fmt::format("key '{}' is published but declared by no schema of {}", key,
                                   schema_names(published, " + ")));
  }
  return errors;
}

}  // namespace hardnets
