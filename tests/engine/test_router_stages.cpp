// The routing pipeline's stages beyond softmax top-k (moe/router.hpp): sigmoid scores, the
// selection bias, group-limited top-k, capacity, expert choice, the epsilon renormalisation and
// the scale, each on a small case whose answer is worked out by hand or by a plain loop.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "moe/routing/router.hpp"
#include "test_support.hpp"

TEST_CASE("router sigmoid scores match 1 / (1 + e^-x) within 1e-6, in float and double") {
  const int T = 3, E = 9;  // 27 values: SIMD batches and a scalar tail
  const std::vector<float> logits = moe_test::random_floats(T * E, 21, -30.0f, 30.0f);
  std::vector<float> scores(T * E);
  moe::router_compute_sigmoid_scores(logits.data(), T, E, scores.data());
  std::vector<double> logits_d(logits.begin(), logits.end()), scores_d(T * E);
  moe::router_compute_sigmoid_scores(logits_d.data(), T, E, scores_d.data());
  for (int i = 0; i < T * E; ++i) {
    const double want = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i])));
    CHECK(std::fabs(scores[i] - want) <= 1e-6 * std::max(want, 1e-30) + 1e-37);
    CHECK(scores_d[i] == doctest::Approx(want).epsilon(1e-12));
  }
}

TEST_CASE("the selection bias changes which experts are chosen, not the gates") {
  // scores [1, 4]; bias lifts expert 3 above expert 0
  const std::vector<float> scores = {0.9f, 0.6f, 0.5f, 0.3f}, bias = {0.0f, 0.0f, 0.0f, 0.7f};
  std::vector<float> biased(4), gates(2);
  std::vector<int32_t> ids(2);
  moe::router_add_selection_bias(scores.data(), bias.data(), 1, 4, biased.data());
  moe::router_select_topk(biased.data(), 1, 4, 2, ids.data());
  moe::router_gather_weights(scores.data(), ids.data(), 1, 4, 2, gates.data());
  CHECK(ids == std::vector<int32_t>{3, 0});  // 1.0 before 0.9
  CHECK(gates == std::vector<float>{0.3f, 0.9f});
}

TEST_CASE("grouped top-k keeps the best groups by their top-2 sum, then picks inside them") {
  // E = 6 in G = 3 groups of 2: group sums 0.5+0.4, 0.95+0.0, 0.3+0.3 → groups 0 and 1 stay
  // (topk_group 2); top-2 over experts {0,1,2,3} = 2 (0.95), 0 (0.5). Expert 4 (0.3) is masked.
  const std::vector<float> biased = {0.5f, 0.4f, 0.95f, 0.0f, 0.3f, 0.3f};
  std::vector<int32_t> ids(2);
  std::vector<float> group_scores(3);
  std::vector<uint8_t> group_kept(3);
  moe::router_select_grouped_topk(biased.data(), 1, 6, 3, 2, 2, ids.data(), group_scores.data(),
                                  group_kept.data());
  CHECK(ids == std::vector<int32_t>{2, 0});
  CHECK(group_scores[0] == doctest::Approx(0.9f));
  CHECK(group_scores[1] == doctest::Approx(0.95f));
  CHECK(group_kept == std::vector<uint8_t>{1, 1, 0});
  // One group kept: only group 1's experts are reachable.
  moe::router_select_grouped_topk(biased.data(), 1, 6, 3, 1, 2, ids.data(), group_scores.data(),
                                  group_kept.data());
  CHECK(ids == std::vector<int32_t>{2, 3});
}

TEST_CASE("capacity places first choices of every token before any second choice") {
  // One group of 3 tokens, k = 2, E = 2, C = 2. ids [3, 2]: (0,1) (0,1) (1,0).
  // First choices: t0→0 (pos 0), t1→0 (pos 1), t2→1 (pos 0); second choices: t0→1 (pos 1),
  // t1→1 (full, dropped), t2→0 (full, dropped).
  const std::vector<int32_t> ids = {0, 1, 0, 1, 1, 0};
  std::vector<uint8_t> kept(6);
  std::vector<int32_t> position(6);
  moe::router_apply_capacity(ids.data(), 1, 3, 2, 2, 2, kept.data(), position.data());
  CHECK(kept == std::vector<uint8_t>{1, 1, 1, 0, 1, 0});
  CHECK(position == std::vector<int32_t>{0, 1, 1, -1, 0, -1});
  // Two groups of one token restart the count: C = 1 keeps both first choices.
  const std::vector<int32_t> two = {0, 0};
  std::vector<uint8_t> kept2(2);
  moe::router_apply_capacity(two.data(), 2, 1, 1, 1, 1, kept2.data(), nullptr);
  CHECK(kept2 == std::vector<uint8_t>{1, 1});
}

TEST_CASE("expert choice: each expert takes its C best tokens, ties to the lower token") {
  // probs [S = 3, E = 2]
  const std::vector<float> probs = {0.5f, 0.5f, 0.7f, 0.3f, 0.5f, 0.5f};
  std::vector<int32_t> tokens(4);  // [E, C = 2]
  moe::router_select_expert_choice(probs.data(), 3, 2, 2, tokens.data());
  CHECK(tokens == std::vector<int32_t>{1, 0, 0, 2});  // expert 1: tokens 0 and 2 tie at 0.5
  std::vector<double> probs_d(probs.begin(), probs.end());
  std::vector<int32_t> tokens_d(4);
  moe::router_select_expert_choice(probs_d.data(), 3, 2, 2, tokens_d.data());
  CHECK(tokens_d == tokens);
}

TEST_CASE("renormalise with epsilon and scale (DeepSeek-V3 gates)") {
  std::vector<float> w = {0.2f, 0.6f};  // [1, 2]
  moe::router_renormalise(w.data(), 1, 2, 1e-20f);
  moe::router_scale(w.data(), 1, 2, 2.5f);
  CHECK(w[0] == doctest::Approx(0.625f));
  CHECK(w[1] == doctest::Approx(1.875f));
  std::vector<double> wd = {1.0, 3.0};
  moe::router_renormalise(wd.data(), 1, 2);
  CHECK(wd == std::vector<double>{0.25, 0.75});
}
