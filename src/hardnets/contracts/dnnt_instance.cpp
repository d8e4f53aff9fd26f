#include "hardnets/contracts/dnnt_instance.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hardnets/core/error.h"

namespace hardnets::dnnt {
namespace {

constexpr double kMaxExactDouble = 9007199254740992.0;  // 2^53
constexpr std::int64_t kMaxDim = 1'000'000;
constexpr std::size_t kMaxParams = 100'000'000;
constexpr std::size_t kMaxPoints = 100'000'000;

// A JSON value that must be an integer: JSON integers, or floats with an
// integral value of magnitude ≤ 2^53 (so 2.0 is accepted, 2.5 is not).
std::int64_t json_integer(const Json& v, const std::string& where) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      fail("dnnt instance: {} = {} does not fit in a 64-bit integer", where, u);
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (!std::isfinite(x) || x != std::floor(x)) {
      fail("dnnt instance: {} = {} is not an integer", where, v.dump());
    }
    if (std::fabs(x) > kMaxExactDouble) {
      fail("dnnt instance: {} = {} is too large for a float (write it as an integer)", where,
           v.dump());
    }
    return static_cast<std::int64_t>(x);
  }
  fail("dnnt instance: {} must be an integer, got {}", where, v.dump());
}

// A double from a Dataset that must be an integer (|x| ≤ 2^53).
std::int64_t double_integer(double x, const std::string& where) {
  if (!std::isfinite(x) || x != std::floor(x)) {
    fail("dnnt instance: {} = {} is not an integer", where, x);
  }
  if (std::fabs(x) > kMaxExactDouble) {
    fail("dnnt instance: {} = {} exceeds 2^53 (not exact as a double)", where, x);
  }
  return static_cast<std::int64_t>(x);
}

std::vector<std::int64_t> json_integer_list(const Json& v, const std::string& where) {
  if (!v.is_array()) fail("dnnt instance: {} must be an array of integers", where);
  std::vector<std::int64_t> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(json_integer(v[i], fmt::format("{}[{}]", where, i)));
  }
  return out;
}

std::vector<std::int64_t> normalised(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

mpz_class mpz_from(std::int64_t v) {
  // mpz_class has no int64 constructor on every platform: go through long.
  static_assert(sizeof(long) == 8, "dnnt: 64-bit long required");
  return mpz_class(static_cast<long>(v));
}

mpz_class abs_max(const std::vector<std::int64_t>& values) {
  mpz_class m = 0;
  for (const auto v : values) {
    mpz_class a = abs(mpz_from(v));
    if (a > m) m = a;
  }
  return m;
}

// Parses everything but the data; `json` must be an object.
DnntInstance parse_structure(const Json& json) {
  if (!json.is_object()) fail("dnnt instance: expected a JSON object, got {}", json.type_name());
  static const std::vector<std::string> kKeys{"format", "d",       "hidden",  "activation",
                                              "domain", "domains", "loss",    "gamma",
                                              "X",      "y",       "comment", "name"};
  for (const auto& [key, value] : json.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      fail(
          "dnnt instance: unknown key \"{}\" (allowed: format, d, hidden, activation, domain, "
          "domains, loss, gamma, X, y, comment, name)",
          key);
    }
  }
  if (json.contains("format") && json["format"] != "dnnt") {
    fail("dnnt instance: \"format\" must be \"dnnt\", got {}", json["format"].dump());
  }
  DnntInstance inst;
  if (!json.contains("d")) fail("dnnt instance: missing \"d\" (the input dimension)");
  const std::int64_t d = json_integer(json["d"], "d");
  if (d < 1 || d > kMaxDim) fail("dnnt instance: d must be in [1, {}], got {}", kMaxDim, d);
  inst.d = static_cast<int>(d);
  if (!json.contains("hidden")) {
    fail("dnnt instance: missing \"hidden\" (hidden widths, e.g. [2] for one hidden layer)");
  }
  for (const auto w : json_integer_list(json["hidden"], "hidden")) {
    if (w < 1 || w > kMaxDim) {
      fail("dnnt instance: hidden widths must be in [1, {}], got {}", kMaxDim, w);
    }
    inst.hidden.push_back(static_cast<int>(w));
  }
  if (json.contains("activation") && json["activation"] != "relu") {
    fail("dnnt instance: only \"activation\": \"relu\" is supported, got {}",
         json["activation"].dump());
  }
  const std::string loss = json.contains("loss") && json["loss"].is_string()
                               ? json["loss"].get<std::string>()
                               : (json.contains("loss") ? json["loss"].dump() : "square");
  if (loss == "square") {
    inst.loss = Loss::kSquare;
  } else if (loss == "l1") {
    inst.loss = Loss::kL1;
  } else {
    fail("dnnt instance: \"loss\" must be \"square\" or \"l1\", got {}", loss);
  }
  if (json.contains("gamma") && !json["gamma"].is_null()) {
    inst.gamma = json_integer(json["gamma"], "gamma");
  }
  const std::size_t p = inst.num_params();
  if (json.contains("domain") && json.contains("domains")) {
    fail("dnnt instance: give either \"domain\" (shared) or \"domains\" (per parameter), not both");
  }
  if (json.contains("domain")) {
    const auto values = json_integer_list(json["domain"], "domain");
    if (values.empty()) fail("dnnt instance: the shared domain is empty");
    inst.set_shared_domain(values);
  } else if (json.contains("domains")) {
    const Json& ds = json["domains"];
    if (!ds.is_array()) fail("dnnt instance: \"domains\" must be an array of integer arrays");
    if (ds.size() != p) {
      fail("dnnt instance: \"domains\" has {} entries but the architecture has {} parameters",
           ds.size(), p);
    }
    inst.shared_domain = false;
    inst.domains.resize(p);
    for (std::size_t i = 0; i < p; ++i) {
      inst.domains[i] = normalised(
          json_integer_list(ds[i], fmt::format("domains[{}] ({})", i, inst.param_name(i))));
    }
  } else {
    fail(
        "dnnt instance: missing \"domain\" (one set for all parameters) or \"domains\" (one set "
        "per parameter)");
  }
  return inst;
}

