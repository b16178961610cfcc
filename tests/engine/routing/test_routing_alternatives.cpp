// Invariants of the routing schemes beyond token choice: expert choice, Soft MoE, Mixture of
// Depths.
#include <cmath>
#include <vector>

#include "moe/routing/expert_choice.hpp"
#include "moe/routing/mixture_of_depths.hpp"
#include "moe/routing/rng.hpp"
#include "moe/routing/soft_moe.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;

TEST_CASE("routing/expert-choice: capacity rounds to nearest") {
  CHECK(expert_choice_capacity(1.0, 8, 4).value == 2);
  CHECK(expert_choice_capacity(2.0, 10, 8).value == 3);   // 2.5 rounds up
  CHECK(expert_choice_capacity(1.0, 10, 8).value == 1);   // 1.25
  CHECK(expert_choice_capacity(9.0, 10, 2).value == 10);  // clamped to T
}

TEST_CASE("routing/expert-choice: every expert takes exactly C tokens") {
  const int tokens = 10, experts = 4, capacity = 3;
  const std::vector<float> logits = standard_normals(3, tokens * experts);  // [T, E]
  const ExpertChoice r = expert_choice(logits, tokens, experts, capacity);
  REQUIRE_MESSAGE(r.ok(), r.error);
  int total = 0;
  for (int e = 0; e < experts; ++e) {
    int taken = 0;
    for (int t = 0; t < tokens; ++t) taken += r.assigned[t * experts + e];
    CHECK(taken == capacity);
    // Its chosen tokens are the column's best: none left out scores higher.
    float worst_taken = 1.0f;
    for (int j = 0; j < capacity; ++j)
      worst_taken = std::min(worst_taken, r.expert_gates[e * capacity + j]);
    for (int t = 0; t < tokens; ++t) {
      if (!r.assigned[t * experts + e]) CHECK(r.probs[t * experts + e] <= worst_taken);
    }
  }
  int unrouted = 0;
  for (int t = 0; t < tokens; ++t) {
    total += r.experts_per_token[t];
    unrouted += r.experts_per_token[t] == 0;
  }
  CHECK(total == experts * capacity);
  CHECK(r.fraction_unrouted == static_cast<float>(unrouted) / tokens);
}

TEST_CASE("routing/expert-choice: ties go to the lower token; unrouted tokens are counted") {
  // Four identical tokens, two experts, capacity 1: both experts take token 0.
  const std::vector<float> logits(8, 0.0f);  // [4, 2]
  const ExpertChoice r = expert_choice(logits, 4, 2, 1);
  REQUIRE(r.ok());
  CHECK(r.expert_tokens == std::vector<int32_t>{0, 0});
  CHECK(r.experts_per_token == std::vector<int32_t>{2, 0, 0, 0});
  CHECK(r.fraction_unrouted == 0.75f);
  CHECK(r.combine_weights[0] == 0.5f);
  CHECK(r.combine_weights[2] == 0.0f);
}

TEST_CASE("routing/soft-moe: dispatch columns and combine rows sum to 1") {
  const int tokens = 5, experts = 3, slots_per_expert = 2, slots = 6;
  const std::vector<float> logits = standard_normals(5, tokens * slots);  // [T, S]
  const SoftMoeWeights r = soft_moe_weights(logits, tokens, experts, slots_per_expert);
  REQUIRE_MESSAGE(r.ok(), r.error);
  CHECK(r.slots == slots);
  for (int s = 0; s < slots; ++s) {
    double column = 0.0;
    for (int t = 0; t < tokens; ++t) column += r.dispatch[t * slots + s];
    CHECK(std::fabs(column - 1.0) <= 1e-6);
  }
  for (int t = 0; t < tokens; ++t) {
    double row = 0.0;
    for (int s = 0; s < slots; ++s) row += r.combine[t * slots + s];
    CHECK(std::fabs(row - 1.0) <= 1e-6);
  }
  // The two normalisations differ: dispatch rows do not sum to 1 in general.
  double row0 = 0.0;
  for (int s = 0; s < slots; ++s) row0 += r.dispatch[s];
  CHECK(std::fabs(row0 - 1.0) > 1e-3);
  CHECK(soft_moe_weights(logits, tokens, experts, 3).error ==
        "logits: must hold tokens·experts·slots_per_expert = 45 values, got 30");
}

TEST_CASE("routing/mixture-of-depths: exactly C tokens per sequence run the block") {
  const int sequences = 3, seq_len = 8, capacity = 3;
  const std::vector<float> scores = standard_normals(9, sequences * seq_len);  // [B, S]
  const MixtureOfDepths r = mixture_of_depths_route(scores, sequences, seq_len, capacity);
  REQUIRE_MESSAGE(r.ok(), r.error);
  for (int b = 0; b < sequences; ++b) {
    int ran = 0;
    float lowest_run = 1e30f, highest_skipped = -1e30f;
    for (int s = 0; s < seq_len; ++s) {
      const float score = scores[b * seq_len + s];
      if (r.ran[b * seq_len + s]) {
        ++ran;
        lowest_run = std::min(lowest_run, score);
        CHECK(r.gate[b * seq_len + s] == score);
      } else {
        highest_skipped = std::max(highest_skipped, score);
        CHECK(r.gate[b * seq_len + s] == 0.0f);
      }
    }
    CHECK(ran == capacity);
    CHECK(lowest_run >= highest_skipped);
  }
  CHECK(r.saved_fraction == 1.0f - 3.0f / 8.0f);
  const std::vector<float> flat(4, 1.0f);  // [1, 4]: ties to the lower position
  CHECK(mixture_of_depths_route(flat, 1, 4, 2).selected == std::vector<int32_t>{0, 1});
}
