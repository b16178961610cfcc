// The configuration of a Mixtral-style MoE language model, read from a Hugging Face
// `config.json` (MixtralConfig field names), so a checkpoint folder means the same here as in
// the wider ecosystem. V = vocab, d = hidden, f = per-expert d_ff, L layers, H query heads,
// KV key/value heads, hd = head_dim, E experts, k = experts per token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"

namespace moe::lm {

// Caps, so that a hostile config cannot make the engine allocate gigabytes: every dimension is
// capped (products of two of them cannot overflow), and the model's parameters are capped at
// kMaxLmParams floats (256 MiB).
inline constexpr int64_t kMaxLmDim = 1 << 16;        // vocab, hidden, d_ff, head_dim
inline constexpr int64_t kMaxLmLayers = 256;         // num_hidden_layers
inline constexpr int64_t kMaxLmHeads = 1024;         // attention heads
inline constexpr int64_t kMaxLmExperts = 1024;       // num_local_experts
inline constexpr int64_t kMaxLmPositions = 1 << 20;  // max_position_embeddings
inline constexpr int64_t kMaxLmParams = 64LL << 20;  // parameters, floats

struct LmConfig {
  int vocab_size = 0;                // V
  int hidden_size = 0;               // d
  int intermediate_size = 0;         // f, per expert
  int num_hidden_layers = 0;         // L
  int num_attention_heads = 0;       // H
  int num_key_value_heads = 0;       // KV; H % KV == 0, query head j reads kv head j / (H / KV)
  int head_dim = 0;                  // hd (default d / H)
  int num_local_experts = 0;         // E
  int num_experts_per_tok = 0;       // k
  int max_position_embeddings = 0;   // longest sequence (prompt + generated tokens)
  double rope_theta = 10000.0;       // RoPE base
  float rms_norm_eps = 1e-5f;        // inside the square root
  bool tie_word_embeddings = false;  // true: lm_head is the embedding matrix
  // The Switch aux-loss coefficient training used; recorded only (the forward reports the raw
  // loss). A double, so config.json keeps the decimal it was given (0.01, not 0.00999999977).
  double router_aux_loss_coef = 0.0;
  // The dense variant (model_type "mistral", MistralForCausalLM): each layer's FFN is one SwiGLU
  // MLP (mlp.gate_proj = w1, up_proj = w3, down_proj = w2), run as a MoE block of E = k = 1
  // whose single gate is exactly 1 (softmax over one expert); it has no router tensor.
  bool dense = false;
  // The router of every MoE block (the layer schema's kinds; training runs softmax_topk_renorm,
  // softmax_topk and sigmoid_grouped_topk_bias from a checkpoint). Mixtral's unless the
  // config.json is the "moe_tutor" variant (see lm_config_to_json).
  RouterKind router_kind = RouterKind::softmax_topk_renorm;
  // DeepSeek-V3's shared experts: one always-on SwiGLU MLP of width n_shared_experts · f added to
  // the routed output, y = shared(x) + Σ gates · expert(x). 0 = none.
  int n_shared_experts = 0;
  // The end-of-text id: generation stops right after emitting it (HF generate). -1 = none.
  int eos_token_id = -1;

  // Mixtral's block (softmax, top-k, renormalise, no shared expert): MixtralForCausalLM loads it.
  bool mixtral_block() const {
    return router_kind == RouterKind::softmax_topk_renorm && n_shared_experts == 0;
  }
  int shared_d_ff() const { return n_shared_experts * intermediate_size; }  // sf
  int q_dim() const { return num_attention_heads * head_dim; }              // H·hd
  int kv_dim() const { return num_key_value_heads * head_dim; }             // KV·hd
  // Floats of all parameters (lm_head counted once more unless tied).
  int64_t param_floats() const;
  // Floats one token passes through: everything but the experts it skips, E − k per layer,
  //   active = param_floats − L · (E − k) · 3·f·d
  // (the router and the embedding row count in full, as in the Mixtral paper's 12.9B of 46.7B).
  int64_t active_param_floats() const;
};

// Reads a parsed config.json; error fields are `config.<field>`. Unknown keys are ignored.
// Checks: every size in range, H % KV == 0, k <= E, head_dim even (RoPE rotates halves),
// hidden_act "silu", model_type "mixtral", "mistral" (dense: E = k = 1) or "moe_tutor" when
// present, no sliding window or rope scaling (not implemented), eos_token_id < vocab_size, and the
// parameter cap. The "moe_tutor" variant (Mixtral's attention, a DeepSeek-style MoE block) names
// its block with DeepseekV3Config's fields: n_routed_experts (E), moe_intermediate_size (f),
// n_shared_experts, scoring_func ("softmax" | "sigmoid"), norm_topk_prob, topk_method ("greedy"
// | "noaux_tc": sigmoid with e_score_correction_bias), and routed_scaling_factor, n_group and
// topk_group, which must be 1 (what the trainer runs).
Result<LmConfig> parse_lm_config(const nlohmann::json& config);
// The same from the text of config.json.
Result<LmConfig> parse_lm_config_text(std::string_view text);
// The config as config.json fields (MixtralConfig names), for writing a checkpoint folder.
// rms_norm_eps is written as the shortest decimal that reads back as the same float (1e-05, not
// the float widened to double, 9.999999747378752e-06).
nlohmann::json lm_config_to_json(const LmConfig& config);

}  // namespace moe::lm
