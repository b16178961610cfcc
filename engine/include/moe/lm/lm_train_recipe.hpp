// The training fields of a TRAIN.json (engine/README.md, "Training the language model"), read
// once for both callers: `moe lm train` (which adds its file fields: corpus, tokenizer, out, ...)
// and the page's trainer (engine/wasm/lm_train_bindings.cpp, which passes its text instead).
//   model {MixtralConfig fields but vocab_size}, router_kind, capacity_factor,
//   balancing {switch_aux, z_loss, seq_aux, bias_gamma}, batch, seq_len, steps, warmup, seed,
//   lr, min_lr, weight_decay, clip, beta1, beta2, threads
// Every field is checked with its range; errors name it (`batch`, `balancing.switch_aux`).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "moe/lm/lm_trainer.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::lm {

struct LmTrainRecipe {
  LmTrainConfig train;   // all but train.shape.config, which needs the tokenizer's vocab_size
  nlohmann::json model;  // the MixtralConfig fields, without vocab_size
  int64_t steps = 100;   // = train.lr.total
};

// Reads the recipe's fields of `doc` (an object). A key that is neither a recipe field nor one of
// `caller_fields` (read by the caller) is an error: `<key>: unknown field`.
Result<LmTrainRecipe> read_lm_train_recipe(const nlohmann::json& doc,
                                           std::span<const std::string_view> caller_fields);

// The full training config for a tokenizer of vocab_size ids: the model's MixtralConfig checked
// (errors `model.<field>`), then the router kind and balancing terms of the recipe on top.
Result<LmTrainConfig> lm_train_config_for(const LmTrainRecipe& recipe, int vocab_size);

// The same for the tokenizer the model trains on: its vocab_size, and its `<|endoftext|>` as the
// eos_token_id where the recipe's model gives none, so that generation from the trainer stops
// there as it does from the checkpoint (config.json records it). Both trainers call this: `moe lm
// train` and the page's createLmTrainer.
Result<LmTrainConfig> lm_train_config_for(const LmTrainRecipe& recipe,
                                          const text::Tokenizer& tokenizer);

}  // namespace moe::lm
