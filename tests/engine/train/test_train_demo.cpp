// The balancing demonstrations as seeded statistical tests over demo::kSeeds (see
// demo_seeds.hpp): each effect must show on at least kSeedsRequired of the seeds. The per-seed
// numbers are printed (MESSAGE) so a change in behaviour is visible in the test log.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/train/demo_seeds.hpp"
#include "moe/train/trainer.hpp"

namespace {

using namespace moe::train;
using moe::Result;

TrainStats train_demo(const char* config_text, uint64_t seed) {
  nlohmann::json j = nlohmann::json::parse(config_text);
  j["seed"] = seed;
  Result<TrainConfig> config = parse_train_config_json(j);
  REQUIRE(config.ok());
  Result<Trainer> trainer = Trainer::create(config.value());
  REQUIRE(trainer.ok());
  trainer.value().run(config.value().steps);
  return trainer.value().stats();
}

// Share of the tokens taken by the two busiest experts.
double top_two_share(const TrainStats& st) {
  std::vector<float> load = st.expert_load;  // [experts] shares of the tokens
  std::sort(load.begin(), load.end(), std::greater<>());
  return load.size() >= 2 ? double(load[0]) + double(load[1]) : 1.0;
}

// Experts that take under 1% of the tokens.
long idle_experts(const TrainStats& st) {
  return std::count_if(st.expert_load.begin(), st.expert_load.end(),
                       [](float f) { return f < 0.01f; });
}

}  // namespace

TEST_CASE("train demo: collapse without balancing, fairness with the Switch aux loss") {
  int collapsed = 0, fairer = 0;
  std::string log;
  for (uint64_t seed : demo::kSeeds) {
    const TrainStats none = train_demo(demo::kCollapseConfig, seed);
    const TrainStats aux = train_demo(demo::kSwitchAuxConfig, seed);
    // Collapse as the lesson states it: one or two experts take more than 0.9 of the tokens and
    // at least 5 of the 8 get under 1% each.
    collapsed += top_two_share(none) > 0.9 && idle_experts(none) >= 5;
    fairer += aux.load_cv < 0.5 * none.load_cv;
    log += "seed " + std::to_string(seed) + ": busiest share " + std::to_string(none.max_share) +
           ", two busiest " + std::to_string(top_two_share(none)) + ", experts under 1% " +
           std::to_string(idle_experts(none)) + ", load CV " + std::to_string(none.load_cv) +
           " -> with alpha 0.01 " + std::to_string(aux.load_cv) + " (busiest " +
           std::to_string(aux.max_share) + ")\n";
  }
  MESSAGE(log);
  CHECK(collapsed >= demo::kSeedsRequired);
  CHECK(fairer >= demo::kSeedsRequired);
}

TEST_CASE("train demo: the auxiliary-loss-free bias balances the load") {
  int balanced = 0;
  std::string log;
  for (uint64_t seed : demo::kSeeds) {
    const TrainStats st = train_demo(demo::kBiasConfig, seed);
    const double limit = 1.5 / static_cast<double>(st.expert_load.size());
    balanced += st.max_share < limit;
    log += "seed " + std::to_string(seed) + ": busiest share " + std::to_string(st.max_share) +
           " (limit " + std::to_string(limit) + "), load CV " + std::to_string(st.load_cv) + "\n";
  }
  MESSAGE(log);
  CHECK(balanced >= demo::kSeedsRequired);
}
