// Expert-choice routing (Zhou et al. 2022): experts pick tokens instead of tokens picking experts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

using ExpertChoiceCapacity = ValueResult<int>;

// C = round(capacity_factor · T / E), half away from zero, clamped to [0, T]; the paper's
// k = n·c/e with n tokens, capacity factor c (= average experts per token) and e experts. A value
// within 1e-9 of an integer is taken as that integer, so 1.0·8/4 = 2 exactly.
ExpertChoiceCapacity expert_choice_capacity(double capacity_factor, int tokens, int experts);

struct ExpertChoice : TokensExperts {
  int capacity = 0;                        // C tokens per expert
  std::vector<float> probs;                // [T, E]  softmax over experts per token
  std::vector<int32_t> expert_tokens;      // [E, C]  tokens each expert took, by score desc.
  std::vector<float> expert_gates;         // [E, C]  probs[token, e] of those tokens
  std::vector<uint8_t> assigned;           // [T, E]  1 = expert e took token t
  std::vector<float> combine_weights;      // [T, E]  probs where assigned, else 0
  std::vector<int32_t> experts_per_token;  // [T]
  float fraction_unrouted = 0.0f;          // tokens no expert took / T
};

// Expert choice over one group of T tokens:
//   p[t,e] = softmax_e(l[t,e])                     (token-wise softmax, as in the paper)
//   tokens[e,0..C) = argtopk_t p[t,e]              (each column's C best, ties to the lower t)
//   gate[e,j] = p[tokens[e,j], e]        n[t] = #{ e : t ∈ tokens[e,·] }
//   fraction_unrouted = #{ t : n[t] = 0 } / T
// Every expert takes exactly C tokens; a token may get 0..E experts.
// logits: [T, E]; 0 <= capacity <= T.
ExpertChoice expert_choice(std::span<const float> logits, int tokens, int experts, int capacity);

}  // namespace moe::routing
