// The sparse MoE block of one decoder layer (Mixtral's block_sparse_moe, or the "moe_tutor"
// DeepSeek-style block), run by the engine's own MoE layer: moe::Layer with the config's router
// kind and SwiGLU experts, i.e. the same routing stages and expert kernels the layer lessons use,
// configured by train::layer_config so it computes what the trainer's block computes.
// N rows, d hidden, E experts, k top-k; Mixtral's router:
//   router_logits = x · W_gateᵀ                                     [N, E]
//   router_probs  = softmax over all E                              [N, E]
//   topk_ids      = top-k of router_probs (descending, ties to the lower id)   [N, k]
//   topk_weights  = router_probs[topk_ids] / Σ of those k           [N, k]
//   output[t]     = Σ_j topk_weights[t,j] · w2_e (silu(w1_e x[t]) ⊙ w3_e x[t]),  e = topk_ids[t,j]
// softmax_topk keeps the raw probabilities; sigmoid_grouped_topk_bias scores σ(logits), selects
// the top-k of σ + e_score_correction_bias and renormalises the chosen σ. With shared experts,
//   output[t]    += w2_s (silu(w1_s x[t]) ⊙ w3_s x[t])                  (DeepSeek-V3, gate 1)
// Every call into the routing and expert code lives in moe_block.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "moe/layer/layer.hpp"
#include "moe/lm/lm_config.hpp"
#include "moe/result.hpp"
#include "moe/spec/weights.hpp"

namespace moe::lm {

// What one call returns; the caller owns the buffers (resized here).
struct MoeBlockOutput {
  std::vector<float> router_logits;  // [N, E]
  std::vector<float> router_probs;   // [N, E]
  std::vector<int32_t> topk_ids;     // [N, k]
  std::vector<float> topk_weights;   // [N, k]  gates (renormalised for Mixtral)
  std::vector<float> output;         // [N, d]
};

class MoeBlock {
 public:
  // `weights` in HF layout: router = gate [E, d], experts[j].w1, w3 [f, d], w2 [d, f].
  MoeBlock(const LmConfig& config, LayerWeights weights);

  // x [N, d] → out; an Error only for input the layer refuses (non-finite values, memory cap).
  Result<bool> forward(const float* x, int N, MoeBlockOutput& out);

  // Experts the router may not choose (DeepSeekMoE's masking analyses; route_tokens.hpp
  // SelectionMask): the layer's selection stage excludes them before top-k. Empty = none.
  Result<bool> set_selection_mask(SelectionMask mask);

  const LayerWeights& weights() const { return layer_.weights(); }
  const Layer& layer() const { return layer_; }

 private:
  Layer layer_;
};

// transformers' load_balancing_loss_func over all layers, no mask: the layers' rows are pooled
// (concatenated to [L·N, E]) before the fractions and mean probabilities are taken,
//   aux = E · Σ_j Σ_e f[j,e] · P[e]   (aux_loss.hpp; a uniform router gives ≈ k)
//   probs[l] [N, E], topk_ids[l] [N, k]
float moe_aux_loss_pooled(const std::vector<std::span<const float>>& probs,
                          const std::vector<std::span<const int32_t>>& topk_ids, int E, int k);

}  // namespace moe::lm
