// A checkpoint folder as three files' contents, in the Hugging Face layout, so the folder loads
// unchanged in LmModel::load, `moe lm forward` and transformers' MixtralForCausalLM:
//   config.json        lm_config_to_json (MixtralConfig names; "moe_tutor" for other blocks)
//   model.safetensors  lm_weights_to_tensors (state-dict names and order), F32, F16 or BF16
//   tokenizer.json     tokenizer_to_json (Hugging Face tokenizers format), when a tokenizer is
//   given
// No file I/O here (the CLI writes the files; the page could fetch them).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "moe/lm/lm_config.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/lm/safetensors.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::lm {

struct LmCheckpointFiles {
  std::string config_json;
  std::vector<uint8_t> safetensors;
  std::string tokenizer_json;  // empty without a tokenizer
};

// Errors: `router` for a router kind LmModel cannot run as the trainer did (the capacity kinds:
// their groups are the training windows), then the writer's (`safetensors...`). metadata goes to
// safetensors' "__metadata__"
// ("format": "pt" is always added, as transformers expects).
Result<LmCheckpointFiles> lm_checkpoint_files(const LmConfig& config, const LmWeights& weights,
                                              const text::Tokenizer* tokenizer, Dtype dtype,
                                              std::map<std::string, std::string> metadata = {});

// The id of the tokenizer's special "<|endoftext|>" token, or -1.
int32_t end_of_text_id(const text::Tokenizer& tokenizer);

// A folder whose config.json has no eos_token_id (the shipped checkpoints) stops generation at
// its tokenizer's "<|endoftext|>" instead, when that id is in the model's vocabulary; a config's
// own eos_token_id is kept. Used by `moe lm` and the page's createLm, which load both files.
void use_tokenizer_eos(LmModel& model, const text::Tokenizer& tokenizer);

}  // namespace moe::lm
