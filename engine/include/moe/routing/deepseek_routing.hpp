// DeepSeek-V3 routing: sigmoid affinities, a selection-only correction bias, group-limited top-k
// (conventions D1-D4).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

// topk_ids: descending biased score, ties to the lower index; topk_weights: from the unbiased
// scores (D2).
struct GroupedTopkBias : TopkChoice {
  int n_group = 0;                   // G, experts per group = E / G
  int topk_group = 0;                // groups kept per token
  std::vector<float> scores;         // [T, E]  s = sigmoid(l), the unbiased affinities
  std::vector<float> biased_scores;  // [T, E]  s + b, used only to choose
  std::vector<float> group_scores;   // [T, G]  sum of the top-2 biased scores per group (D1)
  std::vector<uint8_t> group_kept;   // [T, G]  1 = one of the topk_group best groups
};

// DeepseekV3TopkRouter, with n = E / G experts per group:
//   s[t,e]  = sigmoid(l[t,e])                    c[t,e] = s[t,e] + b[e]   (b: correction bias)
//   gs[t,g] = Σ of the 2 largest c[t,e] over e in group g = [g·n, (g+1)·n)             (D1)
//   kept groups = the topk_group largest gs[t,·] (ties to the lower group)
//   c'[t,e] = c[t,e] if e's group is kept, else -inf                                   (D4)
//   ids[t,0..k) = argtopk_e c'[t,e]
//   w[t,i]  = s[t,ids[t,i]]                      (the bias never reaches the weights, D2)
//   w[t,i] /= Σ_j w[t,j] + 1e-20                 (only if norm_topk_prob)
//   w[t,i] *= routed_scaling_factor              (always)
// Deviations, both outside what the reference accepts: a group of one expert scores its single
// expert (their topk(2) would fail), and masked experts get -inf where their code fills 0.0
// (identical picks whenever every biased score is > 0, D4; -inf never picks a masked expert).
// Their top-k order is unspecified (D3); ours is descending and deterministic.
// logits: [T, E]; correction_bias: [E] or empty (= zeros); E % G == 0; 1 <= topk_group <= G;
// 1 <= k <= topk_group · E / G.
GroupedTopkBias sigmoid_grouped_topk_bias(std::span<const float> logits,
                                          std::span<const float> correction_bias, int tokens,
                                          int experts, int k, int n_group, int topk_group,
                                          bool norm_topk_prob, float routed_scaling_factor);

}  // namespace moe::routing
