// Causal grouped-query self-attention of one sequence, after the q/k/v projections and RoPE.
// T new queries at positions pos0 .. pos0+T-1 attend to the S = pos0 + T keys and values at
// positions 0 .. S-1 (the cached ones and their own); H query heads share KV kv heads in
// contiguous groups, head h reading kv head g(h) = h / (H / KV):
//   score[h,t,s] = Σ_i q[t,h,i] · k[s,g(h),i] / sqrt(hd)          for s <= pos0 + t
//   p[h,t,:]     = softmax_s(score[h,t,:])                       (float32)
//   out[t,h,i]   = Σ_s p[h,t,s] · v[s,g(h),i]
//   q [T, H, hd], k [S, KV, hd], v [S, KV, hd], out [T, H, hd]
#pragma once

#include <vector>

namespace moe::lm {

struct AttentionShape {
  int T = 0;     // new queries
  int pos0 = 0;  // position of the first query; S = pos0 + T keys
  int H = 0;     // query heads
  int KV = 0;    // kv heads, H % KV == 0
  int hd = 0;    // head_dim
};

void attention_forward__scalar(const float* q, const float* k, const float* v, float* out,
                               const AttentionShape& shape);

// Scratch of the fast path, grown on demand and reused across calls.
struct AttentionWorkspace {
  std::vector<float> k_group;    // [S, hd]                 one kv head's keys
  std::vector<float> k_packed;   // [ceil(S/8), hd, 8]      those keys packed (f32_pack_nt)
  std::vector<float> v_packed;   // [ceil(hd/8), S, 8]      its values packed (f32_pack_nn)
  std::vector<float> q_block;    // [rows, hd]              a block of one query head's rows, scaled
  std::vector<float> scores;     // [rows, S]               scores, then probabilities
  std::vector<float> out_block;  // [rows, hd]
};

// The same with the engine's packed matmul and softmax kernels (kernels.hpp), per kv head and
// per block of query rows: a block reads only the keys its last row can see, so the masked
// upper triangle is mostly skipped rather than computed and zeroed.
void attention_forward(const float* q, const float* k, const float* v, float* out,
                       const AttentionShape& shape, AttentionWorkspace& ws);

}  // namespace moe::lm