// Exact forward pass of one input: ReLU on hidden layers, linear output. If
// `bits` is given, bits[l-1] is raised to the bit length of every nonzero
// pre-activation of layer l (how large the exact integers get).
mpz_class forward_exact(const std::vector<int>& sizes, const Theta& theta,
                        const std::vector<std::int64_t>& x, std::vector<std::size_t>* bits) {
  std::vector<mpz_class> act(x.size());
  for (std::size_t t = 0; t < x.size(); ++t) act[t] = mpz_from(x[t]);
  std::size_t p = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    std::vector<mpz_class> next(static_cast<std::size_t>(sizes[l]));
    for (int j = 0; j < sizes[l]; ++j) {
      mpz_class z = 0;
      for (int t = 0; t < sizes[l - 1]; ++t) z += mpz_from(theta[p++]) * act[t];
      z += mpz_from(theta[p++]);
      if (bits && z != 0) {
        (*bits)[l - 1] = std::max((*bits)[l - 1], mpz_sizeinbase(z.get_mpz_t(), 2));
      }
      next[j] = (l + 1 < sizes.size() && z < 0) ? mpz_class(0) : z;
    }
    act = std::move(next);
  }
  return act[0];
}

}  // namespace

const char* loss_name(Loss loss) {
  return loss == Loss::kSquare ? "square" : "l1";
}

std::vector<int> DnntInstance::layer_sizes() const {
  std::vector<int> sizes{d};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(1);
  return sizes;
}

std::size_t DnntInstance::num_params() const {
  const auto sizes = layer_sizes();
  std::size_t p = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    p += static_cast<std::size_t>(sizes[l]) * (static_cast<std::size_t>(sizes[l - 1]) + 1);
    if (p > kMaxParams) fail("dnnt instance: more than {} parameters", kMaxParams);
  }
  return p;
}

std::size_t DnntInstance::index_weight(int layer, int unit, int input) const {
  const auto sizes = layer_sizes();
  std::size_t offset = 0;
  for (int l = 1; l < layer; ++l) {
    offset += static_cast<std::size_t>(sizes[l]) * (static_cast<std::size_t>(sizes[l - 1]) + 1);
  }
  return offset +
         static_cast<std::size_t>(unit) * (static_cast<std::size_t>(sizes[layer - 1]) + 1) +
         static_cast<std::size_t>(input);
}

std::size_t DnntInstance::index_bias(int layer, int unit) const {
  const auto sizes = layer_sizes();
  return index_weight(layer, unit, sizes[layer - 1]);
}

