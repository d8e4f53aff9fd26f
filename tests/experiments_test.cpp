// Every shipped sweep spec (experiments/*.toml) parses and expands against the
// registered problems and learners: a renamed parameter or learner breaks this
// test, not a researcher's afternoon.
#include <algorithm>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "cli_test.h"

namespace hardnets {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using testing::TempDir;

TEST(Experiments, EveryShippedSpecExpands) {
  std::vector<fs::path> specs;
  for (const auto& entry : fs::directory_iterator(fs::path(HARDNETS_SOURCE_DIR) / "experiments")) {
    if (entry.path().extension() == ".toml") specs.push_back(entry.path());
  }
  std::sort(specs.begin(), specs.end());
  ASSERT_GE(specs.size(), 5u);
  TempDir dir("experiments");
  for (const fs::path& spec : specs) {
    const auto r = run_cli("sweep " + spec.string() + " --db " + (dir.path() / "dry.db").string() +
                           " --dry-run");
    EXPECT_EQ(r.exit_code, 0) << spec << ":\n" << r.output.substr(0, 2000);
    EXPECT_NE(r.output.find(" runs"), std::string::npos) << spec << ":\n"
                                                         << r.output.substr(0, 500);
  }
}

}  // namespace
}  // namespace hardnets
