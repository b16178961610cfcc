// Softmax top-k selection (Mixtral, Qwen2-MoE): the reference every other scheme is compared to.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moe::routing {

struct SoftmaxTopk {
  std::string error;  // "" on success, else `field: reason` and the arrays are empty
  int tokens = 0;     // T
  int experts = 0;    // E
  int k = 0;
  std::vector<float> probs;         // [T, E]  softmax over all experts
  std::vector<int32_t> topk_ids;    // [T, k]  descending probability, ties to the lower expert
  std::vector<float> topk_weights;  // [T, k]  paired with topk_ids by position
  bool ok() const { return error.empty(); }
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