std::string DnntInstance::param_name(std::size_t p) const {
  const auto sizes = layer_sizes();
  std::size_t offset = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    const std::size_t fan_in = static_cast<std::size_t>(sizes[l - 1]) + 1;
    const std::size_t count = static_cast<std::size_t>(sizes[l]) * fan_in;
    if (p < offset + count) {
      const std::size_t unit = (p - offset) / fan_in, input = (p - offset) % fan_in;
      const bool bias = input + 1 == fan_in;
      if (hidden.size() == 1) {
        if (l == 1) {
          return bias ? fmt::format("b_{}", unit + 1)
                      : fmt::format("w_{}[{}]", unit + 1, input + 1);
        }
        return bias ? "c" : fmt::format("a_{}", input + 1);
      }
      return bias ? fmt::format("b{}[{}]", l, unit + 1)
                  : fmt::format("W{}[{}][{}]", l, unit + 1, input + 1);
    }
    offset += count;
  }
  return fmt::format("parameter {} (out of range)", p);
}

void DnntInstance::set_shared_domain(std::vector<std::int64_t> values) {
  shared_domain = true;
  domains.assign(num_params(), normalised(std::move(values)));
}

void DnntInstance::validate() const {
  if (d < 1 || d > kMaxDim) fail("dnnt instance: d must be in [1, {}], got {}", kMaxDim, d);
  for (const int w : hidden) {
    if (w < 1 || w > kMaxDim)
      fail("dnnt instance: hidden widths must be in [1, {}], got {}", kMaxDim, w);
  }
  const std::size_t p = num_params();
  if (domains.size() != p) {
    fail("dnnt instance: {} domains for {} parameters", domains.size(), p);
  }
  for (std::size_t i = 0; i < p; ++i) {
    if (domains[i].empty()) {
      fail("dnnt instance: the domain of parameter {} ({}) is empty", i, param_name(i));
    }
    if (!std::is_sorted(domains[i].begin(), domains[i].end()) ||
        std::adjacent_find(domains[i].begin(), domains[i].end()) != domains[i].end()) {
      fail("dnnt instance: the domain of parameter {} ({}) is not sorted and duplicate-free", i,
           param_name(i));
    }
  }
  if (X.size() != y.size()) {
    fail("dnnt instance: {} data points (rows of X) but {} labels (y)", X.size(), y.size());
  }
  if (X.size() > kMaxPoints) fail("dnnt instance: more than {} data points", kMaxPoints);
  for (std::size_t i = 0; i < X.size(); ++i) {
    if (X[i].size() != static_cast<std::size_t>(d)) {
      fail("dnnt instance: X[{}] has {} values but d = {}", i, X[i].size(), d);
    }
  }
  if (gamma && *gamma < 0) fail("dnnt instance: gamma must be >= 0, got {}", *gamma);
}

bool DnntInstance::in_domain(const Theta& theta, std::string* why) const {
  if (theta.size() != domains.size()) {
    if (why) *why = fmt::format("theta has {} values, expected {}", theta.size(), domains.size());
    return false;
  }
  for (std::size_t p = 0; p < theta.size(); ++p) {
    if (!std::binary_search(domains[p].begin(), domains[p].end(), theta[p])) {
      if (why) *why = fmt::format("{} = {} is not in its domain", param_name(p), theta[p]);
      return false;
    }
  }
  return true;
}

mpz_class DnntInstance::output(const Theta& theta, const std::vector<std::int64_t>& x) const {
  return forward_exact(layer_sizes(), theta, x, nullptr);
}

std::vector<mpz_class> DnntInstance::outputs(const Theta& theta) const {
  if (theta.size() != num_params()) {
    throw std::logic_error(
        fmt::format("dnnt: theta has {} values, expected {}", theta.size(), num_params()));
  }
  std::vector<mpz_class> out;
  out.reserve(X.size());
  for (const auto& x : X) out.push_back(output(theta, x));
  return out;
}

mpz_class DnntInstance::point_loss(const mpz_class& f, std::int64_t label) const {
  mpz_class r = f - mpz_from(label);
  return loss == Loss::kSquare ? mpz_class(r * r) : mpz_class(abs(r));
}

mpz_class DnntInstance::total_loss(const Theta& theta) const {
  const auto f = outputs(theta);
  mpz_class sum = 0;
  for (std::size_t i = 0; i < f.size(); ++i) sum += point_loss(f[i], y[i]);
  return sum;
}

std::vector<std::size_t> DnntInstance::max_bits_per_layer(const Theta& theta) const {
  const auto sizes = layer_sizes();
  std::vector<std::size_t> bits(sizes.size() - 1, 0);
  for (const auto& x : X) forward_exact(sizes, theta, x, &bits);
  return bits;
}

