// Soft MoE (Puigcerver et al. 2023): every slot is a weighted average of all tokens, every token a
// weighted average of all slot outputs; nothing is dropped and nothing is discrete.
#pragma once

#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

struct SoftMoeWeights : TokensExperts {
  int slots_per_expert = 0;     // p
  int slots = 0;                // S = E·p, slot s belongs to expert s / p
  std::vector<float> dispatch;  // [T, S]  softmax over tokens: each column sums to 1
  std::vector<float> combine;   // [T, S]  softmax over slots: each row sums to 1
};

// With logits l[t,s] = x_t · Φ_s (the token-slot affinities, computed by the caller):
//   D[t,s] = exp(l[t,s]) / Σ_t' exp(l[t',s])        slot input  x̃_s = Σ_t D[t,s] · x_t
//   C[t,s] = exp(l[t,s]) / Σ_s' exp(l[t,s'])        token output y_t = Σ_s C[t,s] · ỹ_s
// logits: [T, E·p].
SoftMoeWeights soft_moe_weights(std::span<const float> logits, int tokens, int experts,
                                int slots_per_expert);

}  // namespace moe::routing
