// Internal: one routing function per router kind, called by route_tokens (layer_route.hpp) after
// it computed tr.router_logits [T, R] and sized every per-slot array. Each fills router_probs,
// topk_ids, topk_weights, kept, combine_weights (and its kind's extras) or returns the error.
#pragma once

#include "moe/layer/trace.hpp"
#include "moe/result.hpp"
#include "moe/routing/route_tokens.hpp"
#include "moe/spec/config.hpp"
#include "moe/spec/weights.hpp"

namespace moe::detail {

Result<bool> route_softmax_topk(const LayerConfig& c, int T, const SelectionMask& mask, Trace& tr);
Result<bool> route_noisy_topk(const LayerConfig& c, const LayerWeights& w, const float* x, int T,
                              Trace& tr);
Result<bool> route_sigmoid_grouped(const LayerConfig& c, const LayerWeights& w, int T,
                                   const CapacityGroups& g, Trace& tr);
Result<bool> route_switch(const LayerConfig& c, const CapacityGroups& g, Trace& tr);
Result<bool> route_gshard(const LayerConfig& c, const CapacityGroups& g, Trace& tr);
Result<bool> route_expert_choice(const LayerConfig& c, const CapacityGroups& g, Trace& tr);
Result<bool> route_soft_moe(const LayerConfig& c, int T, Trace& tr);

}  // namespace moe::detail
