// Weights of one MoE layer, in torch layout ([out_features, in_features], y = x · Wᵀ).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "moe/config.hpp"
#include "moe/result.hpp"

namespace moe {

struct ExpertWeights {
  std::vector<float> w1;  // [d_ff, d]  gate projection (mlp: the only input projection)
  std::vector<float> w3;  // [d_ff, d]  up projection, swiglu only (empty for mlp)
  std::vector<float> w2;  // [d, d_ff]  down projection
};

struct LayerWeights {
  std::vector<float> router;           // [E, d]  W_g
  std::vector<ExpertWeights> experts;  // [E]
};

// Every weight drawn from N(0, 1/fan_in) with splitmix64 + Box-Muller, in the order router,
// then per expert w1, w3 (swiglu), w2. The same seed gives the same weights on every platform.
LayerWeights init_weights_seeded(const LayerConfig& config, uint64_t seed);

// Overwrites the weights present in `weights_json` (router and/or experts) after checking every
// shape and value; error fields are prefixed by `where` ("weights"). With `require_all`, missing
// router or experts are errors (no seed to fall back on).
Result<bool> read_weights(const nlohmann::json& weights_json, const LayerConfig& config,
                          const std::string& where, bool require_all, LayerWeights& weights);

}  // namespace moe
