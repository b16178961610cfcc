// One MoE feed-forward layer: config, weights, and the buffers of its last forward pass.
#pragma once

#include <cstddef>
#include <cstdint>

#include "moe/kernels/packed_weights.hpp"
#include "moe/layer/experts.hpp"
#include "moe/layer/trace.hpp"
#include "moe/result.hpp"
#include "moe/routing/route_tokens.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe {

class Layer {
 public:
  // `weights` must match `config` (make_layer / parse_case check this).
  Layer(LayerConfig config, LayerWeights weights);

  const LayerConfig& config() const { return config_; }
  const LayerWeights& weights() const { return weights_; }
  LayerWeights& weights() {
    packed_stale_ = true;  // the caller may change them: repack before the next forward
    return weights_;
  }

  // The MoE forward pass over T tokens, x [T, d] row-major (n = T·d floats), s slots per token:
  //   router_logits = x · W_gᵀ                               [T, R]
  //   router_probs, topk_ids, topk_weights, kept, combine    by router kind (layer_route.hpp)
  //   expert_outputs[t,j] = FFN_{topk_ids[t,j]}(x[t]) if kept[t,j], else 0   [T, s, d]
  //   output[t]     = Σ_j combine[t,j] · expert_outputs[t,j]  [T, d]   (soft_moe: slots instead)
  //                   (+ x[t] for dropped tokens with add_residual)
  //                   (+ [sigmoid(w_g · x[t]) ·] shared_expert(x[t]) with shared experts)
  //   losses, stats                                           (layer_losses.hpp)
  // Checks T >= 1, n = T·d, finite inputs and the memory cap first. The returned trace is owned
  // by the layer and valid until the next forward call.
  Result<const Trace*> forward(const float* x, size_t n, int64_t tokens);

  const Trace& trace() const { return trace_; }

  // Experts the router may not choose from now on (route_tokens.hpp SelectionMask; an empty mask
  // lifts it). Checked against the config; on error the previous mask stays.
  Result<bool> set_selection_mask(SelectionMask mask);
  const SelectionMask& selection_mask() const { return selection_mask_; }

 private:
  LayerConfig config_;
  LayerWeights weights_;
  Trace trace_;
  SelectionMask selection_mask_;
  ExpertDispatch dispatch_;
  ExpertWorkspace workspace_;
  std::vector<PackedExpert> packed_experts_;  // [E]  weights_.experts packed for the 4x8 GEMM
  bool packed_stale_ = true;
};

}  // namespace moe
