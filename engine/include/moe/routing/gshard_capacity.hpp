// Top-k routing with a per-group expert capacity in GShard priority order: every token's first
// choice is placed before any token's second choice (top-2 is k = 2).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

struct TopkCapacity : GroupedCapacity {
  int k = 0;
  std::vector<int32_t> topk_ids;            // [T, k]  router's choice (pre-capacity)
  std::vector<float> topk_weights;          // [T, k]  gates before capacity
  std::vector<uint8_t> kept;                // [T, k]  1 = placed within capacity
  std::vector<float> combine_weights;       // [T, k]  topk_weights, or 0 where dropped
  std::vector<int32_t> position_in_expert;  // [T, k]  slot in the expert's group buffer, -1
  int dropped_assignments = 0;              // (token, slot) pairs not placed
  int dropped_tokens = 0;                   // tokens with no slot placed
};

// Per group g (token t = g·S + s):
//   p[t,e] = softmax_e(l[t,e]),  ids[t,0..k) = argtopk_e p[t,e],  w[t,i] = p[t,ids[t,i]]
//   (renormalise: w[t,i] /= Σ_j w[t,j], GShard's g1/(g1+g2), done before capacity)
//   Placement visits (i, s) in the order i = 0..k-1 outer, s = 0..S-1 inner:
//   pos[t,i] = #{ earlier visits that chose expert ids[t,i] },  kept[t,i] = pos[t,i] < C
//   combine[t,i] = kept ? w[t,i] : 0       (no renormalisation after drops)
// GShard's random dispatch of the second expert (with probability 2·g2) is not modelled: the
// routing stays deterministic. logits: [G·S, E]; 1 <= k <= E; capacity >= 0.
TopkCapacity topk_capacity_gshard(std::span<const float> logits, int groups, int tokens_per_group,
                                  int experts, int k, int capacity, bool renormalise);

}  // namespace moe::routing
