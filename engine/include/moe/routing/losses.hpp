// Router losses, raw (no coefficient): the router z-loss, Switch Transformers' load-balancing loss
// as their code computes it and in the textbook form, and the Mixtral/Qwen2-MoE loss (M1, M2).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

using LossValue = ValueResult<float>;

// Router z-loss (ST-MoE; convention S6), mean over tokens of the squared log-partition:
//   z = (1/T) Σ_t ( log Σ_e exp(l[t,e]) )²
// logits: [T, E]. Zero logits give (ln E)².
LossValue router_z_loss(std::span<const float> logits, int tokens, int experts);

// Switch Transformers' load-balancing loss exactly as their code computes it (S5): per group g
// of S tokens, with the expert index each token reports,
//   f[g,e] = (1/S) Σ_s [idx[g,s] == e]        P[g,e] = (1/S) Σ_s p[g,s,e]
//   loss   = (1/G) Σ_g  E · Σ_e f[g,e] · P[g,e]
// Fed the returned indices (dropped tokens report 0) it is their model's aux loss; fed the
// pre-capacity argmax it is `aux_loss_with_pre_capacity_indices`. A uniform router gives 1.
// probs: [G·S, E] (token t = g·S + s), expert_index: [G·S] with values in [0, E).
LossValue switch_load_balancing_loss(std::span<const float> probs,
                                     std::span<const int32_t> expert_index, int groups,
                                     int tokens_per_group, int experts);

// The Switch paper's textbook form over the whole batch (no groups), with the router's choices:
//   loss = E · Σ_e f_e · P_e,   f_e = (1/T) Σ_t [idx[t] == e],   P_e = (1/T) Σ_t p[t,e]
// probs: [T, E], expert_index: [T].
LossValue switch_load_balancing_loss_global(std::span<const float> probs,
                                            std::span<const int32_t> expert_index, int tokens,
                                            int experts);

struct LoadBalancingLoss : LossValue {
  std::vector<float> tokens_per_expert;       // [k, E]  f[slot][e], masked tokens left out
  std::vector<float> router_prob_per_expert;  // [E]     P[e], masked tokens left out
};

// Mixtral / Qwen2-MoE load_balancing_loss_func (M1, M2). The per-layer logits are concatenated
// layer-major into N = L·B·S rows (row = l·B·S + b·S + s); probabilities are recomputed with a
// softmax over all E and the top-k taken on them:
//   p[n,e] = softmax_e(l[n,e])      ids[n,0..k) = argtopk_e p[n,e]      m[n] = mask[b,s] ∈ {0,1}
//   f[i,e] = Σ_n m[n]·[ids[n,i] == e] / Σ_n m[n]     (one routing fraction per top-k slot i)
//   P[e]   = Σ_n m[n]·p[n,e] / Σ_n m[n]
//   loss   = E · Σ_i Σ_e f[i,e] · P[e]               (= k × the Switch value; ≈ k when uniform)
// gate_logits: [L·B·S, E]. attention_mask: [B, S] (non-zero = real token), or empty for no
// mask, in which case batch and seq_len are ignored and every row counts.
LoadBalancingLoss mixtral_load_balancing_loss(std::span<const float> gate_logits, int rows,
                                              int experts, int k,
                                              std::span<const uint8_t> attention_mask = {},
                                              int batch = 0, int seq_len = 0);

}  // namespace moe::routing
