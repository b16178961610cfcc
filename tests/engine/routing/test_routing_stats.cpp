// Invariants of the per-call routing statistics and the Qwen2-MoE shared-expert gate helper.
#include <cmath>
#include <vector>

#include "moe/routing/routing_stats.hpp"
#include "moe/routing/shared_expert_gate.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;

TEST_CASE("routing/stats: entropy, load fractions and imbalance") {
  // Three tokens, E = 4, k = 1. Probabilities: uniform, one-hot, one-hot.
  const std::vector<float> probs = {0.25f, 0.25f, 0.25f, 0.25f, 1.0f, 0.0f,
                                    0.0f,  0.0f,  1.0f,  0.0f,  0.0f, 0.0f};  // [3, 4]
  const std::vector<int32_t> ids = {0, 0, 0};                                 // [3, 1]
  const std::vector<uint8_t> kept = {1, 1, 0};                                // [3, 1]
  const RoutingStats r = routing_stats(probs, ids, kept, 3, 4, 1);
  REQUIRE_MESSAGE(r.ok(), r.error);
  CHECK(std::fabs(r.entropy - std::log(4.0f) / 3.0f) <= 1e-6f);
  CHECK(r.counts_before_capacity == std::vector<int32_t>{3, 0, 0, 0});
  CHECK(r.counts_after_capacity == std::vector<int32_t>{2, 0, 0, 0});
  CHECK(r.load_fraction == std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f});
  CHECK(std::fabs(r.mean_prob[0] - 0.75f) <= 1e-6f);
  // Loads (3, 0, 0, 0): mean ¾, std = sqrt(27/16) -> CV = sqrt(3); max/mean = 4.
  CHECK(std::fabs(r.load_cv - std::sqrt(3.0f)) <= 1e-5f);
  CHECK(std::fabs(r.max_over_mean_load - 4.0f) <= 1e-6f);
  CHECK(std::fabs(r.max_over_mean_load_after - 4.0f) <= 1e-6f);
  CHECK(r.dropped_assignments == 1);
  CHECK(r.dropped_tokens == 1);
}

TEST_CASE("routing/stats: a balanced top-2 routing has CV 0 and max/mean 1") {
  const std::vector<float> probs(4 * 4, 0.25f);               // [4, 4]
  const std::vector<int32_t> ids = {0, 1, 2, 3, 1, 0, 3, 2};  // [4, 2]
  const RoutingStats r = routing_stats(probs, ids, {}, 4, 4, 2);
  REQUIRE(r.ok());
  CHECK(r.load_cv == 0.0f);
  CHECK(r.max_over_mean_load == 1.0f);
  CHECK(std::fabs(r.entropy - std::log(4.0f)) <= 1e-6f);
  CHECK(r.dropped_assignments == 0);
  double fraction_sum = 0.0;
  for (float f : r.load_fraction) fraction_sum += f;
  CHECK(std::fabs(fraction_sum - 1.0) <= 1e-6);
  CHECK(routing_stats(probs, std::vector<int32_t>{0, 1, 2, 3, 1, 0, 3, 4}, {}, 4, 4, 2).error ==
        "topk_ids[7]: must be between 0 and 3, got 4");
}

TEST_CASE("routing/shared-gate: sigmoid scale added to the routed output (Qwen2-MoE, Q1)") {
  const std::vector<float> logits = {0.0f, 100.0f, -100.0f};  // [3]
  const SharedExpertGate g = shared_expert_gate(logits);
  REQUIRE(g.ok());
  CHECK(g.gate[0] == 0.5f);
  CHECK(g.gate[1] == 1.0f);
  CHECK(g.gate[2] < 1e-40f);
  const std::vector<float> shared = {2.0f, 4.0f, 2.0f, 4.0f, 2.0f, 4.0f};  // [3, 2]
  std::vector<float> out = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};           // [3, 2]
  CHECK(shared_expert_gate_apply(logits, shared, 3, 2, out).empty());
  CHECK(out[0] == 2.0f);
  CHECK(out[1] == 3.0f);
  CHECK(out[2] == 3.0f);
  CHECK(std::fabs(out[4] - 1.0f) <= 1e-6f);
}