mpz_class DnntInstance::magnitude_bound() const {
  // |a_l| ≤ fan_in · max|W_l| · A_{l-1} + max|b_l| layer by layer, starting
  // from A_0 = max |x|; the loss is at most n (O + max|y|)^2 (or n (O + max|y|)).
  const auto sizes = layer_sizes();
  mpz_class act = 0;
  for (const auto& row : X) act = std::max(act, abs_max(row));
  mpz_class bound = act;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    mpz_class wmax = 0, bmax = 0;
    for (int j = 0; j < sizes[l]; ++j) {
      for (int t = 0; t < sizes[l - 1]; ++t) {
        wmax = std::max(wmax, abs_max(domains[index_weight(static_cast<int>(l), j, t)]));
      }
      bmax = std::max(bmax, abs_max(domains[index_bias(static_cast<int>(l), j)]));
    }
    act = mpz_class(sizes[l - 1]) * wmax * act + bmax;
    bound = std::max(bound, act);
  }
  const mpz_class ymax = abs_max(y);
  mpz_class residual = act + ymax;
  mpz_class loss_bound = mpz_class(static_cast<unsigned long>(X.size())) *
                         (loss == Loss::kSquare ? mpz_class(residual * residual) : residual);
  bound = std::max({bound, residual, loss_bound});
  return bound;
}

bool DnntInstance::fits_int64() const {
  mpz_class limit = 1;
  limit <<= 62;
  return magnitude_bound() < limit;
}

Json DnntInstance::to_task() const {
  Json j;
  j["format"] = "dnnt";
  j["d"] = d;
  j["hidden"] = hidden;
  j["activation"] = "relu";
  if (shared_domain && !domains.empty()) {
    j["domain"] = domains[0];
  } else {
    j["domains"] = domains;
  }
  j["loss"] = loss_name(loss);
  if (gamma) j["gamma"] = *gamma;
  return j;
}

Json DnntInstance::to_json() const {
  Json j = to_task();
  j["X"] = X;
  j["y"] = y;
  return j;
}

DnntInstance DnntInstance::from_json(const Json& json) {
  DnntInstance inst = parse_structure(json);
  if (!json.contains("X") || !json.contains("y")) {
    fail("dnnt instance: missing the data \"X\" (n rows of d integers) and \"y\" (n integers)");
  }
  const Json& X = json["X"];
  if (!X.is_array()) fail("dnnt instance: \"X\" must be an array of rows");
  for (std::size_t i = 0; i < X.size(); ++i) {
    inst.X.push_back(json_integer_list(X[i], fmt::format("X[{}]", i)));
  }
  inst.y = json_integer_list(json["y"], "y");
  inst.validate();
  return inst;
}

DnntInstance DnntInstance::from_task(const Json& task, const Dataset& train) {
  DnntInstance inst = parse_structure(task);
  if (train.size() > 0 && train.dim() != inst.d) {
    fail("dnnt instance: the training data has dimension {} but the task says d = {}", train.dim(),
         inst.d);
  }
  inst.X.assign(static_cast<std::size_t>(train.size()), {});
  inst.y.resize(static_cast<std::size_t>(train.size()));
  for (Eigen::Index i = 0; i < train.size(); ++i) {
    auto& row = inst.X[static_cast<std::size_t>(i)];
    row.resize(static_cast<std::size_t>(inst.d));
    for (int t = 0; t < inst.d; ++t)
      row[t] = double_integer(train.X(i, t), fmt::format("X[{}][{}]", i, t));
    inst.y[static_cast<std::size_t>(i)] = double_integer(train.y[i], fmt::format("y[{}]", i));
  }
  inst.validate();
  return inst;
}

Dataset DnntInstance::dataset() const {
  Dataset data;
  data.X.resize(static_cast<Eigen::Index>(X.size()), d);
  data.y.resize(static_cast<Eigen::Index>(y.size()));
  for (std::size_t i = 0; i < X.size(); ++i) {
    for (int t = 0; t < d; ++t)
      data.X(static_cast<Eigen::Index>(i), t) = static_cast<double>(X[i][t]);
    data.y[static_cast<Eigen::Index>(i)] = static_cast<double>(y[i]);
  }
  return data;
}

