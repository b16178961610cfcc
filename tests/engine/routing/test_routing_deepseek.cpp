// Invariants of DeepSeek-V3 routing: group score = sum of top-2 (D1), bias selects but never
// weighs (D2), the auxiliary-loss-free bias update, the sequence-wise balance loss.
#include <cmath>
#include <vector>

#include "moe/routing/deepseek_balance.hpp"
#include "moe/routing/deepseek_routing.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;

TEST_CASE("routing/deepseek: groups are ranked by the sum of their top-2 biased scores") {
  // Zero logits: every sigmoid score is 0.5, so the bias alone decides. Biased scores:
  //   group 0 = (1.4, 0.6)  max 1.4, top-2 sum 2.0      group 1 = (1.2, 1.1)  max 1.2, sum 2.3
  // Ranking groups by max would keep group 0 (and pick expert 0); D1 keeps group 1.
  const std::vector<float> logits(4, 0.0f);                  // [1, 4]
  const std::vector<float> bias = {0.9f, 0.1f, 0.7f, 0.6f};  // [4]
  const GroupedTopkBias r = sigmoid_grouped_topk_bias(logits, bias, 1, 4, 2, 2, 1, true, 2.5f);
  REQUIRE_MESSAGE(r.ok(), r.error);
  CHECK(r.topk_ids == std::vector<int32_t>{2, 3});
  CHECK(r.group_kept == std::vector<uint8_t>{0, 1});
  CHECK(std::fabs(r.group_scores[0] - 2.0f) <= 1e-6f);
  CHECK(std::fabs(r.group_scores[1] - 2.3f) <= 1e-6f);
  // Weights come from the unbiased scores (0.5 each): normalised 0.5, times 2.5.
  CHECK(std::fabs(r.topk_weights[0] - 1.25f) <= 1e-6f);
  CHECK(std::fabs(r.topk_weights[1] - 1.25f) <= 1e-6f);

  // Unequal unbiased scores s = (σ(1), σ(0)) for the picked experts 2 and 3: without
  // normalisation the weights are s · 2.5; with it, s / Σ s · 2.5.
  const std::vector<float> logits2 = {0.0f, 0.0f, 1.0f, 0.0f};  // [1, 4]
  const double s2 = 1.0 / (1.0 + std::exp(-1.0));
  const GroupedTopkBias raw = sigmoid_grouped_topk_bias(logits2, bias, 1, 4, 2, 2, 1, false, 2.5f);
  const GroupedTopkBias norm = sigmoid_grouped_topk_bias(logits2, bias, 1, 4, 2, 2, 1, true, 2.5f);
  REQUIRE(raw.ok());
  REQUIRE(norm.ok());
  CHECK(raw.topk_ids == std::vector<int32_t>{2, 3});
  CHECK(std::fabs(raw.topk_weights[0] - s2 * 2.5) <= 1e-6);
  CHECK(std::fabs(raw.topk_weights[1] - 0.5 * 2.5) <= 1e-6);
  CHECK(std::fabs(norm.topk_weights[0] - s2 / (s2 + 0.5) * 2.5) <= 1e-6);
  CHECK(std::fabs(norm.topk_weights[1] - 0.5 / (s2 + 0.5) * 2.5) <= 1e-6);

  // Keeping both groups, the best two biased experts overall win.
  const GroupedTopkBias all = sigmoid_grouped_topk_bias(logits, bias, 1, 4, 2, 2, 2, true, 1.0f);
  REQUIRE(all.ok());
  CHECK(all.topk_ids == std::vector<int32_t>{0, 2});
}

TEST_CASE("routing/deepseek: argument errors name the field") {
  const std::vector<float> logits(6, 0.0f);  // [1, 6]
  CHECK(sigmoid_grouped_topk_bias(logits, {}, 1, 6, 2, 4, 1, true, 1.0f).error ==
        "n_group: must divide experts (6), got 4");
  CHECK(sigmoid_grouped_topk_bias(logits, {}, 1, 6, 4, 3, 1, true, 1.0f).error ==
        "k: must be between 1 and 2, got 4");
  CHECK(sigmoid_grouped_topk_bias(logits, std::vector<float>(5), 1, 6, 2, 3, 1, true, 1.0f).error ==
        "correction_bias: must hold experts = 6 values, got 5");
}

