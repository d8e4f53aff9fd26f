// The graded challenge suite (`hardnets challenge`, docs/challenges.md):
// named instances per family at the sizes where the estimator predicts the
// cheapest modelled attack costs 2^32, 2^48, 2^64, 2^80 and 2^128, and a
// "lab" level that one of the lab's own attacks breaks here in seconds.
//
// A level is reproducible from its name: its parameters follow from the
// family's ladder (the fixed parameters, the searched size and the samples
// as a function of it) and the estimator of this build, and its public seed
// is fixed. The level's card records the estimate, so a file handed out
// says what it was graded at even if a later estimator grades differently.
//
// For blind evaluation an organiser regenerates a level from a private seed
// (a passphrase only they know): the public files hold no test labels and
// no truth, the organiser's file holds them with the passphrase, and the
// public card carries the SHA-256 of the organiser's file (a commitment: it
// fixes the truth before any prediction is seen, and opening it proves it).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/lab/generate.h"

namespace hardnets {

inline constexpr double kChallengeBits[] = {32, 48, 64, 80, 128};
// The largest instance `challenge get` writes: inputs of every sample,
// 2^26 float64 entries (512 MiB).
inline constexpr double kChallengeMaxEntries = 67108864.0;

struct ChallengeLevel {
  std::string name;     // "<family>-<level>", e.g. "lwe-64", "clwe-lab"
  std::string family;   // e.g. "lwe"
  std::string level;    // "32", "48", "64", "80", "128" or "lab"
  std::string summary;  // the family in one line
  std::string problem;
  std::string size_param;        // what the family's ladder searches ("" for lab-only families)
  Json params = Json::object();  // the problem's parameters (defaults omitted)
  std::int64_t n_train = 0, n_test = 0;
  Seed seed = 1;  // the public seed
  bool available = false;
  std::string reason;                 // why not, when not available
  std::optional<double> target_bits;  // none for "lab"
  Json estimate = nullptr;            // the estimator's report at the level (null: no model)
  // Solved: the problem's judge reports success_metric >= success_at.
  std::string success_metric;
  double success_at = 1;
  // The lab's attack that breaks the lab level (and what it is run with); on
  // graded levels, the lab attack tried there (parity's: sgd, as elimination
  // does not apply to noisy labels).
  std::string breaker;
  Json breaker_params = Json::object();
  std::string caveat;  // what the level's grade does not account for
  Json to_json() const;
};

// Every level of every family, in catalogue order (computing the graded
// ones runs the estimator's inverse search: about a second in all).
std::vector<ChallengeLevel> challenge_levels();
// One level by name; UserError naming the known levels otherwise.
ChallengeLevel challenge_level(const std::string& name);
// A graded family's instance at any size of its ladder (between the grades;
// no estimate attached), named "<family>@<size_param>=<size>". UserError
// for an unknown family or one without a ladder.
ChallengeLevel challenge_rung(const std::string& family, std::int64_t size);

// The generation request of a level (the public seed, or the one derived
// from `private_seed`). UserError for an unavailable level.
GenerateRequest challenge_request(const ChallengeLevel& level,
                                  const std::optional<std::string>& private_seed);
// The seed a private passphrase stands for: the first 8 bytes of its SHA-256.
Seed private_seed_value(const std::string& passphrase);

// `challenge get`: writes the public files into `dir` (inputs of both
// splits, training labels, task, the level's card; never test labels or
// truth). With a private seed, also the organiser's file (`organiser`, which
// must lie outside `dir`) and the commitment on the card. Returns the card.
Json write_challenge(const ChallengeLevel& level, const std::filesystem::path& dir,
                     const std::optional<std::string>& private_seed,
                     const std::optional<std::filesystem::path>& organiser);

// What a contestant hands in: predictions on the test inputs (one per row),
// optionally on the training inputs, and an output the problem's judge
// reads (a recovered secret "w", a "seed", a "support": docs/learners.md).
struct ChallengeSubmission {
  std::optional<Vector> test_predictions;
  std::optional<Vector> train_predictions;
  Json output = Json::object();
};
// Reads a submission: an .npy vector (test predictions) or a JSON object
// {"predictions": [...], "train_predictions": [...], "output": {...}}.
ChallengeSubmission read_submission(const std::filesystem::path& file);

struct ChallengeVerdict {
  Metrics metrics;  // the problem's judge
  bool solved = false;
  std::string commitment;  // SHA-256 of the organiser's file (private levels)
  Json to_json() const;
};

// `challenge judge`: regenerates the level (from the public seed, or the
// organiser's file, whose truth must equal the regeneration's) and judges
// the submission with the problem's own judge.
ChallengeVerdict judge_challenge(const ChallengeLevel& level, const ChallengeSubmission& submission,
                                 const std::optional<std::filesystem::path>& organiser);

// A sweep spec (TOML) that runs every available level's lab breaker on its
// instance (sweep name "challenges"), for the report's scoreboard: the lab
// levels and the graded ones up to max_bits, each run limited to `seconds`.
// UserError for seconds <= 0.
std::string challenge_sweep_spec(double max_bits = 1e9, double seconds = 600);

// One stored run on a public challenge instance (the level's problem,
// resolved parameters, public seed and sizes), for the scoreboard.
struct ScoreboardRow {
  std::string level;
  std::string learner;
  bool outside = false;  // recorded from outside the lab (hardnets.record)
  std::string status;
  std::optional<bool> solved;  // the level's success metric, when the run has it
  double seconds = 0;
  std::string revision;
};

// Every run in the database at `db` on a level, in the levels' order.
std::vector<ScoreboardRow> challenge_scoreboard(const std::filesystem::path& db);
// The rows as an HTML page (scoreboard.html of the report).
std::string scoreboard_html(const std::vector<ScoreboardRow>& rows);

}  // namespace hardnets