Json network_json(const DnntInstance& inst, const Theta& theta) {
  const auto sizes = inst.layer_sizes();
  Json layers = Json::array();
  std::size_t p = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    Json W = Json::array(), b = Json::array();
    for (int j = 0; j < sizes[l]; ++j) {
      Json row = Json::array();
      for (int t = 0; t < sizes[l - 1]; ++t) row.push_back(theta.at(p++));
      W.push_back(row);
      b.push_back(theta.at(p++));
    }
    layers.push_back(Json{{"W", W}, {"b", b}});
  }
  return Json{{"type", "dnnt_network"}, {"sizes", sizes}, {"theta", theta}, {"layers", layers}};
}

Theta theta_from_json(const Json& json) {
  const Json* j = &json;
  if (j->is_object() && !j->contains("theta") && j->contains("network")) j = &(*j)["network"];
  if (!j->is_object() || !j->contains("theta")) fail("dnnt: no \"theta\" in the network JSON");
  return json_integer_list((*j)["theta"], "theta");
}

DnntPredictor::DnntPredictor(std::vector<int> sizes, Theta theta)
    : sizes_(std::move(sizes)), theta_(std::move(theta)) {}

Vector DnntPredictor::predict(const Matrix& X) const {
  if (X.cols() != sizes_.front()) {
    fail("dnnt network expects dimension {}, got {}", sizes_.front(), X.cols());
  }
  Vector out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    std::vector<double> act(X.row(i).data(), X.row(i).data() + X.cols());
    std::size_t p = 0;
    for (std::size_t l = 1; l < sizes_.size(); ++l) {
      std::vector<double> next(static_cast<std::size_t>(sizes_[l]));
      for (int j = 0; j < sizes_[l]; ++j) {
        double z = 0;
        for (int t = 0; t < sizes_[l - 1]; ++t) z += static_cast<double>(theta_[p++]) * act[t];
        z += static_cast<double>(theta_[p++]);
        next[j] = (l + 1 < sizes_.size()) ? std::max(z, 0.0) : z;
      }
      act = std::move(next);
    }
    out[i] = act[0];
  }
  return out;
}

Json DnntPredictor::to_json() const {
  return Json{{"type", "dnnt_network"}, {"sizes", sizes_}, {"theta", theta_}};
}

Fit make_fit(const DnntInstance& inst, const Solution& solution, const std::string& solver) {
  std::string why;
  if (!inst.in_domain(solution.theta, &why)) {
    throw std::logic_error(fmt::format("{}: returned an invalid network: {}", solver, why));
  }
  const mpz_class loss = inst.total_loss(solution.theta);
  if (loss != solution.loss) {
    throw std::logic_error(fmt::format("{}: reported loss {} but the network's exact loss is {}",
                                       solver, solution.loss.get_str(), loss.get_str()));
  }
  Fit fit;
  fit.predictor = std::make_shared<DnntPredictor>(inst.layer_sizes(), solution.theta);
  fit.stats[metric::kOptLoss] = loss.get_d();
  if (inst.n() > 0) fit.stats[metric::kTrainLoss] = loss.get_d() / static_cast<double>(inst.n());
  fit.output = Json{{"solver", solver},
                    {"opt_loss", loss.get_str()},
                    {"optimal", solution.optimal},
                    {"theta", solution.theta},
                    {"network", network_json(inst, solution.theta)}};
  if (inst.gamma) {
    fit.output["decision"] = loss <= mpz_from(*inst.gamma) ? "yes" : "no";
  }
  if (!solution.optimal) {
    fit.status = Outcome::time_limit;
    fit.message = "the search stopped early: the loss is an upper bound, not certified optimal";
  }
  return fit;
}

Verification verify_output(const DnntInstance& inst, const Json& output) {
  Verification v;
  if (!output.is_object() || !output.contains("theta")) {
    v.message = "the fit has no \"theta\" in its output";
    return v;
  }
  Theta theta;
  try {
    theta = theta_from_json(output);
  } catch (const UserError& e) {
    v.message = e.what();
    return v;
  }
  if (!inst.in_domain(theta, &v.message)) return v;
  v.loss = inst.total_loss(theta);
  if (!output.contains("opt_loss") || !output["opt_loss"].is_string()) {
    v.message = "the fit reports no exact \"opt_loss\" string";
    return v;
  }
  mpz_class reported;
  if (reported.set_str(output["opt_loss"].get<std::string>(), 10) != 0) {
    v.message = "\"opt_loss\" is not a decimal integer";
    return v;
  }
  if (reported != v.loss) {
    v.message = fmt::format("reported loss {} but the network's exact loss is {}",
                            reported.get_str(), v.loss.get_str());
    return v;
  }
  v.ok = true;
  return v;
}

}  // namespace hardnets::dnnt
