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
  noisy_topk,           // Shazeer 2017: learned noise (train mode), top-k, softmax of the kept
  softmax_top1_capacity,      // Switch: top-1, raw prob as gate, capacity per group (S1-S6)
  topk_capacity,              // GShard: top-k, renormalised, capacity per group, slot-major order
  sigmoid_grouped_topk_bias,  // DeepSeek-V3: sigmoid, bias for selection, group-limited (D1-D5)
  expert_choice,              // Zhou 2022: each expert takes its C best tokens
  soft_moe,                   // Puigcerver 2023: slots are soft mixtures of all tokens
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

  // Router options (router_config.cpp; engine/README.md says which kind reads which).
  bool train_mode = false;             // mode: "train" turns noisy_topk's noise on
  uint64_t noise_seed = 0;             // noisy_topk: seed of the standard normals
  double capacity_factor = 0.0;        // capacity kinds; 0 = not given
  int expert_capacity = -1;            // tokens per expert and group; -1 = from capacity_factor
  int num_groups = 0;                  // capacity groups (batch rows); 0 = from input_shape or T
  int tokens_per_group = 0;            // 0 = from input_shape or T / num_groups
  bool add_residual = false;           // Switch: dropped tokens output x instead of 0 (S2)
  bool router_bias = false;            // Switch: weights.router_bias [E] is added to the logits
  int n_group = 1;                     // DeepSeek-V3 expert groups
  int topk_group = 1;                  // DeepSeek-V3 groups kept per token
  float routed_scaling_factor = 1.0f;  // DeepSeek-V3 gate multiplier (D2)
  int slots_per_expert = 1;            // soft_moe: p
  int num_shared_experts = 0;          // always-on shared experts
  int shared_expert_d_ff = 0;          // width of the one shared MLP (D5: d_ff · n_shared)
  bool shared_expert_gated = false;    // Qwen2-MoE: sigmoid(w_g · x) scales the shared MLP (Q1)

  // Whether the k gathered probabilities are divided by their sum.
  bool renormalises() const {
    return router_kind == RouterKind::softmax_topk_renorm || norm_topk_prob;
  }
  // Rows of the router weight: E, or E · slots_per_expert for soft_moe (one row per slot).
  int router_rows() const {
    return router_kind == RouterKind::soft_moe ? num_experts * slots_per_expert : num_experts;
  }
  // Columns of topk_ids / topk_weights: k, E for expert_choice (slot j = expert j), the E·p slots
  // for soft_moe.
  int slots_per_token() const;
  // Floats of all weights: router [R,d] plus per expert w1 [d_ff,d], w2 [d,d_ff] (+ w3 [d_ff,d]),
  // plus the biases, noise weights and shared expert the config asks for.
  int64_t weight_floats() const;
  // Floats of the activations of one forward pass over `tokens` tokens (trace plus workspace).
  int64_t activation_floats(int64_t tokens) const;
};

// One layer schema for inference and training: the same field names (d_model, d_ff, num_experts,
// top_k, router_kind, expert_kind, activation, capacity_factor, slots_per_expert), read by
// read_layer_fields. The two readers differ only in these rules: inference (a spec, an oracle
// case) must name every size and kind and ignores keys it does not know; training (train/config)
// starts from its defaults, caps sizes lower, and refuses a field its router kind does not read.
struct LayerFieldRules {
  bool defaults = false;       // absent fields keep the value already in the config
  bool refuse_unread = false;  // top_k for expert_choice/soft_moe, slots_per_expert off soft_moe
  int64_t min_d_model = 1;
  int64_t max_dim = kMaxDim;                   // d_model, d_ff
  int64_t max_experts = kMaxExperts;           // num_experts
  int64_t max_slots_per_expert = kMaxExperts;  // soft_moe: p
  double max_capacity_factor = 1e6;
};
inline constexpr LayerFieldRules kInferenceFieldRules{};

// The fields of the schema above, in the order they are read (training's list of known keys).
inline constexpr std::string_view kLayerFieldNames[] = {
    "d_model",    "d_ff",        "num_experts",     "top_k",           "router_kind",
    "activation", "expert_kind", "capacity_factor", "slots_per_expert"};

// Reads the schema's fields of `config` into `c` by `rules`, checking each against the others and
// against the router kind; error fields start with `where`.
Result<bool> read_layer_fields(const nlohmann::json& config, const std::string& where,
                               const LayerFieldRules& rules, LayerConfig& c);

// Reads an inference config object: read_layer_fields with kInferenceFieldRules, then the
// inference-only router options below. `where` prefixes error fields ("config"). Extra keys are
// ignored, so an oracle case's config reads directly: expert_kind strings starting with "swiglu"
// mean swiglu and "dense" means mlp; `norm_topk_prob` defaults to false.
Result<LayerConfig> parse_layer_config(const nlohmann::json& config, const std::string& where);

// Reads the inference-only router options (router_config.cpp: norm_topk_prob, noise, expert
// capacity, groups, Switch and DeepSeek-V3 options, shared experts) into `c`, whose schema fields
// are already read; checks them against the kind.
Result<bool> parse_router_options(const nlohmann::json& config, const std::string& where,
                                  LayerConfig& c);

// The router kind named `name`; false if unknown. kRouterKindNames lists them for messages.
bool router_kind_from_string(std::string_view name, RouterKind& out);
inline constexpr const char* kRouterKindNames =
    "softmax_topk, softmax_topk_renorm, noisy_topk, softmax_top1_capacity, topk_capacity, "
    "sigmoid_grouped_topk_bias, expert_choice, soft_moe";

// Whether `kind` has an expert capacity (capacity_factor or expert_capacity): Switch, GShard and
// expert choice; kCapacityKindNames lists them for messages.
bool has_expert_capacity(RouterKind kind);
inline constexpr const char* kCapacityKindNames =
    "softmax_top1_capacity, topk_capacity, expert_choice";

}  // namespace moe
