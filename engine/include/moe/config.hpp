// Layer configuration: the shape and kind of one MoE feed-forward layer, and its JSON reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "moe/result.hpp"

namespace moe {

enum class RouterKind {
  softmax_topk,         // softmax over all E, top-k; renormalise only if norm_topk_prob (Qwen2-MoE)
  softmax_topk_renorm,  // softmax over all E, top-k, always renormalise (Mixtral)
};
enum class Activation { relu, gelu, silu };
enum class ExpertKind {
  mlp,     // w2 · act(w1 · x)
  swiglu,  // w2 · (silu(w1 · x) ⊙ (w3 · x))
};

std::string_view to_string(RouterKind kind);
std::string_view to_string(Activation act);
std::string_view to_string(ExpertKind kind);

// Size limits. Every dimension is capped so that products of dimensions cannot overflow, and the
// floats a layer needs (weights plus the activations of one forward pass) are capped at
// kMaxFloats = 64 Mi floats (256 MiB): a request above that is rejected before anything is
// allocated, with an error naming the field.
inline constexpr int64_t kMaxDim = 1 << 16;        // d_model, d_ff
inline constexpr int64_t kMaxExperts = 1024;       // num_experts
inline constexpr int64_t kMaxTokens = 1 << 20;     // tokens per forward
inline constexpr int64_t kMaxFloats = 64LL << 20;  // weights + activations

struct LayerConfig {
  int d_model = 0;      // d
  int d_ff = 0;         // hidden width of each expert
  int num_experts = 0;  // E
  int top_k = 0;        // k
  RouterKind router_kind = RouterKind::softmax_topk_renorm;
  bool norm_topk_prob = false;  // only read for softmax_topk
  Activation activation = Activation::silu;
  ExpertKind expert_kind = ExpertKind::swiglu;

  // Whether the k gathered probabilities are divided by their sum.
  bool renormalises() const {
    return router_kind == RouterKind::softmax_topk_renorm || norm_topk_prob;
  }
  // Floats of all weights: router [E,d] plus per expert w1 [d_ff,d], w2 [d,d_ff] (+ w3 [d_ff,d]).
  int64_t weight_floats() const;
  // Floats of the activations of one forward pass over `tokens` tokens (trace plus workspace).
  int64_t activation_floats(int64_t tokens) const;
};

// Reads a config object. `where` prefixes error fields ("config"). Extra keys are ignored, so an
// oracle case's config reads directly: expert_kind strings starting with "swiglu" mean swiglu and
// "dense" means mlp; `norm_topk_prob` defaults to false.
Result<LayerConfig> parse_layer_config(const nlohmann::json& config, const std::string& where);

}  // namespace moe
