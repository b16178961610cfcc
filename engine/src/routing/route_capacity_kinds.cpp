// Router kinds with an expert capacity per group (Switch top-1, GShard top-k, expert choice) and
// soft MoE, whose "slots" are fixed per expert.
#include "moe/routing/expert_choice.hpp"
#include "moe/routing/gshard_capacity.hpp"
#include "moe/routing/soft_moe.hpp"
#include "moe/routing/switch_capacity.hpp"
#include "routing/route_kinds.hpp"

namespace moe::detail {

Result<bool> route_switch(const LayerConfig& c, const CapacityGroups& g, Trace& tr) {
  Result<int> C = capacity_per_group(c, g);
  if (!C.ok()) return C.error();
  tr.capacity = C.value();
  const routing::SwitchTop1Capacity r = routing::softmax_top1_capacity(
      tr.router_logits, g.groups, g.tokens_per_group, c.num_experts, tr.capacity);
  if (!r.ok()) return Error{"router", r.error};
  tr.router_probs = r.probs;     // [T, E]
  tr.topk_ids = r.expert_index;  // [T, 1]  pre-capacity choice (S3)
  tr.topk_weights = r.gate;      // [T, 1]  raw top-1 probability (S4)
  tr.combine_weights = r.combine_weight;
  for (size_t t = 0; t < r.dropped.size(); ++t) tr.kept[t] = r.dropped[t] ? 0 : 1;
  tr.expert_index_returned = r.expert_index_returned;  // [T]
  tr.losses.aux_loss_switch = r.aux_loss;
  tr.losses.aux_loss_switch_pre_capacity = r.aux_loss_pre_capacity;
  tr.losses.aux_loss_switch_global = r.aux_loss_global;
  return true;
}

Result<bool> route_gshard(const LayerConfig& c, const CapacityGroups& g, Trace& tr) {
  Result<int> C = capacity_per_group(c, g);
  if (!C.ok()) return C.error();
  tr.capacity = C.value();
  const routing::TopkCapacity r =
      routing::topk_capacity_gshard(tr.router_logits, g.groups, g.tokens_per_group, c.num_experts,
                                    c.top_k, tr.capacity, /*renormalise=*/true);
  if (!r.ok()) return Error{"router", r.error};
  tr.router_probs = r.probs;
  tr.topk_ids = r.topk_ids;
  tr.topk_weights = r.topk_weights;
  tr.kept = r.kept;
  tr.combine_weights = r.combine_weights;
  return true;
}

Result<bool> route_expert_choice(const LayerConfig& c, const CapacityGroups& g, Trace& tr) {
  Result<int> C = capacity_per_group(c, g);
  if (!C.ok()) return C.error();
  tr.capacity = C.value();
  const int E = c.num_experts, S = g.tokens_per_group;
  const size_t rows = static_cast<size_t>(S) * E;  // one group's [S, E]
  double unrouted = 0.0;
  for (int grp = 0; grp < g.groups; ++grp) {
    const size_t base = static_cast<size_t>(grp) * rows;
    const std::span<const float> logits(tr.router_logits.data() + base, rows);
    const routing::ExpertChoice r = routing::expert_choice(logits, S, E, tr.capacity);
    if (!r.ok()) return Error{"router", r.error};
    for (size_t i = 0; i < rows; ++i) {  // slot j of a token is expert j
      tr.router_probs[base + i] = r.probs[i];
      tr.topk_ids[base + i] = static_cast<int32_t>(i % E);
      tr.topk_weights[base + i] = r.probs[i];
      tr.kept[base + i] = r.assigned[i];
      tr.combine_weights[base + i] = r.combine_weights[i];
    }
    unrouted += static_cast<double>(r.fraction_unrouted) * S;
  }
  tr.fraction_unrouted = static_cast<float>(unrouted / (static_cast<double>(g.groups) * S));
  return true;
}

Result<bool> route_soft_moe(const LayerConfig& c, int T, Trace& tr) {
  const int E = c.num_experts, p = c.slots_per_expert, S = E * p;
  const routing::SoftMoeWeights r = routing::soft_moe_weights(tr.router_logits, T, E, p);
  if (!r.ok()) return Error{"router", r.error};
  tr.dispatch_weights = r.dispatch;  // [T, S]
  tr.combine_weights = r.combine;    // [T, S]
  tr.topk_weights = r.combine;       // [T, S]
  for (int t = 0; t < T; ++t) {
    for (int s = 0; s < S; ++s) {
      const size_t ts = static_cast<size_t>(t) * S + s;
      tr.topk_ids[ts] = s / p;                                               // the expert of slot s
      tr.router_probs[static_cast<size_t>(t) * E + s / p] += r.combine[ts];  // Σ over its slots
    }
  }
  return true;
}

}  // namespace moe::detail
