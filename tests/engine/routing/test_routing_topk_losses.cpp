// Invariants of softmax top-k selection and of the router losses (z-loss, Mixtral M1/M2).
#include <cmath>
#include <vector>

#include "moe/kernels/kernels.hpp"
#include "moe/routing/losses.hpp"
#include "moe/routing/math.hpp"
#include "moe/routing/rng.hpp"
#include "moe/routing/softmax_topk.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;
using namespace routing_test;

TEST_CASE("routing/topk: renormalised top-k weights equal the softmax of the selected logits") {
  const int tokens = 5, experts = 6, k = 3;
  const std::vector<float> logits = standard_normals(7, tokens * experts);  // [T, E]
  const SoftmaxTopk sel = softmax_topk(logits, tokens, experts, k, true);
  REQUIRE_MESSAGE(sel.ok(), sel.error);
  for (int t = 0; t < tokens; ++t) {
    std::vector<float> picked(k), want(k);  // [k]
    for (int i = 0; i < k; ++i) picked[i] = logits[t * experts + sel.topk_ids[t * k + i]];
    moe::f32_softmax_rows__scalar(picked.data(), want.data(), 1, k);  // the scalar reference
    for (int i = 0; i < k; ++i) CHECK(std::fabs(sel.topk_weights[t * k + i] - want[i]) <= 1e-6f);
    for (int i = 1; i < k; ++i)
      CHECK(sel.topk_weights[t * k + i - 1] >= sel.topk_weights[t * k + i]);
  }
  // Without renormalisation the weights are the raw probabilities.
  const SoftmaxTopk raw = softmax_topk(logits, tokens, experts, k, false);
  REQUIRE(raw.ok());
  CHECK(raw.topk_weights[0] == raw.probs[raw.topk_ids[0]]);
  CHECK(raw.topk_weights[0] < sel.topk_weights[0]);
}

TEST_CASE("routing/topk: exact ties go to the lower expert index") {
  const std::vector<float> logits = {0.5f, 2.0f, 0.5f, 2.0f, 0.5f};  // [1, 5]
  const SoftmaxTopk sel = softmax_topk(logits, 1, 5, 4, false);
  REQUIRE(sel.ok());
  CHECK(sel.topk_ids == std::vector<int32_t>{1, 3, 0, 2});
}

TEST_CASE("routing/topk: bad arguments are error values and the next call still works") {
  const std::vector<float> logits(8, 0.0f);  // [2, 4]
  const SoftmaxTopk too_many = softmax_topk(logits, 2, 4, 5, true);
  CHECK(too_many.error == "k: must be between 1 and 4, got 5");
  CHECK(too_many.probs.empty());
  const SoftmaxTopk short_input = softmax_topk(logits, 3, 4, 2, true);
  CHECK(short_input.error == "logits: must hold tokens·experts = 12 values, got 8");
  std::vector<float> with_nan = logits;
  with_nan[5] = std::nanf("");
  CHECK(softmax_topk(with_nan, 2, 4, 2, true).error.rfind("logits[5]: must be finite", 0) == 0);
  CHECK(softmax_topk(logits, 2, 4, 2, true).ok());
}

TEST_CASE("routing/losses: zero logits give z-loss (ln E)^2") {
  for (int experts : {1, 2, 8, 64}) {
    const std::vector<float> zeros(3 * experts, 0.0f);  // [3, E]
    const LossValue z = router_z_loss(zeros, 3, experts);
    REQUIRE(z.ok());
    const double want = std::log(experts) * std::log(experts);
    CHECK(std::fabs(z.value - want) <= 1e-5 * std::max(1.0, want));
  }
  const std::vector<float> shifted(4, 1.0f);  // [1, 4]: logsumexp = 1 + ln 4
  CHECK(std::fabs(router_z_loss(shifted, 1, 4).value - std::pow(1.0 + std::log(4.0), 2)) <= 1e-5);
}

