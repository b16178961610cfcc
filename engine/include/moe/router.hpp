// The router: the first stages of an MoE forward pass, one function per stage, in the order a
// layer runs them (llama.cpp build_moe_ffn). T tokens, d = d_model, E experts, k = top_k.
#pragma once

#include <cstdint>

namespace moe {

// router_logits[t,e] = Σ_i x[t,i] · W_g[e,i]
//   x [T, d], w_gate [E, d], logits [T, E]
void router_compute_logits(const float* x, const float* w_gate, int T, int d, int E, float* logits);

// router_probs[t,e] = exp(logits[t,e]) / Σ_e' exp(logits[t,e'])     (softmax over all E)
//   logits [T, E], probs [T, E]
void router_compute_probs(const float* logits, int T, int E, float* probs);

// topk_ids[t,j] = the expert with the j-th largest probs[t,·], j < k; among equal
// probabilities the lower expert index ranks first (deterministic, checkable by a learner).
//   probs [T, E], topk_ids [T, k]
void router_select_topk(const float* probs, int T, int E, int k, int32_t* topk_ids);

// topk_weights[t,j] = probs[t, topk_ids[t,j]]
//   probs [T, E], topk_ids [T, k], topk_weights [T, k]
void router_gather_weights(const float* probs, const int32_t* topk_ids, int T, int E, int k,
                           float* topk_weights);

// topk_weights[t,j] /= Σ_j' topk_weights[t,j']    (in place; Mixtral, norm_topk_prob)
//   topk_weights [T, k]
void router_renormalise(float* topk_weights, int T, int k);

// expert_load[e] = #{(t,j) : topk_ids[t,j] = e}
//   topk_ids [T, k], expert_load [E]
void router_count_load(const int32_t* topk_ids, int T, int k, int E, int32_t* expert_load);

}  // namespace moe
