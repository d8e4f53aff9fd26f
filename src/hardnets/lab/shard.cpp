#include "hardnets/lab/shard.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/instance_cache.h"
#include "hardnets/lab/run_cost.h"

namespace hardnets {

namespace {

// More tasks than this is no job array anyone runs; the bound keeps the
// greedy's table of shards small.
constexpr int kMaxShards = 1000000;
// Whole milliseconds, capped so that the sum over any plan fits 64 bits.
constexpr std::int64_t kMaxCostMs = 1'000'000'000'000;  // about 30 years

// A non-negative decimal integer taking the whole of `text`, or -1.
long long whole_number(const std::string& text) {
  long long value = -1;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0) return -1;
  return value;
}

std::int64_t cost_ms(const PlannedRun& run) {
  const double ms = std::round(predicted_run_seconds(run) * 1000.0);
  if (!(ms >= 1)) return 1;  // also NaN: every run weighs something
  return ms >= static_cast<double>(kMaxCostMs) ? kMaxCostMs : static_cast<std::int64_t>(ms);
}

}  // namespace

std::string ShardChoice::text() const {
  return fmt::format("{}/{}", index, count);
}

ShardChoice parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  const long long i = slash == std::string::npos ? -1 : whole_number(text.substr(0, slash));
  const long long k = slash == std::string::npos ? -1 : whole_number(text.substr(slash + 1));
  if (i < 0 || k < 0) {
    fail("--shard expects I/K, the I-th of K parts (1 <= I <= K, e.g. 2/8), got '{}'",
         escaped(text));
  }
  if (k < 1) fail("--shard {}: K, the number of parts, must be at least 1", escaped(text));
  if (k > kMaxShards) fail("--shard {}: K must be at most {}", escaped(text), kMaxShards);
  if (i < 1 || i > k) {
    fail("--shard {}: I, the part to run, must be between 1 and K = {}, got {}", escaped(text), k,
         i);
  }
  return ShardChoice{static_cast<int>(i), static_cast<int>(k)};
}

std::vector<int> assign_lpt(const std::vector<std::int64_t>& costs, int shards) {
  if (shards < 1) fail("assign_lpt: the number of shards must be at least 1, got {}", shards);
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  // (load, items, shard): the lightest shard on top, ties as documented.
  using Bin = std::tuple<std::int64_t, std::size_t, int>;
  std::priority_queue<Bin, std::vector<Bin>, std::greater<Bin>> bins;
  for (int s = 0; s < shards; ++s) bins.emplace(0, 0, s);
  std::vector<int> shard_of(costs.size(), 0);
  for (std::size_t item : order) {
    auto [load, items, shard] = bins.top();
    bins.pop();
    shard_of[item] = shard;
    bins.emplace(load + costs[item], items + 1, shard);
  }
  return shard_of;
}

Shard shard_runs(const SweepPlan& plan, const ShardChoice& choice) {
  // The instance groups, in order of their first run.
  std::map<std::string, std::size_t> group_of_key;
  std::vector<std::vector<std::size_t>> groups;
  std::vector<std::int64_t> cost(plan.runs.size());
  std::int64_t total = 0;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    cost[i] = cost_ms(plan.runs[i]);
    total += cost[i];
    const auto [it, fresh] =
        group_of_key.emplace(InstanceCache::key_of(plan.runs[i].config), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  // Items: whole groups, or the runs of a group over a quarter share.
  const std::int64_t quarter_share = total / (4 * static_cast<std::int64_t>(choice.count));
  std::vector<std::vector<std::size_t>> items;
  for (const std::vector<std::size_t>& group : groups) {
    std::int64_t group_cost = 0;
    for (std::size_t i : group) group_cost += cost[i];
    if (group_cost > quarter_share && group.size() > 1) {
      for (std::size_t i : group) items.push_back({i});
    } else {
      items.push_back(group);
    }
  }
  // Ties in cost go by plan index: the items in order of their first run.
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.front() < b.front(); });
  std::vector<std::int64_t> item_cost;
  for (const auto& item : items) {
    std::int64_t c = 0;
    for (std::size_t i : item) c += cost[i];
    item_cost.push_back(c);
  }
  const std::vector<int> shard_of = assign_lpt(item_cost, choice.count);
  Shard mine;
  std::int64_t mine_ms = 0;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (shard_of[k] != choice.index - 1) continue;
    mine.runs.insert(mine.runs.end(), items[k].begin(), items[k].end());
    mine_ms += item_cost[k];
  }
  std::sort(mine.runs.begin(), mine.runs.end());
  mine.predicted_seconds = static_cast<double>(mine_ms) / 1000.0;
  mine.plan_predicted_seconds = static_cast<double>(total) / 1000.0;
  return mine;
}

}  // namespace hardnets
