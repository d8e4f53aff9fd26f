// The `hardnets` Python module: instances as numpy arrays, the built-in
// learners, the problems' judges and the results store, for people who train
// their own models in Python (PyTorch, JAX).
//
// Thin on purpose: every call goes through the same library functions as the
// CLI (resolve_generate / generate_instance for `gen`, fit_and_judge for
// `run`, execute_run, describe, the Store), so an instance is bit-identical
// to what `hardnets gen` writes and a parameter is validated by the same
// registry with the same messages. Keyword parameters become typed JSON
// values, the form TOML sweeps use. A UserError becomes a ValueError; other
// C++ exceptions keep pybind11's mapping (RuntimeError for most).
//
// Arrays handed out are read-only views of the instance's own memory (no
// copy); they keep the instance alive. Read-only so that a model cannot
// change the test labels its judge later reads.
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "hardnets/core/build_info.h"
#include "hardnets/core/error.h"
#include "hardnets/lab/catalog.h"
#include "hardnets/lab/challenge.h"
#include "hardnets/lab/distinguish.h"
#include "hardnets/lab/estimate.h"
#include "hardnets/lab/generate.h"
#include "hardnets/lab/outside_run.h"
#include "hardnets/lab/report.h"
#include "hardnets/lab/run.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep_policy.h"
#include "hardnets/lab/sweep_spec.h"

namespace py = pybind11;
using namespace hardnets;

namespace {

// ---- JSON <-> Python ----

py::object to_python(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(json.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(json.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(json.get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(json.get<double>());
    case Json::value_t::string:
      return py::str(json.get<std::string>());
    case Json::value_t::array: {
      py::list out;
      for (const auto& item : json) out.append(to_python(item));
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (const auto& [key, value] : json.items()) out[py::str(key)] = to_python(value);
      return out;
    }
    default:
      return py::none();
  }
}

// Python values as JSON: bool, int, float, str, None, dicts with string keys,
// lists and tuples; numpy (and torch) scalars and arrays through tolist().
// Anything else is a ValueError naming `what`.
Json to_json(const py::handle& value, const std::string& what) {
  if (value.is_none()) return nullptr;
  if (PyBool_Check(value.ptr())) return value.cast<bool>();
  if (PyLong_Check(value.ptr())) {
    try {
      return value.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      return value.cast<std::uint64_t>();  // above int64: the registry says it is out of range
    }
  }
  if (PyFloat_Check(value.ptr())) return value.cast<double>();
  if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
  if (PyDict_Check(value.ptr())) {
    Json out = Json::object();
    for (const auto& [key, item] : value.cast<py::dict>()) {
      if (!PyUnicode_Check(key.ptr())) {
        throw py::value_error(what + ": keys must be strings, got " +
                              py::repr(key).cast<std::string>());
      }
      const auto name = key.cast<std::string>();
      out[name] = to_json(item, what + "." + name);
    }
    return out;
  }
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(to_json(item, what));
    return out;
  }
  if (py::hasattr(value, "tolist")) return to_json(value.attr("tolist")(), what);
  throw py::value_error(what + ": cannot store a " +
                        py::str(py::type::of(value).attr("__name__")).cast<std::string>() +
                        " (expected bool, int, float, str, None, list or dict)");
}

// Keyword parameters (and an optional `params` dict) as one JSON object.
Json params_json(const py::object& params, const py::kwargs& kwargs, const std::string& owner) {
  Json out = Json::object();
  if (!params.is_none()) {
    if (!PyDict_Check(params.ptr())) {
      throw py::value_error(owner + ": params must be a dict of name: value");
    }
    out = to_json(params, owner + " parameters");
  }
  for (const auto& [key, value] : kwargs) {
    const auto name = key.cast<std::string>();
    if (out.contains(name)) {
      throw py::value_error(owner + ": parameter '" + name +
                            "' given both in params and as a keyword");
    }
    out[name] = to_json(value, owner + " parameter '" + name + "'");
  }
  return out;
}

py::dict metrics_dict(const Metrics& metrics) {
  py::dict out;
  for (const auto& [key, value] : metrics) out[py::str(key)] = value;
  return out;
}

Metrics metrics_from(const py::handle& object) {
  if (!PyDict_Check(object.ptr())) {
    throw py::value_error("record: metrics must be a dict of name: number");
  }
  Metrics out;
  for (const auto& [key, value] : object.cast<py::dict>()) {
    const auto name = py::str(key).cast<std::string>();
    if (value.is_none()) {
      out[name] = std::nan("");  // JSON's spelling of NaN, as export writes it
      continue;
    }
    try {
      out[name] = py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>();
    } catch (const py::error_already_set&) {
      throw py::value_error("record: metric '" + name + "' must be a number, got " +
                            py::repr(value).cast<std::string>());
    }
  }
  return out;
}

// ---- arrays ----

// A read-only view of `data` (rows x cols, row-major; cols < 0: 1-D) owned by `owner`.
py::array view(const double* data, Eigen::Index rows, Eigen::Index cols, const py::object& owner) {
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(rows)};
  std::vector<py::ssize_t> strides{static_cast<py::ssize_t>(sizeof(double))};
  if (cols >= 0) {
    shape.push_back(static_cast<py::ssize_t>(cols));
    strides = {static_cast<py::ssize_t>(sizeof(double) * cols), sizeof(double)};
  }
  py::array out = data == nullptr ? py::array(py::dtype::of<double>(), shape)  // empty
                                  : py::array(py::dtype::of<double>(), shape, strides, data, owner);
  out.attr("setflags")(py::arg("write") = false);
  return out;
}

// One prediction per row: a 1-D array, or a column (n x 1), as a vector.
Vector predictions_from(const py::handle& object, const char* what) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(object);
  if (!a) {
    throw py::value_error(std::string("judge: ") + what + " must be an array of numbers");
  }
  if (!(a.ndim() == 1 || (a.ndim() == 2 && a.shape(1) == 1))) {
    throw py::value_error(std::string("judge: ") + what +
                          " must be 1-D (one value per row), got shape " +
                          py::str(a.attr("shape")).cast<std::string>());
  }
  return Eigen::Map<const Vector>(a.data(), a.shape(0));
}

