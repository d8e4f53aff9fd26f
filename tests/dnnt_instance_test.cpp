// Tests for the D-NNT instance type (contracts/dnnt_instance.h): the JSON file
// round trip, every validation error, exact evaluation beyond 64 bits, the
// flat parameter order and the shared solver result (make_fit, verify_output).
#include "hardnets/contracts/dnnt_instance.h"

#include <functional>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"

namespace hardnets::dnnt {
namespace {

// f(x) = c + Σ_j a_j [w_j·x + b_j]_+ with d = 2, k = 2, per-parameter domains.
const char* kExample = R"({
  "format": "dnnt", "d": 2, "hidden": [2], "activation": "relu",
  "domain": [1, 0, -1, 0],
  "loss": "square", "gamma": 1,
  "X": [[1, 0], [0, 2], [-1, 1]], "y": [1, -1, 0]
})";

Json example() {
  return Json::parse(kExample);
}

std::string error_of(const Json& json) {
  try {
    DnntInstance::from_json(json);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DnntInstance, ParsesAndNormalisesTheSharedDomain) {
  const DnntInstance inst = DnntInstance::from_json(example());
  EXPECT_EQ(inst.d, 2);
  EXPECT_EQ(inst.hidden, std::vector<int>{2});
  EXPECT_EQ(inst.num_params(), 2u * 3 + 3);
  EXPECT_EQ(inst.domains[0], (std::vector<std::int64_t>{-1, 0, 1}));
  EXPECT_EQ(inst.n(), 3u);
  ASSERT_TRUE(inst.gamma.has_value());
  EXPECT_EQ(*inst.gamma, 1);
}

TEST(DnntInstance, JsonRoundTripSharedAndPerParameter) {
  DnntInstance inst = DnntInstance::from_json(example());
  const Json once = inst.to_json();
  EXPECT_EQ(DnntInstance::from_json(Json::parse(once.dump())).to_json(), once);

  inst.shared_domain = false;
  inst.domains[inst.index_bias(2, 0)] = {-5, 7};  // c gets its own domain
  inst.loss = Loss::kL1;
  inst.gamma.reset();
  const Json twice = inst.to_json();
  EXPECT_TRUE(twice.contains("domains"));
  EXPECT_FALSE(twice.contains("gamma"));
  const DnntInstance back = DnntInstance::from_json(Json::parse(twice.dump()));
  EXPECT_EQ(back.domains, inst.domains);
  EXPECT_EQ(back.loss, Loss::kL1);
  EXPECT_FALSE(back.gamma.has_value());
  EXPECT_EQ(back.to_json(), twice);
}

TEST(DnntInstance, TaskPlusDatasetRebuildsTheInstance) {
  const DnntInstance inst = DnntInstance::from_json(example());
  const Json task = inst.to_task();
  EXPECT_FALSE(task.contains("X"));
  EXPECT_FALSE(task.contains("y"));
  const DnntInstance back = DnntInstance::from_task(task, inst.dataset());
  EXPECT_EQ(back.to_json(), inst.to_json());
}

struct BadCase {
  std::string what;
  std::function<void(Json&)> edit;
  std::string expected;
};

TEST(DnntInstance, EveryValidationErrorIsClear) {
  const std::vector<BadCase> cases{
      {"empty shared domain", [](Json& j) { j["domain"] = Json::array(); },
       "shared domain is empty"},
      {"empty per-parameter domain",
       [](Json& j) {
         j.erase("domain");
         Json ds = Json::array();
         for (int p = 0; p < 9; ++p) ds.push_back(p == 4 ? Json::array() : Json::array({0, 1}));
         j["domains"] = ds;
       },
       "domain of parameter 4 (w_2[2]) is empty"},
      {"wrong number of domains",
       [](Json& j) {
         j.erase("domain");
         j["domains"] = Json::array({Json::array({0})});
       },
       "\"domains\" has 1 entries but the architecture has 9 parameters"},
      {"both domain forms", [](Json& j) { j["domains"] = Json::array(); }, "not both"},
      {"no domain", [](Json& j) { j.erase("domain"); }, "missing \"domain\""},
      {"row of the wrong dimension",
       [](Json& j) {
         j["X"][1] = Json::array({0, 2, 3});
       },
       "X[1] has 3 values but d = 2"},
      {"labels and points disagree",
       [](Json& j) {
         j["y"] = Json::array({1, 2});
       },
       "3 data points (rows of X) but 2 labels"},
      {"non-integer input", [](Json& j) { j["X"][2][0] = 1.5; }, "X[2][0] = 1.5 is not an integer"},
      {"non-integer label", [](Json& j) { j["y"][0] = 0.25; }, "y[0] = 0.25 is not an integer"},
      {"non-integer domain value", [](Json& j) { j["domain"][1] = 0.5; },
       "domain[1] = 0.5 is not an integer"},
      {"text where an integer belongs", [](Json& j) { j["y"][0] = "one"; }, "must be an integer"},
      {"non-integer gamma", [](Json& j) { j["gamma"] = 0.5; }, "gamma = 0.5 is not an integer"},
      {"negative gamma", [](Json& j) { j["gamma"] = -1; }, "gamma must be >= 0"},
      {"missing d", [](Json& j) { j.erase("d"); }, "missing \"d\""},
      {"d = 0", [](Json& j) { j["d"] = 0; }, "d must be in [1,"},
      {"hidden width 0", [](Json& j) { j["hidden"] = Json::array({0}); }, "hidden widths"},
      {"missing hidden", [](Json& j) { j.erase("hidden"); }, "missing \"hidden\""},
      {"unknown loss", [](Json& j) { j["loss"] = "hinge"; },
       "\"loss\" must be \"square\" or \"l1\""},
      {"unknown activation", [](Json& j) { j["activation"] = "sigmoid"; }, "only \"activation\""},
      {"unknown key", [](Json& j) { j["gama"] = 0; }, "unknown key \"gama\""},
      {"wrong format", [](Json& j) { j["format"] = "mlp"; }, "\"format\" must be \"dnnt\""},
      {"missing data", [](Json& j) { j.erase("X"); }, "missing the data"},
      {"not an object", [](Json& j) { j = Json::array(); }, "expected a JSON object"},
      {"huge integer", [](Json& j) { j["y"][0] = 18446744073709551615ull; },
       "does not fit in a 64-bit integer"},
  };
  for (const auto& c : cases) {
    Json j = example();
    c.edit(j);
    const std::string message = error_of(j);
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << c.what << ": got \"" << message << "\"";
    EXPECT_EQ(message.rfind("dnnt instance: ", 0), 0u) << c.what << ": " << message;
  }
}

TEST(DnntInstance, FromTaskRejectsBadData) {
  const Json task = DnntInstance::from_json(example()).to_task();
  Dataset wrong_dim{Matrix::Zero(2, 3), Vector::Zero(2)};
  EXPECT_THROW(
      {
        try {
          DnntInstance::from_task(task, wrong_dim);
        } catch (const UserError& e) {
          EXPECT_NE(std::string(e.what()).find("dimension 3 but the task says d = 2"),
                    std::string::npos);
          throw;
        }
      },
      UserError);
  Dataset fractional{Matrix::Zero(2, 2), Vector::Zero(2)};
  fractional.X(1, 1) = 0.5;
  EXPECT_THROW(DnntInstance::from_task(task, fractional), UserError);
  Dataset huge{Matrix::Zero(1, 2), Vector::Constant(1, 1e17)};
  EXPECT_THROW(DnntInstance::from_task(task, huge), UserError);
}

TEST(DnntInstance, FlatParameterOrderAndNames) {
  const DnntInstance inst = DnntInstance::from_json(example());
  // w_1 (2), b_1, w_2 (2), b_2, a_1, a_2, c.
  EXPECT_EQ(inst.index_weight(1, 1, 0), 3u);
  EXPECT_EQ(inst.index_bias(1, 1), 5u);
  EXPECT_EQ(inst.index_weight(2, 0, 1), 7u);
  EXPECT_EQ(inst.index_bias(2, 0), 8u);
  EXPECT_EQ(inst.param_name(0), "w_1[1]");
  EXPECT_EQ(inst.param_name(2), "b_1");
  EXPECT_EQ(inst.param_name(7), "a_2");
  EXPECT_EQ(inst.param_name(8), "c");
  DnntInstance deep = inst;
  deep.hidden = {2, 3};
  deep.set_shared_domain({0});
  EXPECT_EQ(deep.num_params(), 6u + 9u + 4u);
  EXPECT_EQ(deep.param_name(deep.index_weight(2, 2, 1)), "W2[3][2]");
  EXPECT_EQ(deep.param_name(deep.index_bias(3, 0)), "b3[1]");
}

TEST(DnntInstance, ExactEvaluationOfAHandComputedNetwork) {
  DnntInstance inst;
  inst.d = 1;
  inst.hidden = {1};
  inst.set_shared_domain({-1, 1, 2, 3});
  inst.X = {{2}, {0}, {-3}};
  inst.y = {10, 0, 1};
  // f(x) = 1 + 3 [2x - 1]_+ : f(2) = 10, f(0) = 1, f(-3) = 1.
  const Theta theta{2, -1, 3, 1};
  const auto f = inst.outputs(theta);
  EXPECT_EQ(f[0], 10);
  EXPECT_EQ(f[1], 1);
  EXPECT_EQ(f[2], 1);
  EXPECT_EQ(inst.total_loss(theta), 1);
  inst.loss = Loss::kL1;
  inst.y = {7, 0, 1};
  EXPECT_EQ(inst.total_loss(theta), 4);
}

TEST(DnntInstance, ValuesBeyond64BitsAreExact) {
  // Depth 6, width 1, every parameter 10^6: x = 10^6 gives 10^{6·7} + ... ≈ 2^140.
  DnntInstance inst;
  inst.d = 1;
  inst.hidden = {1, 1, 1, 1, 1};
  inst.set_shared_domain({1'000'000});
  inst.X = {{1'000'000}};
  inst.y = {0};
  const Theta theta(inst.num_params(), 1'000'000);
  mpz_class expected = 1'000'000;
  for (int l = 0; l < 6; ++l) expected = expected * 1'000'000 + 1'000'000;
  EXPECT_EQ(inst.outputs(theta)[0], expected);
  EXPECT_EQ(inst.total_loss(theta), expected * expected);
  const auto bits = inst.max_bits_per_layer(theta);
  ASSERT_EQ(bits.size(), 6u);
  for (std::size_t l = 1; l < bits.size(); ++l) EXPECT_GT(bits[l], bits[l - 1] + 15);
  EXPECT_GT(bits.back(), 64u);
  EXPECT_FALSE(inst.fits_int64());
  EXPECT_GE(inst.magnitude_bound(), expected * expected);
}

TEST(DnntInstance, MagnitudeBoundHoldsForEveryNetwork) {
  DnntInstance inst = DnntInstance::from_json(example());
  inst.hidden = {2, 2};
  inst.set_shared_domain({-2, 0, 3});
  const mpz_class bound = inst.magnitude_bound();
  EXPECT_TRUE(inst.fits_int64());
  // Every assignment of the 15 parameters with values in {-2, 3}, extreme ones included.
  for (std::uint32_t mask = 0; mask < (1u << 15); mask += 7) {
    Theta theta(inst.num_params());
    for (std::size_t p = 0; p < theta.size(); ++p) theta[p] = (mask >> p) & 1 ? 3 : -2;
    for (const auto& f : inst.outputs(theta)) EXPECT_LE(abs(f), bound);
    EXPECT_LE(inst.total_loss(theta), bound);
  }
}

TEST(DnntInstance, MakeFitAndVerification) {
  const DnntInstance inst = DnntInstance::from_json(example());
  const Theta theta{1, 0, 0, 0, 1, 0, 1, -1, 0};
  Solution solution{theta, inst.total_loss(theta)};
  const Fit fit = make_fit(inst, solution, "test");
  EXPECT_EQ(fit.status, Outcome::ok);
  EXPECT_EQ(fit.stats.at(metric::kOptLoss), solution.loss.get_d());
  EXPECT_EQ(fit.output["opt_loss"], solution.loss.get_str());
  EXPECT_EQ(theta_from_json(fit.output["network"]), theta);
  // The predictor evaluates the same network.
  const Vector pred = fit.predictor->predict(inst.dataset().X);
  const auto exact = inst.outputs(theta);
  for (std::size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(pred[i], exact[i].get_d());
  EXPECT_TRUE(verify_output(inst, fit.output).ok);

  Json tampered = fit.output;
  tampered["opt_loss"] = "0";
  ASSERT_NE(solution.loss, 0);
  EXPECT_FALSE(verify_output(inst, tampered).ok);
  tampered = fit.output;
  tampered["theta"][0] = 5;  // outside {-1, 0, 1}
  const Verification v = verify_output(inst, tampered);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.message.find("w_1[1] = 5 is not in its domain"), std::string::npos) << v.message;
  EXPECT_FALSE(verify_output(inst, Json::object()).ok);

  Solution wrong{theta, solution.loss + 1};
  EXPECT_THROW(make_fit(inst, wrong, "test"), std::logic_error);
  Solution stopped{theta, solution.loss, false};
  EXPECT_EQ(make_fit(inst, stopped, "test").status, Outcome::time_limit);
}

}  // namespace
}  // namespace hardnets::dnnt
