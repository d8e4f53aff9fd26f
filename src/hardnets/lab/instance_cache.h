// Instances shared by the runs of a sweep: generated once per (problem point,
// seed, sizes), kept on disk, loaded by every learner point that uses them.
//
// An instance is a pure function of (problem, resolved parameters, seed,
// sizes), so a run that loads it sees exactly the data, task, truth and card
// it would have generated: the file keeps every double bit for bit (raw
// little-endian float64 for the data, CBOR for the JSON parts, which keeps
// ±inf and NaN too). Each run still runs in its own process with its own
// memory budget; the cache only saves the generation.
//
// File layout: "HNINST01"; u64 rows and columns of train, then of test;
// X_train, y_train, X_test, y_test as row-major float64; u64 length of the
// CBOR header and the header {problem, seed, task, truth, card}. The data
// come first so that loading makes its large allocations before building
// any JSON (see load()).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "hardnets/core/json.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

class InstanceCache {
 public:
  // Uses `dir` (created if missing); the caller owns and removes it.
  explicit InstanceCache(std::filesystem::path dir);

  // The key of the instance a run configuration asks for: a hash of its
  // problem, resolved problem parameters, seed, n_train and n_test.
  static std::string key_of(const Json& config);

  // The stored instance, or nullopt when there is none or it cannot be read
  // (the caller then generates it). `params` is the resolved parameter set,
  // which the file does not repeat.
  std::optional<Instance> load(const std::string& key, const Params& params) const;
  // Stores atomically (a temporary file renamed into place), so a reader sees
  // a whole file or none. A failure to write is not an error: later runs
  // generate the instance themselves.
  void store(const std::string& key, const Instance& instance) const;
  bool contains(const std::string& key) const;
  void remove(const std::string& key) const;

  // load(), or else generate() and, when `share` (other runs will load it),
  // store(); `loaded` tells which.
  Instance obtain(const std::string& key, const Params& params,
                  const std::function<Instance()>& generate, bool share, bool* loaded) const;

 private:
  std::filesystem::path path_of(const std::string& key) const;
  std::filesystem::path dir_;
};

}  // namespace hardnets