Matrix matrix_from(const py::handle& object) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(object);
  if (!a || a.ndim() != 2) throw py::value_error("predict: X must be a 2-D array (n x d)");
  return Eigen::Map<const Matrix>(a.data(), a.shape(0), a.shape(1));
}

// ---- the Python-side objects ----

// An instance with the request that generated it (what record stores).
struct PyInstance {
  ResolvedGenerate request;
  Instance instance;
};

// Property getters for the inputs and the labels of an instance's training or
// test set: read-only views that keep the Python instance alive.
auto inputs_of(Dataset Instance::*part) {
  return [part](const py::object& self) {
    const Dataset& s = self.cast<const PyInstance&>().instance.*part;
    return view(s.X.data(), s.X.rows(), s.X.cols(), self);
  };
}
auto labels_of(Dataset Instance::*part) {
  return [part](const py::object& self) {
    const Dataset& s = self.cast<const PyInstance&>().instance.*part;
    return view(s.y.data(), s.y.size(), -1, self);
  };
}

// A built-in learner's fit on an instance, judged like `hardnets run`.
struct PyFit {
  std::shared_ptr<const PyInstance> instance;
  RunResult result;
  std::string learner;
  Params params;
};

std::shared_ptr<PyInstance> generate(const std::string& problem, std::uint64_t seed,
                                     std::int64_t n_train, std::int64_t n_test, int threads,
                                     const py::object& params, const py::kwargs& kwargs) {
  GenerateRequest request{problem, params_json(params, kwargs, problem), seed,
                          Sizes{n_train, n_test}, threads};
  auto out = std::make_shared<PyInstance>();
  py::gil_scoped_release release;
  out->request = resolve_generate(request);
  out->instance = generate_instance(out->request);
  return out;
}

