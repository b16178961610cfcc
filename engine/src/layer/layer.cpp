#include "moe/layer/layer.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "moe/layer/layer_losses.hpp"
#include "moe/layer/soft_moe_shared_residual.hpp"
#include "moe/routing/route_tokens.hpp"

namespace moe {

Layer::Layer(LayerConfig config, LayerWeights weights)
    : config_(config), weights_(std::move(weights)) {}

namespace {

std::string describe_float(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "Infinity" : "-Infinity";
}

}  // namespace

Result<bool> Layer::set_selection_mask(SelectionMask mask) {
  Result<bool> ok = check_selection_mask(config_, mask);
  if (!ok.ok()) return ok;
  selection_mask_ = std::move(mask);
  return true;
}

Result<const Trace*> Layer::forward(const float* x, size_t n, int64_t T) {
  const LayerConfig& c = config_;
  const int64_t d = c.d_model;
  if (T < 1) return Error{"input.tokens", "must be >= 1, got " + std::to_string(T)};
  if (T > kMaxTokens) {
    return Error{"input.tokens",
                 "must be <= " + std::to_string(kMaxTokens) + ", got " + std::to_string(T)};
  }
  if (x == nullptr || static_cast<int64_t>(n) != T * d) {
    return Error{"input", "expected tokens × d_model = " + std::to_string(T) + " × " +
                              std::to_string(d) + " = " + std::to_string(T * d) + " numbers, got " +
                              std::to_string(n)};
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return Error{"input[" + std::to_string(i / d) + "][" + std::to_string(i % d) + "]",
                   "must be a finite number, got " + describe_float(x[i])};
    }
  }
  const int64_t needed = c.weight_floats() + c.activation_floats(T);
  if (needed > kMaxFloats) {
    return Error{"input.tokens", std::to_string(T) + " tokens need " + std::to_string(needed) +
                                     " floats of weights and activations, above the cap of " +
                                     std::to_string(kMaxFloats) + " (64 Mi floats)"};
  }

  const int t = static_cast<int>(T);
  const int s = c.slots_per_token();
  Trace& tr = trace_;
  tr.tokens = t;
  tr.d_model = c.d_model;
  tr.num_experts = c.num_experts;
  tr.top_k = c.top_k;
  tr.residual_added = false;
  Result<CapacityGroups> groups = capacity_groups(c, t);
  if (!groups.ok()) return groups.error();

  // Routing: logits → the kind's scheme → ids, gates, kept, combine weights, counts.
  Result<bool> routed = route_tokens(c, weights_, x, t, groups.value(), tr, selection_mask_);
  if (!routed.ok()) return routed.error();

  if (c.router_kind == RouterKind::soft_moe) {
    tr.expert_outputs.clear();  // soft MoE: experts see slots, not (token, slot) pairs
    soft_moe_experts(c, weights_, x, t, workspace_, tr);
  } else {
    // Experts on the kept (token, slot) pairs only; a dropped pair gets a zero row. The experts
    // write every kept row, so only the dropped rows are cleared (not the whole [T, s, d] buffer,
    // 1 MB per call on the reference layer).
    tr.expert_outputs.resize(static_cast<size_t>(T * s * d));  // [T, s, d]
    assert(tr.kept.size() == static_cast<size_t>(T * s) && "routing fills kept [T, s]");
    const size_t row = static_cast<size_t>(d);
    for (size_t p = 0; p < tr.kept.size(); ++p) {
      if (!tr.kept[p]) std::fill_n(tr.expert_outputs.data() + p * row, row, 0.0f);
    }
    experts_group_kept(tr.topk_ids.data(), tr.kept.data(), t, s, c.num_experts, dispatch_);
    if (packed_stale_) {
      pack_experts(weights_, c, packed_experts_);
      packed_stale_ = false;
    }
    experts_forward(weights_, c, x, t, dispatch_, workspace_, tr.expert_outputs.data(),
                    packed_experts_.data());
    tr.output.resize(static_cast<size_t>(T * d));  // [T, d]
    moe_combine(tr.combine_weights.data(), tr.expert_outputs.data(), t, s, c.d_model,
                tr.output.data());
    if (c.add_residual) add_residual_for_dropped(x, t, c.d_model, tr);
  }
  shared_expert_add(c, weights_, x, t, workspace_, tr);

  Result<bool> losses = fill_losses_and_stats(c, groups.value(), tr);
  if (!losses.ok()) return losses.error();
  return &trace_;
}

}  // namespace moe
