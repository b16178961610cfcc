#include "moe/routing/gshard_capacity.hpp"

#include <algorithm>

#include "moe/routing/router.hpp"
#include "moe/routing/softmax_topk.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

TopkCapacity topk_capacity_gshard(std::span<const float> logits, int groups, int tokens_per_group,
                                  int experts, int k, int capacity, bool renormalise) {
  TopkCapacity r;
  const int64_t tokens = int64_t{groups} * tokens_per_group;
  r.error = first_error({check_range("groups", groups, 1, kMaxRows),
                         check_range("tokens_per_group", tokens_per_group, 1, kMaxRows),
                         check_range("groups·tokens_per_group", tokens, 1, kMaxRows),
                         check_range("capacity", capacity, 0, tokens_per_group)});
  SoftmaxTopk sel;
  if (r.ok()) {
    sel = softmax_topk(logits, static_cast<int>(tokens), experts, k, renormalise);
    r.error = sel.error;
  }
  if (!r.ok()) return r;

  set_shape(r, groups, tokens_per_group, experts, capacity);
  r.k = k;
  r.probs = std::move(sel.probs);                // [T, E]
  r.topk_ids = std::move(sel.topk_ids);          // [T, k]
  r.topk_weights = std::move(sel.topk_weights);  // [T, k]
  r.kept.assign(tokens * k, 0);                  // [T, k]
  r.combine_weights.assign(tokens * k, 0.0f);    // [T, k]
  r.position_in_expert.assign(tokens * k, -1);   // [T, k]

  router_apply_capacity(r.topk_ids.data(), groups, tokens_per_group, k, experts, capacity,
                        r.kept.data(), r.position_in_expert.data());
  for (int64_t slot = 0; slot < tokens * k; ++slot) {
    const int32_t e = r.topk_ids[slot];
    r.counts_before_capacity[e] += 1;
    r.counts_after_capacity[e] += r.kept[slot];
    r.dropped_assignments += r.kept[slot] ? 0 : 1;
    if (r.kept[slot]) r.combine_weights[slot] = r.topk_weights[slot];
  }
  for (int64_t t = 0; t < tokens; ++t) {
    bool any = false;
    for (int i = 0; i < k; ++i) any = any || r.kept[t * k + i];
    r.dropped_tokens += any ? 0 : 1;
  }
  return r;
}

}  // namespace moe::routing
