// Text generation with a KV cache: one forward over the prompt (prefill), then one token at a
// time, each step reading the keys and values of every earlier position from the cache.
//   greedy:   next = argmax_v logits[v]                   (ties: the lower id)
//   sampling: p = softmax(logits / temperature); keep the most likely ids whose probabilities
//             reach top_p together (nucleus, Holtzman et al. 2019); draw from them renormalised
//             with the engine's seeded splitmix64, so one seed gives one text everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "moe/lm/lm_forward.hpp"
#include "moe/result.hpp"
#include "moe/rng.hpp"

namespace moe::lm {

struct GenerateOptions {
  int max_new_tokens = 16;
  bool greedy = true;
  float temperature = 1.0f;  // sampling only, > 0
  float top_p = 1.0f;        // sampling only, in (0, 1]
  uint64_t seed = 0;         // sampling only
};

// The id with the largest logit (the lowest such id on a tie).   logits [V]
int32_t pick_greedy(std::span<const float> logits);

// One draw from the nucleus of softmax(logits / temperature).   logits [V]
int32_t pick_top_p(std::span<const float> logits, float temperature, float top_p, SplitMix64& rng);

// The next id under `options`: pick_greedy, or pick_top_p drawing from `rng`.   logits [V]
int32_t pick_next(std::span<const float> logits, const GenerateOptions& options, SplitMix64& rng);

// Checks a generation request before any work: `options.<field>` (max_new_tokens >= 0,
// temperature and top_p when sampling) and `prompt...` (empty, ids outside the vocabulary,
// prompt + new tokens longer than max_position_embeddings).
Result<bool> check_generate_request(const LmConfig& config, std::span<const int32_t> prompt,
                                    const GenerateOptions& options);

// Whether generation stops after `token`: it is the config's eos_token_id (HF generate emits the
// end-of-text token, then stops).
inline bool ends_generation(const LmConfig& config, int32_t token) {
  return config.eos_token_id >= 0 && token == config.eos_token_id;
}

// The max_new_tokens ids that follow `prompt`, fewer when the config's eos_token_id comes first
// (it is the last id returned). `on_token`, if given, sees each id as it is chosen
// and may return false to stop early. Errors: `options.<field>` and `prompt...` (empty, ids out
// of range, prompt + new tokens longer than max_position_embeddings).
Result<std::vector<int32_t>> lm_generate(LmModel& model, std::span<const int32_t> prompt,
                                         const GenerateOptions& options,
                                         const std::function<bool(int32_t)>& on_token = {});

}  // namespace moe::lm
