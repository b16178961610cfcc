// The Mixture-of-Depths token router (Raposo et al. 2024) as a small op of its own: a scalar
// router weight scores every token, and only the C best tokens of each sequence run the block.
// B sequences of S tokens, d = d_model, C = capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "moe/result.hpp"

namespace moe {

struct ModRoute {
  int sequences = 0;              // B
  int seq_len = 0;                // S
  int capacity = 0;               // C
  std::vector<float> scores;      // [B, S]  r[b,s] = x[b,s,·] · w_r
  std::vector<int32_t> selected;  // [B, C]  positions that run the block, by score descending
  std::vector<uint8_t> ran;       // [B, S]  1 = runs the block
  std::vector<float> gate;        // [B, S]  r[b,s] where ran, else 0
  float saved_fraction = 0.0f;    // 1 - C/S
};

//   r[b,s] = Σ_i x[b,s,i] · w_r[i]
//   selected[b,0..C) = argtopk_s r[b,s]  (ties to the lower position)   (mixture_of_depths.hpp)
//   x'[b,s] = x[b,s] + r[b,s] · block(x[b,s]) if selected, else x[b,s]
// x [B, S, d] (n = B·S·d floats), router_weight [d] (m = d floats), 0 <= capacity <= S. Errors
// name `input`, `router_weight` or `capacity`.
Result<ModRoute> mod_route(const float* x, size_t n, int sequences, int seq_len, int d_model,
                           const float* router_weight, size_t m, int capacity);

}  // namespace moe
