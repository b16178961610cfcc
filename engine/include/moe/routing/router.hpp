// The routing pipeline: the stages of an MoE router, one function each, in the order a layer runs
// them (llama.cpp build_moe_ffn). Every router kind of the layer (Layer::forward via
// route_tokens), the `moe forward` trace and the trainer's forward call these; a scheme adds only
// its own step. T tokens, d = d_model, E experts, k = top_k, G expert groups, C capacity.
//
//   logits      router_compute_logits                       x · W_gᵀ
//   scores      router_compute_probs | _sigmoid_scores      softmax or sigmoid (SIMD kernels)
//   bias        router_add_selection_bias                   DeepSeek-V3: selection only
//   mask        router_exclude_top_ranks, _mask_selection   DeepSeekMoE's masking analyses
//   selection   router_select_topk | _grouped_topk          top-k, group-limited top-k
//               router_apply_capacity                       Switch / GShard: drop over capacity
//               router_select_expert_choice                 Zhou 2022: experts pick tokens
//   gather      router_gather_weights                       gates = scores of the chosen
//   normalise   router_renormalise, router_scale            Mixtral, DeepSeek-V3
//   load        router_count_load
// Then experts.hpp: dispatch → expert FFNs → combine.
//
// The stages the trainer shares also take double (its finite-difference checks): the double
// overloads run the same template as the float ones.
#pragma once

#include <cstdint>

namespace moe {

// router_logits[t,e] = Σ_i x[t,i] · W_g[e,i]
//   x [T, d], w_gate [E, d], logits [T, E]
void router_compute_logits(const float* x, const float* w_gate, int T, int d, int E, float* logits);

// router_probs[t,e] = exp(logits[t,e]) / Σ_e' exp(logits[t,e'])     (softmax over all E)
//   logits [T, E], probs [T, E]; probs may alias logits. Runs f32_softmax_rows (SIMD).
void router_compute_probs(const float* logits, int T, int E, float* probs);
// The same softmax by its scalar reference (kernels.hpp softmax_rows_reference): the trainer's
// path, in float and double. A training run feeds each step's routing into the next, so the SIMD
// kernel's ~1e-7 differences grow into visibly different runs (the collapse demo's loads moved by
// up to 0.07 after 50 steps); the trainer keeps the reference so the runs a learner saw stay.
void router_compute_probs_reference(const float* logits, int T, int E, float* probs);
void router_compute_probs_reference(const double* logits, int T, int E, double* probs);

// scores[t,e] = σ(logits[t,e]) = 1 / (1 + exp(-logits[t,e]))        (DeepSeek-V3 affinities)
//   logits [T, E], scores [T, E]; scores may alias logits. float: the SIMD exp kernel.
void router_compute_sigmoid_scores(const float* logits, int T, int E, float* scores);
void router_compute_sigmoid_scores(const double* logits, int T, int E, double* scores);

// biased[t,e] = scores[t,e] + bias[e]: a bias that only chooses experts (DeepSeek-V3's
// correction bias, the loss-free balancing bias); the gates still read the unbiased scores.
//   scores [T, E], bias [E], biased [T, E]
void router_add_selection_bias(const float* scores, const float* bias, int T, int E, float* biased);
void router_add_selection_bias(const double* scores, const double* bias, int T, int E,
                               double* biased);

// Selection mask: an expert excluded for a token cannot be chosen by the top-k that follows (the
// gates still read the unmasked scores, so with renormalised gates the token's remaining experts
// share its weight as if the excluded ones did not exist). DeepSeekMoE's analyses: switch one
// expert off, or mask each token's top-1 and let the router re-pick.
//   masked[t,e] = -inf if excluded[t,e] else scores[t,e]
//   scores [T, E], excluded [T, E] (1 = excluded), masked [T, E]; masked may alias scores
void router_mask_selection(const float* scores, const uint8_t* excluded, int T, int E,
                           float* masked);

// excluded[t,e] = 1 for the m largest scores[t,·] of each token (ranked as router_select_topk
// ranks them, ties to the lower expert); other entries are left as they are, so it adds to a
// per-expert mask already in `excluded`.
//   scores [T, E], excluded [T, E], 0 <= m <= E
void router_exclude_top_ranks(const float* scores, int T, int E, int m, uint8_t* excluded);

// topk_ids[t,j] = the expert with the j-th largest probs[t,·], j < k; among equal
// probabilities the lower expert index ranks first (deterministic, checkable by a learner).
//   probs [T, E], topk_ids [T, k], 1 <= k <= E, no NaN
void router_select_topk(const float* probs, int T, int E, int k, int32_t* topk_ids);
void router_select_topk(const double* probs, int T, int E, int k, int32_t* topk_ids);

// Group-limited top-k (DeepSeek-V3, D1/D4): the E experts form G groups of E/G; a group scores
// the sum of its top-2 biased scores (top-1 when a group has one expert); the topk_group best
// groups stay, then top-k over the experts of the kept groups.
//   biased [T, E], topk_ids [T, k], group_scores [T, G], group_kept [T, G] (1 = kept)
void router_select_grouped_topk(const float* biased, int T, int E, int n_group, int topk_group,
                                int k, int32_t* topk_ids, float* group_scores, uint8_t* group_kept);

// Capacity (Switch S1, GShard): per group of S consecutive tokens, expert e takes at most C
// (token, slot) pairs, visited slot-major (every token's first choice before any token's
// second), tokens in order; the rest are dropped.
//   topk_ids [G·S, k], kept [G·S, k] (1 = placed), position [G·S, k] (place in its expert's
//   buffer, -1 if dropped; may be nullptr)
void router_apply_capacity(const int32_t* topk_ids, int groups, int S, int k, int E, int capacity,
                           uint8_t* kept, int32_t* position);

// Expert choice (Zhou 2022): expert e takes the C tokens with the largest probs[·,e], by value
// descending, ties to the lower token.
//   probs [S, E] (one group), expert_tokens [E, C]
void router_select_expert_choice(const float* probs, int S, int E, int C, int32_t* expert_tokens);
void router_select_expert_choice(const double* probs, int S, int E, int C, int32_t* expert_tokens);

// topk_weights[t,j] = probs[t, topk_ids[t,j]]
//   probs [T, E], topk_ids [T, k], topk_weights [T, k]
void router_gather_weights(const float* probs, const int32_t* topk_ids, int T, int E, int k,
                           float* topk_weights);
void router_gather_weights(const double* probs, const int32_t* topk_ids, int T, int E, int k,
                           double* topk_weights);

// topk_weights[t,j] /= Σ_j' topk_weights[t,j'] (+ epsilon)    (in place; Mixtral, norm_topk_prob;
// DeepSeek-V3 adds epsilon = 1e-20)
//   topk_weights [T, k]
void router_renormalise(float* topk_weights, int T, int k);
void router_renormalise(float* topk_weights, int T, int k, float epsilon);
void router_renormalise(double* topk_weights, int T, int k);

// topk_weights[t,j] *= factor    (in place; DeepSeek-V3 routed_scaling_factor)
//   topk_weights [T, k]
void router_scale(float* topk_weights, int T, int k, float factor);

// expert_load[e] = #{(t,j) : topk_ids[t,j] = e}
//   topk_ids [T, k], expert_load [E]
void router_count_load(const int32_t* topk_ids, int T, int k, int E, int32_t* expert_load);

}  // namespace moe
