// The challenge suite's scoreboard: every stored run on a public level,
// lab learners and outside runs alike (challenge.h).
#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/challenge.h"
#include "hardnets/lab/store.h"

namespace hardnets {

namespace {

// What identifies a level's public instance in a stored configuration.
struct LevelKey {
  const ChallengeLevel* level;
  Json params;  // resolved, defaults included
};

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<ScoreboardRow> challenge_scoreboard(const std::filesystem::path& db) {
  const std::vector<ChallengeLevel> levels = challenge_levels();
  std::vector<LevelKey> keys;
  for (const ChallengeLevel& level : levels) {
    if (!level.available) continue;
    keys.push_back(
        {&level, resolve_generate(challenge_request(level, std::nullopt)).params.to_json()});
  }
  StoreOptions options;
  options.read_only = true;
  const Store store(db, options);
  std::vector<std::vector<ScoreboardRow>> by_level(keys.size());
  store.for_each_run([&](const RunRecord& run) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const ChallengeLevel& level = *keys[i].level;
      if (run.problem != level.problem || run.seed != static_cast<std::int64_t>(level.seed) ||
          run.n_train != level.n_train || run.n_test != level.n_test ||
          run.config.value("problem_params", Json()) != keys[i].params)
        continue;
      ScoreboardRow row;
      row.level = level.name;
      row.learner = run.learner;
      row.outside = run.provenance.is_object() && run.provenance.contains("outside");
      row.status = std::string(outcome_text(run.status));
      if (auto m = run.metrics.find(level.success_metric); m != run.metrics.end())
        row.solved = m->second >= level.success_at;
      row.seconds = run.seconds;
      if (run.provenance.is_object()) row.revision = run.provenance.value("git_revision", "");
      by_level[i].push_back(row);
    }
  });
  std::vector<ScoreboardRow> out;
  for (auto& rows : by_level) out.insert(out.end(), rows.begin(), rows.end());
  return out;
}

std::string scoreboard_html(const std::vector<ScoreboardRow>& rows) {
  std::string out =
      "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>hardnets challenge "
      "scoreboard</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
      "</style></head><body><h1>Challenge scoreboard</h1><p>Every stored run on a public "
      "challenge level (docs/challenges.md): the lab's learners and runs recorded from outside "
      "(hardnets.record). <em>solved</em> is the level's success metric; a run that is not ok "
      "is listed with its status. <a href='index.html'>Back to the report</a>.</p>"
      "<table><tr><th>level</th><th>learner</th><th>from</th><th>status</th><th>solved</th>"
      "<th>seconds</th><th>revision</th></tr>";
  for (const ScoreboardRow& r : rows) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3g}</td><td>{}</td>"
        "</tr>",
        html_escape(r.level), html_escape(r.learner), r.outside ? "outside" : "lab",
        html_escape(r.status), r.solved ? (*r.solved ? "yes" : "no") : "—", r.seconds,
        html_escape(r.revision));
  }
  return out + "</table></body></html>\n";
}

}  // namespace hardnets