TEST_CASE("routing/deepseek: loss-free bias update raises underloaded experts") {
  const std::vector<float> bias = {0.1f, -0.2f, 0.0f, 0.3f};  // [4]
  const BiasUpdate same = loss_free_bias_update(bias, std::vector<float>{5, 5, 5, 5}, 0.01f);
  REQUIRE(same.ok());
  CHECK(same.bias == bias);

  const BiasUpdate r = loss_free_bias_update(bias, std::vector<float>{8, 2, 5, 5}, 0.01f);
  REQUIRE(r.ok());
  CHECK(r.mean_load == 5.0f);
  CHECK(r.delta == std::vector<float>{-0.01f, 0.01f, 0.0f, 0.0f});
  CHECK(r.bias[0] == bias[0] - 0.01f);
  CHECK(r.bias[1] == bias[1] + 0.01f);
  CHECK(loss_free_bias_update(bias, std::vector<float>{1, 2, 3}, 0.01f).error ==
        "expert_load: must hold experts = 4 values, got 3");
}

TEST_CASE("routing/deepseek: bias updates steer the router towards an idle expert") {
  // Two experts, every token prefers expert 0 a little. Repeated updates must hand expert 1 work.
  const int tokens = 4;
  const std::vector<float> logits = {0.3f, 0.0f, 0.2f, 0.0f, 0.1f, 0.0f, 0.4f, 0.0f};  // [4, 2]
  std::vector<float> bias = {0.0f, 0.0f};                                              // [2]
  int steps = 0;
  for (; steps < 50; ++steps) {
    const GroupedTopkBias r =
        sigmoid_grouped_topk_bias(logits, bias, tokens, 2, 1, 1, 1, true, 1.0f);
    REQUIRE(r.ok());
    std::vector<float> load(2, 0.0f);  // [2]
    for (int32_t e : r.topk_ids) load[e] += 1.0f;
    if (load[1] > 0.0f) break;
    bias = loss_free_bias_update(bias, load, 0.01f).bias;
  }
  CHECK(steps > 0);
  CHECK(steps < 50);
}

TEST_CASE("routing/deepseek: sequence-wise balance loss") {
  const int seq_len = 4, experts = 2, k = 1;
  // Balanced: equal affinities, half the tokens to each expert -> f = (1, 1), P = (½, ½) -> 1.
  const std::vector<float> flat(seq_len * experts, 0.5f);  // [S, E]
  const std::vector<int32_t> balanced = {0, 1, 0, 1};      // [S, k]
  const SequenceBalanceLoss b =
      deepseek_sequence_balance_loss(flat, balanced, 1, seq_len, experts, k);
  REQUIRE_MESSAGE(b.ok(), b.error);
  CHECK(std::fabs(b.value - 1.0f) <= 1e-6f);
  // Collapsed: every token to expert 0, which holds 0.9 of the normalised affinity:
  // f = (2, 0), P = (0.9, 0.1) -> 1.8.
  const std::vector<float> peaked = {0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f};  // [S, E]
  const std::vector<int32_t> collapsed = {0, 0, 0, 0};
  const SequenceBalanceLoss c =
      deepseek_sequence_balance_loss(peaked, collapsed, 1, seq_len, experts, k);
  REQUIRE(c.ok());
  CHECK(std::fabs(c.value - 1.8f) <= 1e-5f);
  // Two sequences average.
  std::vector<float> both = flat;
  both.insert(both.end(), peaked.begin(), peaked.end());
  std::vector<int32_t> both_ids = balanced;
  both_ids.insert(both_ids.end(), collapsed.begin(), collapsed.end());
  const SequenceBalanceLoss two =
      deepseek_sequence_balance_loss(both, both_ids, 2, seq_len, experts, k);
  REQUIRE(two.ok());
  CHECK(std::fabs(two.value - 1.4f) <= 1e-5f);
  CHECK(two.per_sequence.size() == 2);
}
