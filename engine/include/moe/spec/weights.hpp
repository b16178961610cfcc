// Weights of one MoE layer, in torch layout ([out_features, in_features], y = x · Wᵀ).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "moe/result.hpp"
#include "moe/spec/config.hpp"

namespace moe {

struct ExpertWeights {
  std::vector<float> w1;  // [d_ff, d]  gate projection (mlp: the only input projection)
  std::vector<float> w3;  // [d_ff, d]  up projection, swiglu only (empty for mlp)
  std::vector<float> w2;  // [d, d_ff]  down projection
};

struct LayerWeights {
  std::vector<float> router;           // [R, d]  W_g; R = E, or E·p slots for soft_moe
  std::vector<ExpertWeights> experts;  // [E]
  std::vector<float> router_bias;      // [E]  Switch router_bias (empty unless config.router_bias)
  std::vector<float> correction_bias;  // [E]  DeepSeek-V3 selection-only bias (empty = zeros)
  std::vector<float> noise;            // [E, d]  noisy_topk W_noise (empty for other kinds)
  ExpertWeights shared_expert;         // w1 [sf, d], w3 [sf, d], w2 [d, sf]; empty without one
  std::vector<float> shared_expert_gate;  // [d]  Qwen2-MoE gate row (given as [1][d])
};

// Every weight drawn from N(0, 1/fan_in) with splitmix64 + Box-Muller, in the order router,
// then per expert w1, w3 (swiglu), w2, then (when the config has them) noise, shared expert
// w1, w3, w2 and shared_expert_gate; biases start at 0. The same seed gives the same weights on
// every platform, and adding options never changes the weights drawn before them.
LayerWeights init_weights_seeded(const LayerConfig& config, uint64_t seed);

// Overwrites the weights present in `weights_json` (router, experts and the optional ones above)
// after checking every shape and value; error fields are prefixed by `where` ("weights"). With
// `require_all`, a missing weight the config needs is an error (no seed to fall back on).
Result<bool> read_weights(const nlohmann::json& weights_json, const LayerConfig& config,
                          const std::string& where, bool require_all, LayerWeights& weights);

}  // namespace moe
