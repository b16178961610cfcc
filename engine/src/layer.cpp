#include "moe/layer.hpp"

#include <cmath>
#include <string>

#include "moe/aux_loss.hpp"
#include "moe/router.hpp"

namespace moe {

Layer::Layer(LayerConfig config, LayerWeights weights)
    : config_(config), weights_(std::move(weights)) {}

namespace {

std::string describe_float(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "Infinity" : "-Infinity";
}

}  // namespace

Result<const Trace*> Layer::forward(const float* x, size_t n, int64_t T) {
  const LayerConfig& c = config_;
  const int64_t d = c.d_model, E = c.num_experts, k = c.top_k;
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
  Trace& tr = trace_;
  tr.tokens = t;
  tr.d_model = c.d_model;
  tr.num_experts = c.num_experts;
  tr.top_k = c.top_k;
  tr.router_logits.resize(static_cast<size_t>(T * E));       // [T, E]
  tr.router_probs.resize(static_cast<size_t>(T * E));        // [T, E]
  tr.topk_ids.resize(static_cast<size_t>(T * k));            // [T, k]
  tr.topk_weights.resize(static_cast<size_t>(T * k));        // [T, k]
  tr.expert_outputs.resize(static_cast<size_t>(T * k * d));  // [T, k, d]
  tr.output.resize(static_cast<size_t>(T * d));              // [T, d]
  tr.expert_load.resize(static_cast<size_t>(E));             // [E]

  router_compute_logits(x, weights_.router.data(), t, c.d_model, c.num_experts,
                        tr.router_logits.data());
  router_compute_probs(tr.router_logits.data(), t, c.num_experts, tr.router_probs.data());
  router_select_topk(tr.router_probs.data(), t, c.num_experts, c.top_k, tr.topk_ids.data());
  router_gather_weights(tr.router_probs.data(), tr.topk_ids.data(), t, c.num_experts, c.top_k,
                        tr.topk_weights.data());
  if (c.renormalises()) router_renormalise(tr.topk_weights.data(), t, c.top_k);
  router_count_load(tr.topk_ids.data(), t, c.top_k, c.num_experts, tr.expert_load.data());

  experts_group_tokens(tr.topk_ids.data(), t, c.top_k, c.num_experts, dispatch_);
  experts_forward(weights_, c, x, t, dispatch_, workspace_, tr.expert_outputs.data());
  moe_combine(tr.topk_weights.data(), tr.expert_outputs.data(), t, c.top_k, c.d_model,
              tr.output.data());

  tr.aux_loss = load_balancing_loss(tr.router_probs.data(), tr.topk_ids.data(), t, c.num_experts,
                                    c.top_k, nullptr);
  return &trace_;
}

}  // namespace moe