// A challenge level's instance (public seed, or a private passphrase's), as
// `hardnets challenge get` generates it.
std::shared_ptr<PyInstance> challenge(const std::string& name,
                                      const std::optional<std::string>& private_seed) {
  auto out = std::make_shared<PyInstance>();
  py::gil_scoped_release release;
  out->request = resolve_generate(challenge_request(challenge_level(name), private_seed));
  out->instance = generate_instance(out->request);
  return out;
}

py::list challenges() {
  py::list out;
  std::vector<ChallengeLevel> levels;
  {
    py::gil_scoped_release release;
    levels = challenge_levels();
  }
  for (const ChallengeLevel& level : levels) out.append(to_python(level.to_json()));
  return out;
}

std::shared_ptr<PyFit> fit(const std::string& learner_name, const std::shared_ptr<PyInstance>& inst,
                           const std::optional<std::uint64_t>& seed, int threads,
                           const std::optional<double>& time_limit, const py::object& params,
                           const py::kwargs& kwargs) {
  const Learner& learner = learner_registry().get(learner_name);
  auto out = std::make_shared<PyFit>();
  out->instance = inst;
  out->learner = learner.name();
  out->params = learner.spec().resolve(params_json(params, kwargs, learner.name()));
  if (threads < 1 || threads > 1024) fail("--threads must be in [1, 1024], got {}", threads);
  check_task_contract(*inst->request.problem, learner, out->params);
  if (time_limit && *time_limit < 0) {
    fail("--time-limit must be >= 0 seconds, got {}", *time_limit);
  }
  const double limit =
      time_limit && *time_limit > 0 ? *time_limit : std::numeric_limits<double>::infinity();
  {
    py::gil_scoped_release release;
    // The learner's seed derives from the run seed as in `hardnets run`, so
    // the same instance seed gives the same fit as the CLI.
    out->result = fit_and_judge(*inst->request.problem, inst->instance, learner, out->params,
                                seed.value_or(inst->request.seed), threads, limit);
  }
  // A learner that throws is an exception here (ValueError for a UserError),
  // as in `hardnets fit`; diverged and timed-out fits are results.
  if (out->result.error) std::rethrow_exception(out->result.error);
  const ResolvedGenerate& g = inst->request;
  out->result.config = run_config(g, learner.name(), out->params.to_json(), threads);
  // `hardnets run` has one seed for both; a learner seed of the caller's own is kept too.
  if (seed && *seed != g.seed) out->result.config["fit_seed"] = *seed;
  return out;
}

// The request of `hardnets run` (and each fit of `distinguish`) from the
// Python arguments, with the CLI's checks.
RunRequest run_request(const std::string& problem, const std::string& learner, std::uint64_t seed,
                       std::int64_t n_train, std::int64_t n_test, int threads,
                       const std::optional<double>& time_limit, const py::object& problem_params,
                       const py::object& learner_params) {
  RunRequest request;
  request.problem = problem;
  request.learner = learner;
  request.problem_params = params_json(problem_params, py::kwargs(), problem);
  request.learner_params = params_json(learner_params, py::kwargs(), learner);
  request.seed = seed;
  request.sizes = {n_train, n_test};
  request.threads = threads;
  if (time_limit && *time_limit < 0) {
    fail("--time-limit must be >= 0 seconds, got {}", *time_limit);
  }
  if (time_limit && *time_limit > 0) request.time_limit_seconds = *time_limit;
  return request;
}

