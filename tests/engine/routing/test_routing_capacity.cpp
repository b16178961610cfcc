// Invariants of capacity-limited routing: the capacity formula, Switch's first come first served
// per group (S1-S3), and GShard's first-choices-first order.
#include <cmath>
#include <vector>

#include "moe/routing/gshard_capacity.hpp"
#include "moe/routing/switch_capacity.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;

TEST_CASE("routing/capacity: expert_capacity rounding") {
  CHECK(expert_capacity(1.25, 10, 4).value == 3);  // 3.125
  CHECK(expert_capacity(1.25, 10, 4, CapacityRounding::ceil).value == 4);
  CHECK(expert_capacity(1.25, 10, 4, CapacityRounding::nearest).value == 3);
  CHECK(expert_capacity(1.5, 10, 4, CapacityRounding::nearest).value == 4);  // 3.75
  CHECK(expert_capacity(0.7, 90, 3).value == 21);  // 20.999999999999996 in binary, snapped
  CHECK(expert_capacity(0.7, 90, 3, CapacityRounding::ceil).value == 21);
  CHECK(expert_capacity(0.25, 8, 4).value == 0);   // int(0.5): every token dropped
  CHECK(expert_capacity(100.0, 8, 4).value == 8);  // never above the group size
  CHECK(expert_capacity(-1.0, 8, 4).error ==
        "capacity_factor: must be a finite number >= 0, got -1.000000");
}

TEST_CASE("routing/capacity: Switch keeps the first tokens in sequence order, not the likeliest") {
  // One group of 3 tokens, E = 2, capacity 1; all choose expert 1, the last most confidently.
  const std::vector<float> logits = {0.0f, 1.0f, 0.0f, 2.0f, 0.0f, 5.0f};  // [3, 2]
  const SwitchTop1Capacity r = softmax_top1_capacity(logits, 1, 3, 2, 1);
  REQUIRE_MESSAGE(r.ok(), r.error);
  CHECK(r.dropped == std::vector<uint8_t>{0, 1, 1});
  CHECK(r.expert_index == std::vector<int32_t>{1, 1, 1});
  CHECK(r.expert_index_returned == std::vector<int32_t>{1, 0, 0});
  CHECK(r.position_in_expert == std::vector<int32_t>{0, -1, -1});
  CHECK(r.combine_weight[1] == 0.0f);
  CHECK(r.gate[2] > 0.99f);  // the raw probability is still reported for a dropped token
  CHECK(r.counts_before_capacity == std::vector<int32_t>{0, 3});
  CHECK(r.counts_after_capacity == std::vector<int32_t>{0, 1});
  CHECK(r.dropped_count == 2);
}

TEST_CASE("routing/capacity: Switch capacity restarts in every group") {
  const std::vector<float> logits = {3.0f, 0.0f, 3.0f, 0.0f, 3.0f, 0.0f, 3.0f, 0.0f};  // [4, 2]
  const SwitchTop1Capacity two_groups = softmax_top1_capacity(logits, 2, 2, 2, 1);
  const SwitchTop1Capacity one_group = softmax_top1_capacity(logits, 1, 4, 2, 1);
  REQUIRE(two_groups.ok());
  REQUIRE(one_group.ok());
  CHECK(two_groups.dropped == std::vector<uint8_t>{0, 1, 0, 1});
  CHECK(one_group.dropped == std::vector<uint8_t>{0, 1, 1, 1});
  // Dropped tokens report expert 0, which here is also the real choice: the returned-index aux
  // loss equals the pre-capacity one.
  CHECK(two_groups.aux_loss == two_groups.aux_loss_pre_capacity);
}

TEST_CASE("routing/capacity: Switch with ample capacity drops nothing; uniform router aux = 1") {
  const std::vector<float> zeros(2 * 4 * 4, 0.0f);  // [G·S, E] = [8, 4]
  const SwitchTop1Capacity r = softmax_top1_capacity(zeros, 2, 4, 4, 4);
  REQUIRE(r.ok());
  CHECK(r.dropped_count == 0);
  CHECK(std::fabs(r.aux_loss - 1.0f) <= 1e-6f);
  CHECK(std::fabs(r.aux_loss_global - 1.0f) <= 1e-6f);
  CHECK(std::fabs(r.z_loss - std::log(4.0f) * std::log(4.0f)) <= 1e-5f);
  CHECK(softmax_top1_capacity(zeros, 2, 4, 4, 5).error ==
        "capacity: must be between 0 and 4, got 5");
}

TEST_CASE("routing/capacity: GShard places every first choice before any second choice") {
  // E = 3, capacity 1, one group of 2 tokens:
  //   token 0: 1st expert 0, 2nd expert 1      token 1: 1st expert 1, 2nd expert 2
  // Token order would give expert 1 to token 0's second choice; GShard order gives it to token 1.
  const std::vector<float> logits = {3.0f, 2.0f, 0.0f, 0.0f, 3.0f, 2.0f};  // [2, 3]
  const TopkCapacity r = topk_capacity_gshard(logits, 1, 2, 3, 2, 1, true);
  REQUIRE_MESSAGE(r.ok(), r.error);
  CHECK(r.topk_ids == std::vector<int32_t>{0, 1, 1, 2});
  CHECK(r.kept == std::vector<uint8_t>{1, 0, 1, 1});
  CHECK(r.position_in_expert == std::vector<int32_t>{0, -1, 0, 0});
  CHECK(r.combine_weights[1] == 0.0f);
  CHECK(r.combine_weights[0] == r.topk_weights[0]);
  CHECK(std::fabs(r.topk_weights[0] + r.topk_weights[1] - 1.0f) <= 1e-6f);  // renormalised first
  CHECK(r.counts_before_capacity == std::vector<int32_t>{1, 2, 1});
  CHECK(r.counts_after_capacity == std::vector<int32_t>{1, 1, 1});
  CHECK(r.dropped_assignments == 1);
  CHECK(r.dropped_tokens == 0);
}

TEST_CASE("routing/capacity: GShard with k = 1 is Switch's routing") {
  const std::vector<float> logits = {0.0f, 1.0f, 0.0f, 2.0f, 4.0f, 0.0f, 0.0f, 5.0f};  // [4, 2]
  const TopkCapacity g = topk_capacity_gshard(logits, 2, 2, 2, 1, 1, false);
  const SwitchTop1Capacity s = softmax_top1_capacity(logits, 2, 2, 2, 1);
  REQUIRE(g.ok());
  REQUIRE(s.ok());
  for (int t = 0; t < 4; ++t) CHECK(g.kept[t] == 1 - s.dropped[t]);
  CHECK(g.counts_after_capacity == s.counts_after_capacity);
  CHECK(g.combine_weights == s.combine_weight);
}