TEST_CASE("routing/losses: a uniform router gives Mixtral aux = k and Switch aux = 1") {
  const int rows = 12, experts = 4;
  const std::vector<float> zeros(rows * experts, 0.0f);  // [N, E]
  for (int k = 1; k <= experts; ++k) {
    const LoadBalancingLoss m = mixtral_load_balancing_loss(zeros, rows, experts, k);
    REQUIRE(m.ok());
    CHECK(std::fabs(m.value - k) <= 1e-5f);
  }
  const std::vector<float> probs(rows * experts, 0.25f);                  // [N, E]
  const std::vector<int32_t> idx = {0, 1, 2, 3, 0, 0, 0, 0, 3, 3, 2, 1};  // any choice, [N]
  const LossValue s = switch_load_balancing_loss(probs, idx, 3, 4, experts);
  REQUIRE(s.ok());
  CHECK(std::fabs(s.value - 1.0f) <= 1e-6f);
  CHECK(std::fabs(switch_load_balancing_loss_global(probs, idx, rows, experts).value - 1.0f) <=
        1e-6f);
}

TEST_CASE("routing/losses: Switch aux is per group, unlike the global form") {
  // Group 0: both tokens choose expert 0 with p = (0.9, 0.1); group 1: both expert 1, (0.1, 0.9).
  const std::vector<float> probs = {0.9f, 0.1f, 0.9f, 0.1f, 0.1f, 0.9f, 0.1f, 0.9f};  // [4, 2]
  const std::vector<int32_t> idx = {0, 0, 1, 1};                                      // [4]
  // Per group: 2 · (1 · 0.9) = 1.8 in each group; global: f = (½, ½), P = (½, ½) -> 2 · ½ = 1.
  CHECK(std::fabs(switch_load_balancing_loss(probs, idx, 2, 2, 2).value - 1.8f) <= 1e-6f);
  CHECK(std::fabs(switch_load_balancing_loss_global(probs, idx, 4, 2).value - 1.0f) <= 1e-6f);
  CHECK_FALSE(switch_load_balancing_loss(probs, std::vector<int32_t>{0, 0, 2, 1}, 2, 2, 2).ok());
}

TEST_CASE("routing/losses: Mixtral attention mask leaves masked tokens out (M2)") {
  const int layers = 2, batch = 2, seq_len = 3, experts = 4, k = 2;
  const int rows = layers * batch * seq_len;
  const std::vector<float> logits = standard_normals(11, rows * experts);  // [L·B·S, E]
  const std::vector<uint8_t> mask = {1, 1, 0, 1, 0, 0};                    // [B, S]
  const LoadBalancingLoss masked =
      mixtral_load_balancing_loss(logits, rows, experts, k, mask, batch, seq_len);
  REQUIRE_MESSAGE(masked.ok(), masked.error);

  // Same as the unmasked loss over only the kept rows (every layer keeps the same positions).
  std::vector<float> kept_rows;  // [L·kept, E]
  for (int n = 0; n < rows; ++n) {
    if (!mask[n % (batch * seq_len)]) continue;
    kept_rows.insert(kept_rows.end(), logits.begin() + n * experts,
                     logits.begin() + (n + 1) * experts);
  }
  const int kept = static_cast<int>(kept_rows.size()) / experts;
  REQUIRE(kept == layers * 3);
  const LoadBalancingLoss subset = mixtral_load_balancing_loss(kept_rows, kept, experts, k);
  REQUIRE(subset.ok());
  CHECK(std::fabs(masked.value - subset.value) <= 1e-6f);
  moe_test::check_close(masked.tokens_per_expert, subset.tokens_per_expert, 1e-6, 0.0,
                        "tokens_per_expert");

  const LoadBalancingLoss unmasked = mixtral_load_balancing_loss(logits, rows, experts, k);
  CHECK(std::fabs(masked.value - unmasked.value) > 1e-4f);
  CHECK(mixtral_load_balancing_loss(logits, rows, experts, k, mask, batch, 4).error ==
        "attention_mask: must hold batch·seq_len = 8 values, got 6");
}
