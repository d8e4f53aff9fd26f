// The files of the challenge suite: what `challenge get` hands out, what the
// organiser keeps, how `challenge judge` reads a submission, and the sweep
// spec of the scoreboard (challenge.h).
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "hardnets/core/build_info.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/error.h"
#include "hardnets/core/sha256.h"
#include "hardnets/core/text_file.h"
#include "hardnets/lab/challenge.h"
#include "hardnets/lab/outside_run.h"

namespace hardnets {

namespace fs = std::filesystem;

namespace {

Json parse_json_text(const std::string& text, const fs::path& file, const char* what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    fail("{} '{}' is not valid JSON: {}", what, file.string(), e.what());
  }
}

Json vector_json(const Vector& v) {
  Json out = Json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(v[i]);
  return out;
}

// The organiser's file: the passphrase, the test labels and the truth. Its
// exact bytes are what the commitment digests.
std::string organiser_text(const ChallengeLevel& level, const std::string& passphrase,
                           const Instance& instance) {
  const Json file{{"challenge", level.name},
                  {"private_seed", passphrase},
                  {"seed", private_seed_value(passphrase)},
                  {"y_test", vector_json(instance.test.y)},
                  {"truth", instance.truth}};
  return file.dump(2) + "\n";
}

// Whether `inner` lies in (or is) `outer`, on the paths as given made absolute.
bool lies_within(const fs::path& inner, const fs::path& outer) {
  const fs::path a = fs::weakly_canonical(fs::absolute(inner));
  const fs::path b = fs::weakly_canonical(fs::absolute(outer));
  auto it = a.begin();
  for (const auto& part : b) {
    if (it == a.end() || *it != part) return false;
    ++it;
  }
  return true;
}

void check_outputs(const fs::path& dir, const std::optional<std::string>& private_seed,
                   const std::optional<fs::path>& organiser) {
  if (fs::exists(dir) && !fs::is_directory(dir))
    fail("--out '{}' exists and is not a folder", dir.string());
  if (fs::exists(dir / "card.json") || fs::exists(dir / "X_train.npy"))
    fail("--out '{}' already holds a challenge or dataset; choose an empty folder", dir.string());
  if (private_seed.has_value() != organiser.has_value())
    fail("--private-seed and --organiser go together: the organiser's file keeps the truth");
  if (organiser) {
    if (lies_within(*organiser, dir))
      fail("--organiser '{}' lies inside --out '{}', which is handed out; put it elsewhere",
           organiser->string(), dir.string());
    if (fs::exists(*organiser))
      fail("--organiser '{}' exists; it would be overwritten", organiser->string());
  }
}

}  // namespace

Json write_challenge(const ChallengeLevel& level, const fs::path& dir,
                     const std::optional<std::string>& private_seed,
                     const std::optional<fs::path>& organiser) {
  check_outputs(dir, private_seed, organiser);
  const Instance instance = generate_instance(challenge_request(level, private_seed));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create folder '{}': {}", dir.string(), ec.message());
  write_npy(dir / "X_train.npy", instance.train.X);
  write_npy(dir / "y_train.npy", instance.train.y);
  write_npy(dir / "X_test.npy", instance.test.X);
  if (!instance.task.empty()) std::ofstream(dir / "task.json") << instance.task.dump(2) << "\n";
  Json card{{"challenge", level.to_json()},
            {"hardnets_version", build_info::kVersion},
            {"git_revision", build_info::kGitRevision}};
  if (private_seed) {
    const std::string text = organiser_text(level, *private_seed, instance);
    std::ofstream out(*organiser, std::ios::binary);
    out << text;
    if (!out) fail("cannot write --organiser '{}'", organiser->string());
    card["challenge"]["seed"] = "private";
    card["commitment"] = {{"sha256", sha256_hex(text)},
                          {"of", "the organiser's file, byte for byte"}};
  }
  std::ofstream(dir / "card.json") << card.dump(2) << "\n";
  return card;
}