py::dict run(const std::string& problem, const std::string& learner, std::uint64_t seed,
             std::int64_t n_train, std::int64_t n_test, int threads,
             const std::optional<double>& time_limit, const py::object& problem_params,
             const py::object& learner_params, const std::optional<std::filesystem::path>& db) {
  const RunRequest request = run_request(problem, learner, seed, n_train, n_test, threads,
                                         time_limit, problem_params, learner_params);
  RunResult result;
  std::string run_id;
  {
    py::gil_scoped_release release;
    // As `hardnets run --db`: open the store first so a bad path loses no work.
    std::unique_ptr<Store> store;
    if (db) store = std::make_unique<Store>(*db);
    result = execute_run(request);
    if (store) run_id = append_new_run(*store, make_record(result));
  }
  // The object `hardnets run --json` prints (metrics keep NaN as NaN), and the
  // stored run's id when there is a database.
  py::dict out = to_python(result.config);
  out["status"] = std::string(outcome_text(result.status));
  out["message"] = result.message;
  out["metrics"] = metrics_dict(result.metrics);
  out["card"] = to_python(result.card);
  if (db) out["run_id"] = run_id;
  return out;
}

// `hardnets distinguish ... --json [--db]` as a dict.
py::dict py_distinguish(const std::string& problem, const std::string& learner, int trials,
                        int calibration, double alpha, const std::string& statistic,
                        std::uint64_t seed, std::int64_t n_train, std::int64_t n_test, int threads,
                        const std::optional<double>& time_limit, const py::object& problem_params,
                        const py::object& learner_params,
                        const std::optional<std::filesystem::path>& db) {
  const RunRequest request = run_request(problem, learner, seed, n_train, n_test, threads,
                                         time_limit, problem_params, learner_params);
  DistinguishOptions options;
  options.trials = trials;
  options.calibration = calibration;
  options.alpha = alpha;
  options.statistic = statistic;
  Json out;
  {
    py::gil_scoped_release release;
    const DistinguishPlan plan = plan_distinguish(request, options);
    std::unique_ptr<Store> store;
    if (db) store = std::make_unique<Store>(*db);
    out = distinguish_json(run_distinguish(plan, store.get()));
  }
  return to_python(out);
}

// `hardnets estimate ... --json`, or with solve_for its inverse mode.
py::dict py_estimate(const std::string& problem, std::int64_t n_train, const std::string& attack,
                     const std::optional<std::string>& param,
                     const std::optional<double>& target_bits,
                     const std::optional<double>& budget_seconds, const py::kwargs& kwargs) {
  const EstimateRequest request{problem, params_json(py::none(), kwargs, problem), n_train, attack};
  if (n_train < 1) fail("--n-train must be >= 1, got {}", n_train);
  if (!param) return to_python(estimate_costs(request).to_json());
  return to_python(
      solve_for(make_solve_request(request, *param, target_bits, budget_seconds)).to_json());
}

std::string record(const std::filesystem::path& db, const PyInstance& inst,
                   const std::string& learner, const py::object& metrics, const py::object& config,
                   const std::string& status, const std::string& message,
                   const std::optional<std::string>& sweep, const py::object& provenance) {
  OutsideRun run;
  run.learner = learner;
  run.learner_params = config.is_none() ? Json::object() : to_json(config, "record: config");
  run.metrics = metrics_from(metrics);
  run.status = status;
  run.message = message;
  run.sweep = sweep.value_or("");
  run.provenance =
      provenance.is_none() ? Json::object() : to_json(provenance, "record: provenance");
  py::gil_scoped_release release;
  const RunRecord row = outside_record(inst.request, run);
  Store store(db);
  return append_new_run(store, row);
}

