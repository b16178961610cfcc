#include "moe/kernels/packed_weights.hpp"

#include "moe/kernels/kernels.hpp"
#include "moe/layer/experts.hpp"

namespace moe {

void pack_matrix(const float* w, size_t in, size_t out, PackedMatrix& p) {
  p.in = in;
  p.out = out;
  p.data.resize(f32_pack_nt_size(in, out));
  f32_pack_nt(w, p.data.data(), in, out);
}

void pack_experts(const LayerWeights& weights, const LayerConfig& c,
                  std::vector<PackedExpert>& packed) {
  const size_t d = static_cast<size_t>(c.d_model), f = static_cast<size_t>(c.d_ff);
  packed.resize(weights.experts.size());
  for (size_t e = 0; e < weights.experts.size(); ++e) {
    const ExpertWeights& w = weights.experts[e];
    pack_matrix(w.w1.data(), d, f, packed[e].w1);
    if (!w.w3.empty()) {
      pack_matrix(w.w3.data(), d, f, packed[e].w3);
    } else {
      packed[e].w3 = PackedMatrix{};
    }
    pack_matrix(w.w2.data(), f, d, packed[e].w2);
  }
}

void expert_ffn_forward_packed(const ExpertWeights& w, const PackedExpert& p, const LayerConfig& c,
                               const float* x, int n, float* hidden, float* up, float* y) {
  (void)w;  // the torch-layout weights are not read: the packed kernel wins at every n in wasm
  const size_t rows = static_cast<size_t>(n), d = static_cast<size_t>(c.d_model),
               f = static_cast<size_t>(c.d_ff);
  // hidden = x · w1ᵀ [n, f], and for SwiGLU up = x · w3ᵀ [n, f] from the same arranged rows
  const PackedProduct products[] = {{p.w1.data.data(), hidden, f}, {p.w3.data.data(), up, f}};
  const bool swiglu = c.expert_kind == ExpertKind::swiglu;
  f32_matmul_packed_many(x, rows, d, std::span(products, swiglu ? 2 : 1));
  expert_activation(c, hidden, up, rows * f);
  f32_matmul_packed(hidden, p.w2.data.data(), y, rows, f, d);  // y = hidden · w2ᵀ   [n, d]
}

}  // namespace moe
