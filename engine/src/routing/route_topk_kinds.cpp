// Router kinds without capacity: softmax top-k (Mixtral, Qwen2-MoE), noisy top-k (Shazeer 2017)
// and DeepSeek-V3's sigmoid grouped top-k with a correction bias. All keep every slot.
#include <span>
#include <vector>

#include "moe/routing/deepseek_balance.hpp"
#include "moe/routing/deepseek_routing.hpp"
#include "moe/routing/noisy_topk.hpp"
#include "moe/routing/router.hpp"
#include "routing/route_kinds.hpp"

namespace moe::detail {

// The pipeline as it stands in router.hpp (route_tokens checked the logits are finite; the
// layer checked the mask with check_selection_mask).
Result<bool> route_softmax_topk(const LayerConfig& c, int T, const SelectionMask& mask, Trace& tr) {
  const int E = c.num_experts, k = c.top_k;
  router_compute_probs(tr.router_logits.data(), T, E, tr.router_probs.data());  // [T, E]
  const float* selection = tr.router_probs.data();                              // [T, E]
  std::vector<float> masked;                                                    // [T, E]
  if (mask.active()) {
    std::vector<uint8_t> excluded(static_cast<size_t>(T) * E, 0);  // [T, E]
    for (size_t i = 0; i < excluded.size() && !mask.experts_off.empty(); ++i)
      excluded[i] = mask.experts_off[i % E];
    router_exclude_top_ranks(tr.router_probs.data(), T, E, mask.top_ranks_off, excluded.data());
    masked.resize(excluded.size());
    router_mask_selection(tr.router_probs.data(), excluded.data(), T, E, masked.data());
    selection = masked.data();
  }
  router_select_topk(selection, T, E, k, tr.topk_ids.data());  // [T, k]
  router_gather_weights(tr.router_probs.data(), tr.topk_ids.data(), T, E, k,
                        tr.topk_weights.data());  // [T, k]
  if (c.renormalises()) router_renormalise(tr.topk_weights.data(), T, k);
  tr.combine_weights = tr.topk_weights;
  return true;
}

Result<bool> route_noisy_topk(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                              Trace& tr) {
  const int E = c.num_experts;
  std::vector<float> noise_logits;  // [T, E]  x · W_noiseᵀ, train mode only
  if (c.train_mode) {
    if (w.noise.empty()) return Error{"weights.noise", "missing (noisy_topk in train mode)"};
    noise_logits.resize(static_cast<size_t>(T) * E);
    router_compute_logits(x, w.noise.data(), T, c.d_model, E, noise_logits.data());
  }
  const routing::NoisyTopk r = routing::noisy_topk(tr.router_logits, noise_logits, T, E, c.top_k,
                                                   c.train_mode, c.noise_seed);
  if (!r.ok()) return Error{"router", r.error};
  tr.noisy_logits = r.noisy_logits;                                           // [T, E]
  router_compute_probs(r.noisy_logits.data(), T, E, tr.router_probs.data());  // softmax_e(H)
  tr.topk_ids = r.topk_ids;
  tr.topk_weights = r.topk_weights;
  tr.combine_weights = r.topk_weights;
  tr.losses.importance_cv2 = r.importance_loss;
  tr.losses.load_cv2 = r.load_loss;
  return true;
}

Result<bool> route_sigmoid_grouped(const LayerConfig& c, const LayerWeights& w, int T,
                                   const CapacityGroups& g, Trace& tr) {
  const int E = c.num_experts, k = c.top_k;
  const routing::GroupedTopkBias r =
      routing::sigmoid_grouped_topk_bias(tr.router_logits, w.correction_bias, T, E, k, c.n_group,
                                         c.topk_group, c.norm_topk_prob, c.routed_scaling_factor);
  if (!r.ok()) return Error{"router", r.error};
  tr.router_probs = r.scores;  // [T, E]  sigmoid affinities (not a distribution)
  tr.topk_ids = r.topk_ids;
  tr.topk_weights = r.topk_weights;
  tr.combine_weights = r.topk_weights;
  // Sequences for the sequence-wise loss: the capacity groups (input_shape [B, S, d]).
  const routing::SequenceBalanceLoss seq = routing::deepseek_sequence_balance_loss(
      r.scores, r.topk_ids, g.groups, g.tokens_per_group, E, k);
  if (!seq.ok()) return Error{"router", seq.error};
  tr.losses.seq_balance_loss = seq.value;
  return true;
}

}  // namespace moe::detail