py::dict judge(const PyInstance& inst, const py::object& predictions,
               const py::object& train_predictions, const py::object& output) {
  OutsideFit fit;
  if (!predictions.is_none()) fit.test_predictions = predictions_from(predictions, "predictions");
  if (!train_predictions.is_none()) {
    fit.train_predictions = predictions_from(train_predictions, "train_predictions");
  }
  if (!output.is_none()) fit.output = to_json(output, "judge: output");
  Metrics metrics;
  {
    py::gil_scoped_release release;
    try {
      metrics = judge_outside(*inst.request.problem, inst.instance, fit);
    } catch (const Json::exception& e) {
      // An output the judge cannot read (a "w" that is not a list of numbers, say).
      fail("judge: {}'s judge cannot read this output: {}", inst.request.problem->name(), e.what());
    }
  }
  return metrics_dict(metrics);
}

std::string fit_repr(const PyFit& f) {
  std::string text = "<hardnets.Fit " + f.learner + " on " + f.instance->instance.problem + ": " +
                     std::string(outcome_text(f.result.status));
  for (const char* name : {"nmse", "accuracy", "success", "cosine"}) {
    if (auto it = f.result.metrics.find(name); it != f.result.metrics.end()) {
      text += fmt::format(" {}={:.4g}", name, it->second);
    }
  }
  return text + ">";
}

}  // namespace

