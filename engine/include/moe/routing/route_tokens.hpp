// The routing stage of the layer for every router kind: logits → the kind's scheme from
// moe::routing → the per-slot arrays the expert stage consumes (ids, gates, kept, combine).
// T tokens, d = d_model, E experts, k = top_k, s = slots per token, R = router rows.
#pragma once

#include <cstdint>
#include <vector>

#include "moe/layer/trace.hpp"
#include "moe/result.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

// Capacity groups: T = G·S. From config num_groups / tokens_per_group (or input_shape [B,S,d]),
// else one group of all T tokens.
struct CapacityGroups {
  int groups = 1;            // G
  int tokens_per_group = 1;  // S
};
Result<CapacityGroups> capacity_groups(const LayerConfig& c, int tokens);

// Experts the selection may not choose (router.hpp router_mask_selection), for the masking
// analyses of DeepSeekMoE; only the softmax top-k kinds take one. Empty = no mask.
//   excluded[t,e] = experts_off[e] or (e is among token t's top_ranks_off largest probabilities)
struct SelectionMask {
  std::vector<uint8_t> experts_off;  // [E] 1 = off for every token, or empty
  int top_ranks_off = 0;             // m: each token's m first choices are excluded

  bool active() const;
  // The most experts one token can lose: m plus the experts switched off.
  int max_excluded() const;
};

// `mask` checked against the layer: experts_off empty or of size E, 0 <= m, at least k experts
// left for every token (m + #off <= E - k), router kind softmax_topk or softmax_topk_renorm.
// Errors name `selection_mask.<field>`.
Result<bool> check_selection_mask(const LayerConfig& c, const SelectionMask& mask);

// Tokens each expert takes per group: config expert_capacity if given, else
//   softmax_top1_capacity:  C = floor(capacity_factor · S / E)        (Switch, S1)
//   topk_capacity:          C = floor(capacity_factor · k · S / E)    (GShard: k·S/E fair share)
//   expert_choice:          C = round(capacity_factor · S / E)        (Zhou 2022: n·c/e)
Result<int> capacity_per_group(const LayerConfig& c, const CapacityGroups& g);

// The routing stage, filling tr.router_logits .. tr.counts_after_capacity (and the kind's own
// losses in tr.losses):
//   logits[t,r] = Σ_i x[t,i] · W_g[r,i] (+ router_bias[r])                  [T, R]
//   then, by kind (formulas in the moe::routing header named):
//     softmax_topk(_renorm)      softmax_topk.hpp       kept = 1; `mask` applied before top-k
//     noisy_topk                 noisy_topk.hpp         noise only when config.train_mode
//     softmax_top1_capacity      switch_capacity.hpp    kept = !dropped
//     topk_capacity              gshard_capacity.hpp    slot-major placement
//     sigmoid_grouped_topk_bias  deepseek_routing.hpp   kept = 1
//     expert_choice              expert_choice.hpp      s = E, ids[t,j] = j, kept = assigned
//     soft_moe                   soft_moe.hpp           s = E·p, ids[t,s] = s / p, gates = C
//   counts_before[e] = #{(t,j) : ids[t,j] = e}     counts_after[e] = the same over kept pairs
//   dropped[t] = 1 if no slot of t is kept
//   x [T, d]; g = capacity_groups(c, T), computed once by Layer::forward
Result<bool> route_tokens(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                          const CapacityGroups& g, Trace& tr, const SelectionMask& mask = {});

}  // namespace moe
