// The parameters of a Mixtral-style language model under their Hugging Face names
// (MixtralForCausalLM state dict), every linear weight in torch layout [out, in] (y = x · Wᵀ),
// which is also the layout moe::LayerWeights stores, so the MoE block takes HF's expert and gate
// matrices as they are. V vocab, d hidden, f per-expert d_ff, H·hd query width, KV·hd kv width.
#pragma once

#include <cstdint>
#include <vector>

#include "moe/lm/lm_config.hpp"
#include "moe/lm/safetensors.hpp"
#include "moe/result.hpp"
#include "moe/spec/weights.hpp"

namespace moe::lm {

struct LmLayerWeights {
  std::vector<float> input_layernorm;           // [d]         model.layers.{i}.input_layernorm
  std::vector<float> q_proj;                    // [H·hd, d]   self_attn.q_proj
  std::vector<float> k_proj;                    // [KV·hd, d]  self_attn.k_proj
  std::vector<float> v_proj;                    // [KV·hd, d]  self_attn.v_proj
  std::vector<float> o_proj;                    // [d, H·hd]   self_attn.o_proj
  std::vector<float> post_attention_layernorm;  // [d]
  // block_sparse_moe: router = gate [E, d]; experts[j].w1, w3 [f, d] and w2 [d, f]. The
  // "moe_tutor" block (engine/README.md has the table) also fills correction_bias [E] (sigmoid
  // router) and shared_expert w1, w3 [sf, d], w2 [d, sf] (n_shared_experts > 0).
  LayerWeights moe;
};

struct LmWeights {
  std::vector<float> embed_tokens;     // [V, d]  model.embed_tokens
  std::vector<LmLayerWeights> layers;  // [L]
  std::vector<float> norm;             // [d]     model.norm
  std::vector<float> lm_head;          // [V, d]  lm_head (a copy of embed_tokens when tied)
};

// Every tensor of the model by name with the shape the config gives it, in state-dict order
// (lm_head left out when tie_word_embeddings).
std::vector<NamedTensor> lm_weights_to_tensors(const LmWeights& weights, const LmConfig& config);

// Takes every tensor the config needs out of a parsed safetensors file. Errors name the tensor:
// `weights.<name>: expected shape [a, b], got [c, d]`, `weights.<name>[i]: must be finite`;
// `weights: missing N tensors: <names>` and `weights: N unexpected tensors: <names>` list them.
Result<LmWeights> lm_weights_from_safetensors(const Safetensors& file, const LmConfig& config);

// Random weights for tests and a fresh model: linear weights N(0, 1/in), embeddings N(0, 1),
// norms 1, drawn with splitmix64 in state-dict order, so one seed gives one model everywhere.
LmWeights lm_weights_init_seeded(const LmConfig& config, uint64_t seed);

}  // namespace moe::lm