PYBIND11_MODULE(hardnets, m) {
  m.doc() =
      "hardnets: hard instances for learning neural networks as numpy arrays, the lab's "
      "learners and judges, and its results store. See docs/python.md.";
  m.attr("__version__") = build_info::kVersion;
  m.attr("git_revision") = build_info::kGitRevision;

  // The library's one error type for input a person can fix.
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const UserError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def(
      "problems", [] { return problem_registry().names(); },
      "The registered problems' names (`hardnets list problems`).");
  m.def(
      "learners", [] { return learner_registry().names(); },
      "The registered learners' names (`hardnets list learners`).");
  m.def(
      "describe", [](const std::string& name) { return to_python(describe(name)); },
      py::arg("name"),
      "A problem's or learner's summary and parameters (`hardnets describe NAME --json`).");

  py::class_<PyInstance, std::shared_ptr<PyInstance>>(
      m, "Instance",
      "A generated instance: training and test sets as read-only numpy arrays, its card and "
      "public task; the truth stays inside, where only judge() reads it.")
      .def_property_readonly("problem",
                             [](const PyInstance& i) { return i.request.problem->name(); })
      .def_property_readonly(
          "params", [](const PyInstance& i) { return to_python(i.request.params.to_json()); })
      .def_property_readonly("seed", [](const PyInstance& i) { return i.request.seed; })
      .def_property_readonly("n_train", [](const PyInstance& i) { return i.instance.train.size(); })
      .def_property_readonly("n_test", [](const PyInstance& i) { return i.instance.test.size(); })
      .def_property_readonly("d", [](const PyInstance& i) { return i.instance.train.dim(); })
      .def_property_readonly("X_train", inputs_of(&Instance::train))
      .def_property_readonly("y_train", labels_of(&Instance::train))
      .def_property_readonly("X_test", inputs_of(&Instance::test))
      .def_property_readonly("y_test", labels_of(&Instance::test))
      .def_property_readonly("card", [](const PyInstance& i) { return to_python(i.instance.card); })
      .def_property_readonly("task", [](const PyInstance& i) { return to_python(i.instance.task); })
      .def("judge", &judge, py::arg("predictions") = py::none(), py::kw_only(),
           py::arg("train_predictions") = py::none(), py::arg("output") = py::none(),
           "Metrics of predictions on the test inputs (and an optional output such as a "
           "recovered secret {'w': [...]}) by the problem's own judge, as `hardnets run` "
           "reports them.")
      .def(
          "save",
          [](const PyInstance& i, const std::filesystem::path& dir, bool csv, bool tsv) {
            py::gil_scoped_release release;
            write_instance(dir, i.instance, {csv, tsv});
          },
          py::arg("dir"), py::kw_only(), py::arg("csv") = false, py::arg("tsv") = false,
          "Writes the files `hardnets gen` writes (truth.json included) into dir, overwriting.")
      .def("__repr__", [](const PyInstance& i) {
        return fmt::format("<hardnets.Instance {} seed={} train={}x{} test={}>",
                           i.request.problem->name(), i.request.seed, i.instance.train.size(),
                           i.instance.train.dim(), i.instance.test.size());
      });

  py::class_<PyFit, std::shared_ptr<PyFit>>(
      m, "Fit", "A built-in learner's fit on an instance, judged as `hardnets run` judges it.")
      .def_property_readonly("learner", [](const PyFit& f) { return f.learner; })
      .def_property_readonly("params", [](const PyFit& f) { return to_python(f.params.to_json()); })
      .def_property_readonly(
          "status", [](const PyFit& f) { return std::string(outcome_text(f.result.status)); })
      .def_property_readonly("message", [](const PyFit& f) { return f.result.message; })
      .def_property_readonly("metrics",
                             [](const PyFit& f) { return metrics_dict(f.result.metrics); })
      .def_property_readonly("output",
                             [](const PyFit& f) { return to_python(f.result.fit.output); })
      .def_property_readonly("config", [](const PyFit& f) { return to_python(f.result.config); })
      .def_property_readonly("model",
                             [](const PyFit& f) {
                               return f.result.fit.predictor
                                          ? to_python(f.result.fit.predictor->to_json())
                                          : py::none();
                             })
      .def(
          "predict",
          [](const PyFit& f, const py::object& X) {
            if (!f.result.fit.predictor) {
              fail("{} on {} returned no predictor (a recovery attack: see output)", f.learner,
                   f.instance->instance.problem);
            }
            const Matrix inputs = matrix_from(X);
            if (inputs.cols() != f.instance->instance.train.dim()) {
              fail("predict: X has {} columns, the instance has d = {}", inputs.cols(),
                   f.instance->instance.train.dim());
            }
            Vector out;
            {
              py::gil_scoped_release release;
              out = f.result.fit.predictor->predict(inputs);
            }
            return py::array_t<double>(out.size(), out.data());
          },
          py::arg("X"), "The fitted predictor on the rows of X (a new array).")
      .def(
          "record",
          [](const PyFit& f, const std::filesystem::path& db,
             const std::optional<std::string>& sweep) {
            py::gil_scoped_release release;
            RunRecord row = make_record(f.result);
            if (sweep) {
              row.config["sweep"] = *sweep;
              row.run_id = run_id_for(row.config);
            }
            Store store(db);
            return append_new_run(store, row);
          },
          py::arg("db"), py::kw_only(), py::arg("sweep") = py::none(),
          "Appends this fit to the results database db as `hardnets run --db` would; returns "
          "its run id.")
      .def("__repr__", &fit_repr);

  m.def("generate", &generate, py::arg("problem"), py::kw_only(), py::arg("seed") = 1,
        py::arg("n_train") = 1000, py::arg("n_test") = 1000, py::arg("threads") = 1,
        py::arg("params") = py::none(),
        "Generates an instance, bit-identical to `hardnets gen PROBLEM -p k=v ... --seed S "
        "--n-train N --n-test M`. Problem parameters as keywords (or a params dict).");
  m.def("fit", &fit, py::arg("learner"), py::arg("instance"), py::kw_only(),
        py::arg("seed") = py::none(), py::arg("threads") = 1, py::arg("time_limit") = py::none(),
        py::arg("params") = py::none(),
        "Fits a built-in learner on the instance's training set and judges it like `hardnets "
        "run` (learner parameters as keywords; seed defaults to the instance's).");
  m.def("run", &run, py::arg("problem"), py::arg("learner"), py::kw_only(), py::arg("seed") = 1,
        py::arg("n_train") = 1000, py::arg("n_test") = 1000, py::arg("threads") = 1,
        py::arg("time_limit") = py::none(), py::arg("problem_params") = py::none(),
        py::arg("learner_params") = py::none(), py::arg("db") = py::none(),
        "`hardnets run PROBLEM LEARNER --json [--db DB]` as a dict.");
  m.def("distinguish", &py_distinguish, py::arg("problem"), py::arg("learner"), py::kw_only(),
        py::arg("trials") = 20, py::arg("calibration") = 0, py::arg("alpha") = 0.05,
        py::arg("statistic") = "", py::arg("seed") = 1, py::arg("n_train") = 1000,
        py::arg("n_test") = 1000, py::arg("threads") = 1, py::arg("time_limit") = py::none(),
        py::arg("problem_params") = py::none(), py::arg("learner_params") = py::none(),
        py::arg("db") = py::none(),
        "`hardnets distinguish PROBLEM LEARNER --json [--db DB]` as a dict: the learner as a "
        "distinguisher between the problem's real instance and its declared null.");
  m.def("estimate", &py_estimate, py::arg("problem"), py::kw_only(), py::arg("n_train") = 1000,
        py::arg("attack") = "", py::arg("solve_for") = py::none(),
        py::arg("target_bits") = py::none(), py::arg("budget_seconds") = py::none(),
        "`hardnets estimate PROBLEM --json` as a dict (problem parameters as keywords); with "
        "solve_for, the inverse mode's dict (target_bits: the cheapest attack's cost, 128 by "
        "default; with attack alone, its threshold; budget_seconds: its predicted seconds).");
  m.def("challenge", &challenge, py::arg("name"), py::kw_only(),
        py::arg("private_seed") = py::none(),
        "The instance of a challenge level (docs/challenges.md), bit-identical to `hardnets "
        "challenge get NAME` (with private_seed, to `--private-seed`); judge and record it like "
        "any instance.");
  m.def("challenges", &challenges,
        "Every challenge level as a dict, as `hardnets challenge list --json` prints them.");
  m.def("record", &record, py::arg("db"), py::arg("instance"), py::arg("learner"),
        py::arg("metrics"), py::arg("config") = py::none(), py::kw_only(), py::arg("status") = "ok",
        py::arg("message") = "", py::arg("sweep") = py::none(), py::arg("provenance") = py::none(),
        "Appends an outside learner's run on the instance to the results database db (created "
        "if missing), in the schema of `hardnets run --db`; returns its run id.");
  m.def(
      "sweep",
      [](const std::filesystem::path& spec, const std::filesystem::path& db, int jobs, bool resume,
         bool regenerate) {
        SweepRunSummary s;
        std::string name;
        {
          py::gil_scoped_release release;
          const SweepPlan plan = load_sweep(spec);
          name = plan.name;
          Store store(db);
          SweepRunOptions options;
          options.jobs = jobs;
          options.resume = resume;
          options.share_instances = !regenerate;
          s = run_sweep(plan, store, options);
        }
        py::dict out;
        out["name"] = name;
        out["planned"] = s.planned;
        out["stored"] = s.stored;
        out["pending"] = s.pending;
        out["executed"] = s.executed;
        out["failed"] = s.failed;
        out["jobs"] = s.jobs;
        out["seconds"] = s.seconds;
        return out;
      },
      py::arg("spec"), py::arg("db"), py::kw_only(), py::arg("jobs") = 0, py::arg("resume") = false,
      py::arg("regenerate") = false,
      "`hardnets sweep SPEC --db DB [--jobs N] [--resume] [--regenerate]` (one process, no MPI): "
      "runs every planned run missing from db, each in its own child process; returns the "
      "counts (planned, stored, pending, executed, failed, jobs, seconds).");
  m.def(
      "report",
      [](const std::filesystem::path& db, const std::filesystem::path& out) {
        {
          py::gil_scoped_release release;
          write_report(db, out);
        }
        return (out / "index.html").string();
      },
      py::arg("db"), py::arg("out"),
      "`hardnets report --db DB --out OUT`; returns the path of index.html.");
}
