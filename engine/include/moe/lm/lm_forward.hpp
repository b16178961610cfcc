// The forward pass of a Mixtral-style MoE language model (Hugging Face MixtralForCausalLM math
// and names; the golden cases and their README: tests/oracle-lm):
//
//   x = embed_tokens[ids]                                   [N, d]   (no scaling)
//   per layer l:
//     h = rmsnorm(x, input_layernorm)                       [N, d]
//     q = h·Wqᵀ, k = h·Wkᵀ, v = h·Wvᵀ; RoPE on q and k      [N, H·hd], [N, KV·hd]
//     x = x + attention(q, k, v) · Woᵀ                      causal, grouped-query
//     h = rmsnorm(x, post_attention_layernorm)
//     x = x + moe_block(h)                                  moe_block.hpp
//   logits = rmsnorm(x, norm) · lm_headᵀ                    [N, V]
//
// B sequences of T tokens each, N = B·T rows, row n = b·T + t. Deliberately left out: training
// (backward), padding masks, sliding windows, dropout and jitter (eval mode only).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "moe/kernels/packed_weights.hpp"
#include "moe/lm/attention.hpp"
#include "moe/lm/lm_config.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/lm/moe_block.hpp"
#include "moe/lm/rope.hpp"
#include "moe/result.hpp"

namespace moe::lm {

// The activations of one decoder layer over N rows (llm.c style: one buffer per stage).
struct LmLayerActivations {
  std::vector<float> input;          // [N, d]      residual stream entering the layer
  std::vector<float> attn_norm;      // [N, d]      rmsnorm(input, input_layernorm)
  std::vector<float> q;              // [N, H·hd]   after RoPE
  std::vector<float> k;              // [N, KV·hd]  after RoPE (also appended to the cache)
  std::vector<float> v;              // [N, KV·hd]
  std::vector<float> attn;           // [N, H·hd]   heads side by side, before o_proj
  std::vector<float> attn_out;       // [N, d]      attn · Woᵀ
  std::vector<float> resid_mid;      // [N, d]      input + attn_out
  std::vector<float> moe_norm;       // [N, d]      rmsnorm(resid_mid, post_attention_layernorm)
  std::vector<float> router_logits;  // [N, E]
  std::vector<float> router_probs;   // [N, E]      softmax over all E
  std::vector<int32_t> topk_ids;     // [N, k]      descending probability
  std::vector<float> topk_weights;   // [N, k]      renormalised
  std::vector<float> moe_out;        // [N, d]
  std::vector<float> output;         // [N, d]      resid_mid + moe_out: hidden_states[l]
};

// Everything one forward call computed; kept by the model until its next call.
struct LmTrace {
  int batch = 0;                           // B
  int tokens = 0;                          // T new tokens per sequence
  int pos0 = 0;                            // position of the first of them
  std::vector<int32_t> input_ids;          // [N]
  std::vector<float> embed;                // [N, d]
  std::vector<LmLayerActivations> layers;  // [L]
  std::vector<float> final_hidden;         // [N, d]  after the final norm (lm_head's input)
  std::vector<float> logits;               // [N, V]
  float aux_loss = 0.0f;                   // load_balancing_loss_func over the rows of all layers
};

// Keys and values of the tokens seen so far, per layer, for generation one token at a time.
struct KvCache {
  int batch = 0;                      // B
  int capacity = 0;                   // positions per sequence
  int length = 0;                     // positions filled
  std::vector<std::vector<float>> k;  // [L][B, capacity, KV·hd]  after RoPE
  std::vector<std::vector<float>> v;  // [L][B, capacity, KV·hd]
};

class LmModel {
 public:
  // `weights` must match `config` (lm_weights_from_safetensors checks it).
  LmModel(LmConfig config, LmWeights weights);

  // config.json text + model.safetensors bytes → a model; errors from the config
  // (`config.<field>`), the file (`safetensors...`) or the tensors (`weights...`).
  static Result<LmModel> load(std::string_view config_json, std::span<const uint8_t> safetensors);

  const LmConfig& config() const { return config_; }
  // Where generation stops (lm_checkpoint.hpp use_tokenizer_eos); -1 = nowhere. Must be < V.
  void set_eos_token_id(int32_t id) { config_.eos_token_id = id; }
  // The parameters as LmWeights (a copy; the MoE blocks own their expert weights).
  LmWeights weights() const;

  // The full forward over B sequences of T tokens, ids [B, T] row-major, positions 0..T-1.
  // Errors: `input_ids...` for a shape, id or length the model cannot take.
  Result<const LmTrace*> forward(std::span<const int32_t> ids, int B, int T);

  // An empty cache for B sequences of up to `capacity` positions.
  Result<KvCache> new_cache(int B, int capacity) const;
  // T more tokens per sequence at positions cache.length .. cache.length + T - 1, reading and
  // extending the cache; the trace's aux_loss covers only these rows.
  Result<const LmTrace*> forward_cached(std::span<const int32_t> ids, int B, int T, KvCache& cache);

  const LmTrace& trace() const { return trace_; }

  // Routing masks for DeepSeekMoE's analyses (route_tokens.hpp SelectionMask): in `layer`, or in
  // every layer when layer = -1, the router may not choose the masked experts and re-picks from
  // the rest; e.g. {experts_off: expert e} switches e off, {top_ranks_off: 1} masks each token's
  // first choice. An empty mask lifts it. Errors: `layer`, `selection_mask.<field>` (no change).
  Result<bool> set_selection_mask(const SelectionMask& mask, int layer = -1);

 private:
  Result<bool> check_ids(std::span<const int32_t> ids, int B, int T) const;
  Result<bool> run(std::span<const int32_t> ids, int B, int T, KvCache& cache);

  // One layer's attention projections packed once for the tiled matmul (f32_matmul_packed):
  // the same products as from the torch-layout weights, without packing them on every call.
  struct PackedAttention {
    PackedMatrix q, k, v, o;  // from q_proj, k_proj, v_proj, o_proj
  };

  LmConfig config_;
  LmWeights weights_;          // every tensor except the MoE blocks' (moved into moe_)
  std::vector<MoeBlock> moe_;  // [L]
  std::vector<PackedAttention> packed_attention_;  // [L]
  PackedMatrix packed_lm_head_;                    // from lm_head [V, d]
  RopeTable rope_;                                 // positions 0 .. max_position_embeddings-1
  LmTrace trace_;
  AttentionWorkspace attention_ws_;
  MoeBlockOutput moe_scratch_;
  // forward()'s cache, kept between calls of the same shape: each call writes positions 0..T-1
  // before attention reads them, so it needs no fresh (zeroed) allocation per call.
  KvCache forward_cache_;
};

}  // namespace moe::lm
