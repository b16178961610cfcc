// The selection mask (router.hpp router_mask_selection, router_exclude_top_ranks; route_tokens
// SelectionMask) and the language model's masking option (LmModel::set_selection_mask), which the
// DeepSeekMoE analyses use: masking top-1 makes the old second choice first, and switching off an
// expert no token uses changes nothing.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "lm/lm_test_support.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/routing/route_tokens.hpp"
#include "moe/routing/router.hpp"

namespace {

moe::lm::LmModel tiny_model(uint64_t seed) {
  const moe::lm::LmConfig c = moe_test::small_lm_config();  // E 5, k 2, L 2
  return moe::lm::LmModel(c, moe::lm::lm_weights_init_seeded(c, seed));
}

const std::vector<int32_t> kIds = {3, 17, 8, 8, 25, 1, 12, 0, 28, 5};

}  // namespace

TEST_CASE("router_exclude_top_ranks + router_mask_selection: top-k re-picks from the rest") {
  const float probs[] = {0.1f, 0.4f, 0.2f, 0.3f,   // token 0: ranks 1, 3, 2, 0
                         0.3f, 0.3f, 0.2f, 0.2f};  // token 1: a tie, broken to the lower expert
  std::vector<uint8_t> excluded(8, 0);
  excluded[0] = 1;  // expert 0 off for token 0 (a per-expert mask already in place)
  moe::router_exclude_top_ranks(probs, 2, 4, 1, excluded.data());
  CHECK(excluded == std::vector<uint8_t>{1, 1, 0, 0, 1, 0, 0, 0});
  std::vector<float> masked(8);
  moe::router_mask_selection(probs, excluded.data(), 2, 4, masked.data());
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(masked == std::vector<float>{-inf, -inf, 0.2f, 0.3f, -inf, 0.3f, 0.2f, 0.2f});
  int32_t ids[4];
  moe::router_select_topk(masked.data(), 2, 4, 2, ids);
  CHECK(std::vector<int32_t>(ids, ids + 4) == std::vector<int32_t>{3, 2, 1, 2});
}

TEST_CASE("LmModel mask top-1: each token's first expert becomes its old second") {
  moe::lm::LmModel model = tiny_model(11);
  const int N = static_cast<int>(kIds.size()), E = 5, k = 2;
  REQUIRE(model.forward(kIds, 1, N).ok());
  const moe::lm::LmLayerActivations before = model.trace().layers[0];

  moe::SelectionMask top1;
  top1.top_ranks_off = 1;
  REQUIRE(model.set_selection_mask(top1).ok());
  REQUIRE(model.forward(kIds, 1, N).ok());
  const moe::lm::LmLayerActivations& after = model.trace().layers[0];
  // Layer 0's input does not depend on the mask, so its probabilities are the same and the new
  // choices are the old ranks 2 and 3.
  CHECK(after.router_probs == before.router_probs);
  for (int n = 0; n < N; ++n) {
    const float* p = before.router_probs.data() + n * E;
    std::vector<int32_t> order(E);
    for (int e = 0; e < E; ++e) order[e] = e;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
    CHECK(after.topk_ids[n * k] == before.topk_ids[n * k + 1]);
    CHECK(after.topk_ids[n * k + 1] == order[2]);
    // Renormalised gates over the two kept experts.
    CHECK(after.topk_weights[n * k] ==
          doctest::Approx(p[order[1]] / (p[order[1]] + p[order[2]])).epsilon(1e-6));
  }
  // Lifting the mask gives back the first forward exactly.
  REQUIRE(model.set_selection_mask(moe::SelectionMask{}).ok());
  REQUIRE(model.forward(kIds, 1, N).ok());
  CHECK(model.trace().layers[0].topk_ids == before.topk_ids);
}

TEST_CASE("LmModel expert off: an expert no token uses changes nothing, a used one does") {
  moe::lm::LmModel model = tiny_model(5);
  const std::vector<int32_t> one = {4};  // one token: 2 of 5 experts used in layer 0
  REQUIRE(model.forward(one, 1, 1).ok());
  const std::vector<float> logits = model.trace().logits;
  const std::vector<int32_t> used = model.trace().layers[0].topk_ids;
  int unused = 0;
  while (std::find(used.begin(), used.end(), unused) != used.end()) ++unused;

  moe::SelectionMask off;
  off.experts_off.assign(5, 0);
  off.experts_off[static_cast<size_t>(unused)] = 1;
  REQUIRE(model.set_selection_mask(off, 0).ok());
  REQUIRE(model.forward(one, 1, 1).ok());
  CHECK(model.trace().logits == logits);  // bit for bit

  off.experts_off.assign(5, 0);
  off.experts_off[static_cast<size_t>(used[0])] = 1;
  REQUIRE(model.set_selection_mask(off, 0).ok());
  REQUIRE(model.forward(one, 1, 1).ok());
  const std::vector<int32_t>& now = model.trace().layers[0].topk_ids;
  CHECK(std::find(now.begin(), now.end(), used[0]) == now.end());
  CHECK(model.trace().logits != logits);
}

TEST_CASE("LmModel selection mask: bad masks are refused by field and change nothing") {
  moe::lm::LmModel model = tiny_model(2);
  const std::vector<int32_t> ids(kIds.begin(), kIds.begin() + 4);
  REQUIRE(model.forward(ids, 1, 4).ok());
  const std::vector<float> logits = model.trace().logits;

  moe::SelectionMask too_many;
  too_many.experts_off = {1, 1, 0, 0, 0};
  too_many.top_ranks_off = 2;  // up to 4 of 5 excluded, top_k 2 cannot be filled
  auto r = model.set_selection_mask(too_many);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() ==
        "selection_mask: excludes up to 4 of 5 experts, leaving fewer than top_k = 2");
  moe::SelectionMask wrong_size;
  wrong_size.experts_off = {1, 0};
  CHECK(model.set_selection_mask(wrong_size).error().message() ==
        "selection_mask.experts_off: must have one entry per expert (5), got 2");
  moe::SelectionMask negative;
  negative.top_ranks_off = -1;
  CHECK(model.set_selection_mask(negative).error().message() ==
        "selection_mask.top_ranks_off: must be >= 0, got -1");
  CHECK(model.set_selection_mask(moe::SelectionMask{}, 2).error().message() ==
        "layer: must be -1 (all) or between 0 and 1, got 2");
  REQUIRE(model.forward(ids, 1, 4).ok());
  CHECK(model.trace().logits == logits);
}

TEST_CASE("selection mask: only the softmax top-k kinds take one; an empty mask always passes") {
  moe::LayerConfig c;
  c.num_experts = 4;
  c.top_k = 1;
  c.router_kind = moe::RouterKind::softmax_top1_capacity;
  moe::SelectionMask top1;
  top1.top_ranks_off = 1;
  const auto r = moe::check_selection_mask(c, top1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() ==
        "selection_mask: only the softmax_topk kinds take a mask, not softmax_top1_capacity");
  CHECK(moe::check_selection_mask(c, moe::SelectionMask{}).ok());
  c.router_kind = moe::RouterKind::softmax_topk;
  CHECK(moe::check_selection_mask(c, top1).ok());
}
