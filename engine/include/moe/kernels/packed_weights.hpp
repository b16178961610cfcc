// Expert weights packed once for the register-tiled GEMM (kernels.hpp f32_matmul_packed): each
// matrix w [out, in] becomes panels [ceil(out/8), in, 8]. Pack when the weights are set, not per
// forward; repack after any change to the weights.
#pragma once

#include <cstddef>
#include <vector>

#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

struct PackedMatrix {
  size_t in = 0, out = 0;
  std::vector<float> data;  // [ceil(out/8), in, 8]
};

struct PackedExpert {
  PackedMatrix w1;  // from w1 [f, d]
  PackedMatrix w3;  // from w3 [f, d] (swiglu; empty for mlp)
  PackedMatrix w2;  // from w2 [d, f]
};

// p = the panels of w [out, in].
void pack_matrix(const float* w, size_t in, size_t out, PackedMatrix& p);

// packed[e] = the packed w1, w3, w2 of expert e.   packed [E]
void pack_experts(const LayerWeights& weights, const LayerConfig& config,
                  std::vector<PackedExpert>& packed);

// y = FFN(x) over n rows, as expert_ffn_forward (experts.hpp), from the packed weights. In wasm the
// packed 4×8 kernel beats the dot-product kernel at every n (1 row: ~28 vs ~9 GFLOP/s in Node).
//   x [n, d], hidden [n, f], up [n, f] (swiglu only), y [n, d]
void expert_ffn_forward_packed(const ExpertWeights& w, const PackedExpert& packed,
                               const LayerConfig& config, const float* x, int n, float* hidden,
                               float* up, float* y);

}  // namespace moe
