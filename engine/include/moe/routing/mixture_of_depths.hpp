// Mixture-of-Depths token routing (Raposo et al. 2024): a block runs on only C tokens per
// sequence; the rest skip it through the residual stream.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/routing/result.hpp"

namespace moe::routing {

struct MixtureOfDepths : RoutingResult {
  int sequences = 0;              // B
  int seq_len = 0;                // S
  int capacity = 0;               // C tokens per sequence run the block
  std::vector<int32_t> selected;  // [B, C]  positions that run the block, by score descending
  std::vector<uint8_t> ran;       // [B, S]  1 = runs the block
  std::vector<float> gate;        // [B, S]  r[b,s] where ran, else 0
  float saved_fraction = 0.0f;    // 1 - C/S: block evaluations skipped
};

// Per sequence b with router scores r[b,s] (one scalar per token, x_s · w_r):
//   selected[b,0..C) = argtopk_s r[b,s]     (ties to the lower position)
//   x'[b,s] = x[b,s] + r[b,s] · f(x[b,s])   if s is selected      x'[b,s] = x[b,s] otherwise
// so gate[b,s] = r[b,s] multiplies the block output (the paper's path for router gradients).
// scores: [B, S]; 0 <= capacity <= S.
MixtureOfDepths mixture_of_depths_route(std::span<const float> scores, int sequences, int seq_len,
                                        int capacity);

}  // namespace moe::routing
