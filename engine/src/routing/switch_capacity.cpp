#include "moe/routing/switch_capacity.hpp"

#include <algorithm>
#include <cmath>

#include "moe/routing/losses.hpp"
#include "moe/routing/router.hpp"
#include "routing/result_stage.hpp"

namespace moe::routing {

using namespace detail;

ExpertCapacity expert_capacity(double capacity_factor, int tokens_per_group, int num_experts,
                               CapacityRounding rounding) {
  ExpertCapacity r;
  r.error = first_error({check_range("tokens_per_group", tokens_per_group, 1, kMaxRows),
                         check_range("num_experts", num_experts, 1, kMaxCols)});
  if (r.ok() && !(std::isfinite(capacity_factor) && capacity_factor >= 0.0)) {
    r.error =
        "capacity_factor: must be a finite number >= 0, got " + std::to_string(capacity_factor);
  }
  if (!r.ok()) return r;
  double x = capacity_factor * tokens_per_group / num_experts;
  x = std::min(x, static_cast<double>(tokens_per_group));
  if (std::fabs(x - std::round(x)) < 1e-9) x = std::round(x);
  switch (rounding) {
    case CapacityRounding::floor:
      r.value = static_cast<int>(std::floor(x));
      break;
    case CapacityRounding::ceil:
      r.value = static_cast<int>(std::ceil(x));
      break;
    case CapacityRounding::nearest:
      r.value = static_cast<int>(std::round(x));
      break;
  }
  return r;
}

SwitchTop1Capacity softmax_top1_capacity(std::span<const float> logits, int groups,
                                         int tokens_per_group, int experts, int capacity) {
  SwitchTop1Capacity r;
  const int64_t tokens = int64_t{groups} * tokens_per_group;
  if (!validate_into(
          r,
          {check_range("groups", groups, 1, kMaxRows),
           check_range("tokens_per_group", tokens_per_group, 1, kMaxRows),
           check_matrix("logits", logits, "groups·tokens_per_group", tokens, "experts", experts),
           check_range("capacity", capacity, 0, tokens_per_group)},
          {{"logits", logits}})) {
    return r;
  }
  set_shape(r, groups, tokens_per_group, experts, capacity);
  r.probs.resize(tokens * experts);        // [T, E]
  r.expert_index.resize(tokens);           // [T]
  r.gate.resize(tokens);                   // [T]
  r.dropped.resize(tokens);                // [T]
  r.expert_index_returned.resize(tokens);  // [T]
  r.combine_weight.resize(tokens);         // [T]
  r.position_in_expert.resize(tokens);     // [T]

  const int T = static_cast<int>(tokens);
  std::vector<uint8_t> kept(tokens);  // [T]
  router_compute_probs(logits.data(), T, experts, r.probs.data());
  router_select_topk(r.probs.data(), T, experts, 1, r.expert_index.data());
  router_gather_weights(r.probs.data(), r.expert_index.data(), T, experts, 1, r.gate.data());
  router_apply_capacity(r.expert_index.data(), groups, tokens_per_group, 1, experts, capacity,
                        kept.data(), r.position_in_expert.data());
  for (int64_t t = 0; t < tokens; ++t) {
    const int32_t e = r.expert_index[t];
    const bool drop = !kept[t];
    r.counts_before_capacity[e] += 1;
    r.dropped[t] = drop ? 1 : 0;
    r.expert_index_returned[t] = drop ? 0 : e;
    r.combine_weight[t] = drop ? 0.0f : r.gate[t];
    r.dropped_count += drop ? 1 : 0;
    r.counts_after_capacity[e] += drop ? 0 : 1;
  }
  r.z_loss = router_z_loss(logits, T, experts).value;
  r.aux_loss = switch_load_balancing_loss(r.probs, r.expert_index_returned, groups,
                                          tokens_per_group, experts)
                   .value;
  r.aux_loss_pre_capacity =
      switch_load_balancing_loss(r.probs, r.expert_index, groups, tokens_per_group, experts).value;
  r.aux_loss_global = switch_load_balancing_loss_global(r.probs, r.expert_index, T, experts).value;
  return r;
}

}  // namespace moe::routing
