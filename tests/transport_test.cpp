// Records are lossless: a sweep's worker sends its parent every double bit for
// bit (±inf, NaN, -0, subnormals), so the same run stores the same values
// whichever command ran it (`hardnets run --db` or a sweep).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/lab/run.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {
namespace {

using testing::TempDir;

// The awkward doubles, by name.
const std::map<std::string, double>& awkward() {
  static const std::map<std::string, double> values = {
      {"pos_inf", std::numeric_limits<double>::infinity()},
      {"neg_inf", -std::numeric_limits<double>::infinity()},
      {"quiet_nan", std::numeric_limits<double>::quiet_NaN()},
      {"payload_nan", std::bit_cast<double>(std::uint64_t{0xfff8000000000123})},
      {"neg_zero", -0.0},
      {"third", 1.0 / 3.0},
      {"subnormal", std::numeric_limits<double>::denorm_min()},
      {"largest", std::numeric_limits<double>::max()},
  };
  return values;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

class ZeroPredictor : public Predictor {
 public:
  Vector predict(const Matrix& X) const override { return Vector::Zero(X.rows()); }
  Json to_json() const override { return Json::object(); }
};

// A test-only learner whose statistics are the awkward doubles. Registered
// inside the tests below (each ctest test is its own process), so no other
// test, and no document, sees it.
class AwkwardLearner : public Learner {
 public:
  std::string name() const override { return "test_awkward_numbers"; }
  std::string summary() const override { return "test only: reports non-finite statistics"; }
  const ParamSpec& spec() const override {
    static const ParamSpec spec("test_awkward_numbers");
    return spec;
  }
  Fit fit_impl(const Dataset&, const Params&, const LearnerContext&) const override {
    Fit fit;
    fit.predictor = std::make_shared<ZeroPredictor>();
    for (const auto& [name, value] : awkward()) fit.stats[name] = value;
    return fit;
  }
};

void register_awkward_learner() {
  if (!learner_registry().find("test_awkward_numbers")) {
    learner_registry().add(std::make_unique<AwkwardLearner>());
  }
}

TEST(Transport, LosslessJsonKeepsEveryDoubleBitForBit) {
  RunRecord r;
  r.run_id = "x";
  for (const auto& [name, value] : awkward()) r.metrics[name] = value;
  r.seconds = std::numeric_limits<double>::infinity();
  r.cpu_seconds = -0.0;
  r.peak_mb = std::numeric_limits<double>::quiet_NaN();
  const RunRecord back = run_record_from_json(Json::parse(to_json(r, NumberForm::lossless).dump()));
  for (const auto& [name, value] : awkward()) {
    EXPECT_TRUE(same_bits(back.metrics.at(name), value)) << name;
  }
  EXPECT_TRUE(same_bits(back.seconds, r.seconds));
  EXPECT_TRUE(same_bits(back.cpu_seconds, r.cpu_seconds));
  EXPECT_TRUE(same_bits(back.peak_mb, r.peak_mb));
  // The export form is JSON for other tools: non-finite numbers are null.
  const Json exported = to_json(r, NumberForm::export_json);
  EXPECT_TRUE(exported["metrics"]["pos_inf"].is_null());
  EXPECT_EQ(to_json(r, NumberForm::lossless)["metrics"]["pos_inf"], "f64:7ff0000000000000");
  // A malformed bit string is a clear error, not a silent NaN.
  Json bad = to_json(r, NumberForm::lossless);
  bad["metrics"]["pos_inf"] = "f64:7ff0";
  try {
    run_record_from_json(bad);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'pos_inf'"), std::string::npos) << e.what();
  }
}

TEST(Transport, SweepStoresWhatARunStores) {
  register_awkward_learner();
  TempDir dir("transport");
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "awkward"
n_train = 50
n_test = 20
[[problems]]
name = "teacher"
params = { d = 3 }
[[learners]]
name = "test_awkward_numbers"
)",
                                     "awkward.toml");
  ASSERT_EQ(plan.runs.size(), 1u);
  Store swept((dir.path() / "sweep.db").string());
  execute_sweep(plan, {0}, swept, SweepOptions{});
  // The same run in this process, stored as `hardnets run --db` stores it.
  Store direct((dir.path() / "run.db").string());
  append_new_run(direct, make_record(execute_run(plan.runs[0])));

  const auto a = swept.runs(), b = direct.runs();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].status, Outcome::ok) << a[0].message;
  for (const auto& [name, value] : awkward()) {
    // Both stores hold the same bits for every metric.
    EXPECT_TRUE(same_bits(a[0].metrics.at(name), b[0].metrics.at(name))) << name;
    // And what SQLite can keep is kept: ±inf, subnormals and the largest
    // double exactly. It stores every NaN as NULL (read back as a quiet NaN)
    // and a zero without its sign.
    const double expected = std::isnan(value) ? std::numeric_limits<double>::quiet_NaN()
                            : value == 0.0    ? 0.0
                                              : value;
    EXPECT_TRUE(same_bits(a[0].metrics.at(name), expected)) << name;
  }
}

}  // namespace
}  // namespace hardnets
