// DeepSeek-V3 golden case: group-limited, bias-corrected sigmoid top-k (D1-D4), from the recorded
// router logits and correction bias. Their top-k order is unspecified (D3): compare as sets.
#include <algorithm>
#include <utility>

#include "moe/routing/deepseek_routing.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;
using namespace routing_test;

namespace {
// Each row's k ids sorted ascending, so selections compare as sets. ids: [T, k]
std::vector<int32_t> sorted_rows(std::vector<int32_t> ids, int tokens, int k) {
  for (int t = 0; t < tokens; ++t) std::sort(ids.begin() + t * k, ids.begin() + (t + 1) * k);
  return ids;
}
}  // namespace

TEST_CASE("routing/oracle: deepseek-v3 sigmoid grouped top-k with correction bias") {
  const RoutingCase c = load_routing_case("deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5");
  const nlohmann::json& cfg = c.config;
  const nlohmann::json& ex = c.expected;
  const int experts = c.experts, tokens = c.tokens;
  const int k = cfg["top_k"];
  const std::vector<float>& logits = c.router_logits;                            // [T, E]
  const std::vector<float> bias = floats(c.file["weights"]["correction_bias"]);  // [E]

  const GroupedTopkBias r = sigmoid_grouped_topk_bias(
      logits, bias, tokens, experts, k, cfg["n_group"], cfg["topk_group"],
      cfg["norm_topk_prob"].get<bool>(), cfg["routed_scaling_factor"].get<float>());
  REQUIRE_MESSAGE(r.ok(), r.error);

  const std::vector<int32_t> want_ids = ints(ex["topk_indices"]);  // [T, k]
  const std::vector<float> want_w = floats(ex["topk_weights"]);    // [T, k]
  for (int t = 0; t < tokens; ++t) {
    CAPTURE(t);
    std::vector<std::pair<int32_t, float>> got, want;
    for (int i = 0; i < k; ++i) {
      got.emplace_back(r.topk_ids[t * k + i], r.topk_weights[t * k + i]);
      want.emplace_back(want_ids[t * k + i], want_w[t * k + i]);
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    for (int i = 0; i < k; ++i) {
      CHECK(got[i].first == want[i].first);
      CHECK(std::fabs(got[i].second - want[i].second) <= moe_test::kOracleTol);
    }
  }

  // The case was built so that the bias and the group limit both change some token's picks:
  // the plain top-k of the sigmoid scores and the biased top-k without a group limit (n_group 1)
  // must each differ from the oracle's selection.
  const std::vector<int32_t> want_sets = sorted_rows(want_ids, tokens, k);
  const GroupedTopkBias plain =
      sigmoid_grouped_topk_bias(logits, {}, tokens, experts, k, 1, 1, true, 2.5f);
  const GroupedTopkBias no_group_limit =
      sigmoid_grouped_topk_bias(logits, bias, tokens, experts, k, 1, 1, true, 2.5f);
  REQUIRE(plain.ok());
  REQUIRE(no_group_limit.ok());
  CHECK(sorted_rows(r.topk_ids, tokens, k) == want_sets);
  CHECK(sorted_rows(plain.topk_ids, tokens, k) != want_sets);
  CHECK(sorted_rows(no_group_limit.topk_ids, tokens, k) != want_sets);
}
