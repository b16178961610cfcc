// Softmax top-k selection (Mixtral, Qwen2-MoE): the reference every other scheme is compared to.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

// topk_ids: descending probability, ties to the lower expert.
struct SoftmaxTopk : TopkChoice {
  std::vector<float> probs;  // [T, E]  softmax over all experts
};

// Softmax over all E logits, then the k largest (convention M3):
//   p[t,e]        = exp(l[t,e]) / Σ_j exp(l[t,j])
//   ids[t,0..k)   = argtopk_e p[t,e]
//   w[t,i]        = p[t,ids[t,i]]                         (renormalise = false: Qwen2-MoE, Q1)
//   w[t,i]        = p[t,ids[t,i]] / Σ_j p[t,ids[t,j]]     (renormalise = true: Mixtral)
// The renormalised weights equal softmax over the k selected logits.
// logits: [T, E] row-major, 1 <= k <= E.
SoftmaxTopk softmax_topk(std::span<const float> logits, int tokens, int experts, int k,
                         bool renormalise);

}  // namespace moe::routing
