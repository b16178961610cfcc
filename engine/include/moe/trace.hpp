// The named intermediates of one MoE forward pass, in the order the layer computes them. This is
// what a lesson shows; web/src/engine/types.ts `Trace` mirrors it field by field.
#pragma once

#include <cstdint>
#include <vector>

namespace moe {

struct Trace {
  int tokens = 0;                     // T
  int d_model = 0;                    // d
  int num_experts = 0;                // E
  int top_k = 0;                      // k
  std::vector<float> router_logits;   // [T, E]     x · W_gᵀ
  std::vector<float> router_probs;    // [T, E]     softmax over all E
  std::vector<int32_t> topk_ids;      // [T, k]     descending by probability, ties to lower index
  std::vector<float> topk_weights;    // [T, k]     gates that multiply expert outputs
  std::vector<float> expert_outputs;  // [T, k, d]  output of the expert in slot j, before its gate
  std::vector<float> output;          // [T, d]     Σ_j topk_weights[t,j] · expert_outputs[t,j]
  std::vector<int32_t> expert_load;   // [E]        (token, slot) pairs that chose each expert
  float aux_loss = 0.0f;              // []         load-balancing loss (aux_loss.hpp, M1 form)
};

}  // namespace moe