ChallengeSubmission read_submission(const fs::path& file) {
  if (!fs::exists(file)) fail("--predictions '{}' does not exist", file.string());
  ChallengeSubmission s;
  if (file.extension() == ".npy") {
    s.test_predictions = read_npy_vector(file);
    return s;
  }
  if (file.extension() != ".json")
    fail("--predictions '{}': expected an .npy vector or a .json object", file.string());
  const Json j = parse_json_text(read_text_file(file, "--predictions"), file, "--predictions");
  if (!j.is_object()) fail("--predictions '{}': expected a JSON object", file.string());
  auto vector_of = [&](const char* key) -> std::optional<Vector> {
    if (!j.contains(key)) return std::nullopt;
    const Json& a = j[key];
    if (!a.is_array()) fail("--predictions '{}': '{}' is not a list", file.string(), key);
    Vector v(static_cast<Eigen::Index>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_number())
        fail("--predictions '{}': {}[{}] is not a number", file.string(), key, i);
      v[static_cast<Eigen::Index>(i)] = a[i].get<double>();
    }
    return v;
  };
  s.test_predictions = vector_of("predictions");
  s.train_predictions = vector_of("train_predictions");
  if (j.contains("output")) {
    if (!j["output"].is_object())
      fail("--predictions '{}': 'output' is not an object", file.string());
    s.output = j["output"];
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "predictions" && key != "train_predictions" && key != "output")
      fail("--predictions '{}': unknown key '{}' (predictions, train_predictions, output)",
           file.string(), key);
  }
  return s;
}

Json ChallengeVerdict::to_json() const {
  Json out{{"metrics", numbers_json(metrics)}, {"solved", solved}};
  if (!commitment.empty()) out["commitment"] = commitment;
  return out;
}

ChallengeVerdict judge_challenge(const ChallengeLevel& level, const ChallengeSubmission& submission,
                                 const std::optional<fs::path>& organiser) {
  ChallengeVerdict verdict;
  std::optional<std::string> passphrase;
  Json opened;
  if (organiser) {
    const std::string text = read_text_file(*organiser, "--organiser");
    opened = parse_json_text(text, *organiser, "--organiser");
    if (!opened.is_object() || !opened.contains("private_seed") ||
        !opened["private_seed"].is_string() || opened.value("challenge", "") != level.name)
      fail("--organiser '{}' is not the organiser's file of {}", organiser->string(), level.name);
    passphrase = opened["private_seed"].get<std::string>();
    verdict.commitment = sha256_hex(text);
  }
  const Instance instance = generate_instance(challenge_request(level, passphrase));
  if (organiser && (opened.value("truth", Json()) != instance.truth ||
                    opened.value("y_test", Json()) != vector_json(instance.test.y))) {
    fail(
        "--organiser '{}': its truth differs from the level regenerated from its passphrase "
        "(edited, or written by another build)",
        organiser->string());
  }
  OutsideFit fit;
  fit.test_predictions = submission.test_predictions;
  fit.train_predictions = submission.train_predictions;
  fit.output = submission.output;
  try {
    verdict.metrics = judge_outside(problem_registry().get(level.problem), instance, fit);
  } catch (const Json::exception& e) {
    fail("judge: {}'s judge cannot read this output: {}", level.problem, e.what());
  }
  const auto it = verdict.metrics.find(level.success_metric);
  verdict.solved = it != verdict.metrics.end() && it->second >= level.success_at;
  return verdict;
}

namespace {

// A parameter value in TOML: numbers and booleans bare, text quoted.
std::string toml_value(const Json& value) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text == "true" || text == "false") return text;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return text;
  return Json(text).dump();
}

std::string toml_table(const Json& params) {
  std::string out = "{";
  for (const auto& [key, value] : params.items())
    out += fmt::format("{} {} = {}", out.size() > 1 ? "," : "", key, toml_value(value));
  return out + " }";
}

}  // namespace

std::string challenge_sweep_spec(double max_bits, double seconds) {
  if (!(seconds > 0)) fail("challenge spec: --seconds must be > 0, got {}", seconds);
  std::string out = fmt::format(
      "# The challenge suite's scoreboard runs (written by `hardnets challenge spec`): the lab\n"
      "# breaker of every available level graded at most 2^{} (and the lab levels) on the\n"
      "# level's public instance, {} s each.\n"
      "[sweep]\nname = \"challenges\"\nseeds = [1]\nbudget = {{ seconds = {}, memory_mb = 8192 "
      "}}\n",
      max_bits, seconds, seconds);
  for (const ChallengeLevel& level : challenge_levels()) {
    if (!level.available || (level.target_bits && *level.target_bits > max_bits)) continue;
    out += fmt::format(
        "\n[[problems]]\nname = \"{}\"\nlabel = \"{}\"\nparams = {}\nn_train = {}\nn_test = "
        "{}\n\n[[learners]]\nname = \"{}\"\nproblems = [\"{}\"]\nparams = {}\n",
        level.problem, level.name, toml_table(level.params), level.n_train, level.n_test,
        level.breaker, level.name, toml_table(level.breaker_params));
  }
  return out;
}

}  // namespace hardnets
