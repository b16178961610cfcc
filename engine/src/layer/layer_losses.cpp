#include "moe/layer/layer_losses.hpp"

#include <span>
#include <vector>

#include "moe/layer/aux_loss.hpp"
#include "moe/routing/losses.hpp"
#include "moe/routing/math.hpp"
#include "moe/routing/routing_stats.hpp"

namespace moe {

namespace {

bool routes_per_token(RouterKind k) {
  return k != RouterKind::expert_choice && k != RouterKind::soft_moe;
}

Result<bool> switch_forms(const LayerConfig& c, const CapacityGroups& g, Trace& tr) {
  const int T = tr.tokens, E = c.num_experts, s = tr.slots;
  std::vector<int32_t> first(static_cast<size_t>(T));  // [T]  ids[t, 0]
  for (int t = 0; t < T; ++t)
    first[static_cast<size_t>(t)] = tr.topk_ids[static_cast<size_t>(t) * s];
  const routing::LossValue grouped =
      routing::switch_load_balancing_loss(tr.router_probs, first, g.groups, g.tokens_per_group, E);
  const routing::LossValue global =
      routing::switch_load_balancing_loss_global(tr.router_probs, first, T, E);
  if (!grouped.ok()) return Error{"losses", grouped.error};
  if (!global.ok()) return Error{"losses", global.error};
  tr.losses.aux_loss_switch = grouped.value;
  tr.losses.aux_loss_switch_pre_capacity = grouped.value;
  tr.losses.aux_loss_switch_global = global.value;
  return true;
}

}  // namespace

Result<bool> fill_losses_and_stats(const LayerConfig& c, const CapacityGroups& g, Trace& tr) {
  const int T = tr.tokens, E = c.num_experts, s = tr.slots;
  TraceLosses& L = tr.losses;
  const routing::LossValue z = routing::router_z_loss(tr.router_logits, T, c.router_rows());
  if (!z.ok()) return Error{"losses", z.error};
  L.z_loss = z.value;
  if (routes_per_token(c.router_kind)) {
    // Switch already has them from its scheme (on the returned indices, S5).
    if (c.router_kind != RouterKind::softmax_top1_capacity) {
      if (Result<bool> ok = switch_forms(c, g, tr); !ok.ok()) return ok;
    }
    L.aux_loss_mixtral =
        load_balancing_loss(tr.router_probs.data(), tr.topk_ids.data(), T, E, s, nullptr);
  }
  if (c.router_kind != RouterKind::noisy_topk) {
    std::vector<float> importance(static_cast<size_t>(E), 0.0f);  // [E]  Σ_t combine
    for (size_t i = 0; i < tr.topk_ids.size(); ++i) {
      importance[static_cast<size_t>(tr.topk_ids[i])] += tr.combine_weights[i];
    }
    const std::vector<float> load(tr.counts_before_capacity.begin(),
                                  tr.counts_before_capacity.end());  // [E]
    L.importance_cv2 = static_cast<float>(routing::cv_squared(importance));
    L.load_cv2 = static_cast<float>(routing::cv_squared(load));
  }
  switch (c.router_kind) {
    case RouterKind::softmax_topk:
    case RouterKind::softmax_topk_renorm:
      L.aux_loss = L.aux_loss_mixtral;
      break;
    case RouterKind::softmax_top1_capacity:
    case RouterKind::topk_capacity:
      L.aux_loss = L.aux_loss_switch;
      break;
    case RouterKind::noisy_topk:
      L.aux_loss = L.importance_cv2 + L.load_cv2;
      break;
    case RouterKind::sigmoid_grouped_topk_bias:
      L.aux_loss = L.seq_balance_loss;
      break;
    case RouterKind::expert_choice:
    case RouterKind::soft_moe:
      L.aux_loss = 0.0f;
      break;
  }
  tr.aux_loss = L.aux_loss;

  // Soft MoE: every token reaches every expert (through its slots); router_probs[t,e] is the
  // combine weight summed over e's slots, so the stats use E slots per token, slot j = expert j.
  std::vector<int32_t> every_expert;  // [T, E]  soft_moe only
  if (c.router_kind == RouterKind::soft_moe) {
    every_expert.resize(static_cast<size_t>(T) * E);
    for (size_t i = 0; i < every_expert.size(); ++i) every_expert[i] = static_cast<int32_t>(i % E);
  }
  const bool soft = !every_expert.empty();
  const routing::RoutingStats st = routing::routing_stats(
      tr.router_probs, soft ? every_expert : tr.topk_ids,
      soft ? std::span<const uint8_t>() : std::span<const uint8_t>(tr.kept), T, E, soft ? E : s);
  if (!st.ok()) return Error{"stats", st.error};
  tr.stats.f_i = st.load_fraction;
  tr.stats.P_i = st.mean_prob;
  tr.stats.entropy = st.entropy;
  tr.stats.load_cv = st.load_cv;
  tr.stats.max_over_mean = st.max_over_mean_load;
  tr.stats.dropped_count = 0;
  for (uint8_t d : tr.dropped) tr.stats.dropped_count += d;
  return true;
}

}  // namespace moe
