#include "hardnets/contracts/natural_ksat_task.h"

#include "hardnets/core/error.h"

namespace hardnets {
namespace natural_ksat {

Task Task::from_json(const Json& task, const std::string& who) {
  if (!task.is_object() || task.value("family", "") != "natural_ksat") {
    fail("{}: needs a natural_ksat task (task.json with family = natural_ksat)", who);
  }
  Task t;
  try {
    t.n = task.at("n").get<int>();
    t.K = task.at("K").get<int>();
    t.q = task.at("q").get<int>();
    t.d = task.at("d").get<int>();
    t.d_c = task.at("d_c").get<int>();
    t.label = task.at("label").get<std::string>();
  } catch (const std::exception& e) {
    fail("{}: malformed natural_ksat task: {}", who, e.what());
  }
  if (t.n < 1 || t.K < 1 || t.K > t.n || t.q < 1 || t.d_c < 0 || t.d != t.q * t.n + t.d_c) {
    fail("{}: inconsistent natural_ksat task (n = {}, K = {}, q = {}, d = {}, d_c = {})", who, t.n,
         t.K, t.q, t.d, t.d_c);
  }
  return t;
}

std::vector<BlockLiteral> block_literals(const Matrix& X, Eigen::Index i, int j, const Task& task,
                                         const std::string& who) {
  std::vector<BlockLiteral> literals;
  for (int v = 0; v < task.n; ++v) {
    const double x = X(i, static_cast<Eigen::Index>(j) * task.n + v);
    if (x != 0.0) literals.push_back({v, x < 0.0});
  }
  if (static_cast<int>(literals.size()) != task.K) {
    fail("{}: row {} has {} nonzero coordinates in block {}, not K = {}: not a clause input", who,
         i, literals.size(), j + 1, task.K);
  }
  return literals;
}

namespace {

class ClauseSignPredictor : public Predictor {
 public:
  ClauseSignPredictor(Task task, Matrix g, double alpha, std::string who)
      : task_(std::move(task)), g_(std::move(g)), alpha_(alpha), who_(std::move(who)) {}

  Vector predict(const Matrix& X) const override {
    if (X.cols() != task_.d) {
      fail("{} predictor: rows have {} columns, the task has d = {}", who_, X.cols(), task_.d);
    }
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      int violated = 0;
      for (int j = 0; j < task_.q; ++j) {
        bool all_false = true;
        for (int v = 0; v < task_.n; ++v) {
          const double x = X(i, j * task_.n + v);
          if (x != 0.0 && (x > 0 ? 1.0 : -1.0) != g_(j, v)) all_false = false;
        }
        violated += all_false;
      }
      out[i] = task_.label == "count" ? alpha_ * violated : (violated > 0 ? 1.0 : 0.0);
    }
    return out;
  }
  Json to_json() const override {
    Json g = Json::array();
    for (Eigen::Index j = 0; j < g_.rows(); ++j) {
      std::vector<int> row(static_cast<std::size_t>(g_.cols()));
      for (Eigen::Index v = 0; v < g_.cols(); ++v)
        row[static_cast<std::size_t>(v)] = static_cast<int>(g_(j, v));
      g.push_back(row);
    }
    return Json{{"kind", "clause_signs"}, {"alpha", alpha_}, {"label", task_.label}, {"signs", g}};
  }

 private:
  Task task_;
  Matrix g_;
  double alpha_;
  std::string who_;
};

}  // namespace

std::shared_ptr<Predictor> clause_sign_predictor(const Task& task, Matrix g, double alpha,
                                                 std::string who) {
  return std::make_shared<ClauseSignPredictor>(task, std::move(g), alpha, std::move(who));
}

}  // namespace natural_ksat

}  // namespace hardnets
