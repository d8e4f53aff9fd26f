// Generating an instance from a request: what `hardnets gen` and the Python
// module (`hardnets.generate`) share, so that both build bit-identical data
// from the same problem, parameters, seed and sizes.
//
// Resolving is split from generating so that a caller can check its own
// arguments (gen's output folder) after the request is known to be valid and
// before the possibly long generation runs.
#pragma once

#include <filesystem>
#include <string>

#include "hardnets/core/json.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

struct GenerateRequest {
  std::string problem;
  Json params = Json::object();  // name -> value (typed, or text to parse as `-p` does)
  Seed seed = 1;
  Sizes sizes;
  int threads = 1;  // results do not depend on it
};

// A request checked against the registry: the problem, its full parameter
// set (defaults included), seed, sizes and threads.
struct ResolvedGenerate {
  const Problem* problem = nullptr;
  Params params;
  Seed seed = 1;
  Sizes sizes;
  int threads = 1;
};

// Looks the problem up, resolves its parameters and checks sizes and threads;
// UserError (the CLI's messages) on bad input.
ResolvedGenerate resolve_generate(const GenerateRequest& request);

// Generates the instance of a resolved request.
Instance generate_instance(const ResolvedGenerate& resolved);
// Both steps at once.
Instance generate_instance(const GenerateRequest& request);

struct WriteOptions {
  bool csv = false;  // also train.csv and test.csv
  bool tsv = false;  // also train.tsv and test.tsv
};

// Writes the files of `hardnets gen` into `dir` (created if missing):
// X_train.npy y_train.npy X_test.npy y_test.npy card.json truth.json, and
// task.json / instance.json for problems whose task is more than data. The
// caller decides whether an existing dataset may be overwritten.
void write_instance(const std::filesystem::path& dir, const Instance& instance,
                    const WriteOptions& options = {});

}  // namespace hardnets
