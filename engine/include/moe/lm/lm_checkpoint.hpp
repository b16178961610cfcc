// A checkpoint folder as three files' contents, in the Hugging Face layout, so the folder loads
// unchanged in LmModel::load, `moe lm forward` and transformers' MixtralForCausalLM:
//   config.json        lm_config_to_json (MixtralConfig names)
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

// Errors: the writer's (`safetensors...`). metadata goes to safetensors' "__metadata__"
// ("format": "pt" is always added, as transformers expects).
Result<LmCheckpointFiles> lm_checkpoint_files(const LmConfig& config, const LmWeights& weights,
                                              const text::Tokenizer* tokenizer, Dtype dtype,
                                              std::map<std::string, std::string> metadata = {});

}  // namespace moe::lm
