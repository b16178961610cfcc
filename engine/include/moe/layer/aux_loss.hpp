// The load-balancing (auxiliary) loss of Mixtral / Qwen2-MoE, as huggingface/transformers
// computes it (load_balancing_loss_func), with N tokens, E experts, k slots:
//
//   f[j,e] = (1/N') Σ_t m_t · [topk_ids[t,j] = e]     fraction of tokens whose slot j picked e
//   P[e]   = (1/N') Σ_t m_t · probs[t,e]              mean router probability of e
//   L      = E · Σ_j Σ_e f[j,e] · P[e]
//
// m_t is the attention mask (1 = real token; all ones without a mask) and N' = Σ_t m_t. The
// fraction is per slot, so a uniform router gives L ≈ k (k × the Switch-style value; equal for
// k = 1). Several layers are handled by concatenating their tokens (layer-major). With no token
// kept (N' = 0) the loss is 0.
#pragma once

#include <cstdint>

namespace moe {

//   probs [N, E], topk_ids [N, k], mask [N] or nullptr
float load_balancing_loss(const float* probs, const int32_t* topk_ids, int N, int E, int k,
                          const uint8_t* mask);

}  // namespace moe
