// Reading a model folder for the `moe lm` commands: config.json, model.safetensors and, for the
// commands that read text, tokenizer.json. Errors name the file (`DIR/config.json: config.<field>:
// ...`), so the CLI prints them as they are.
#pragma once

#include <cstdint>
#include <string>

#include "moe/lm/lm_forward.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::cli {

// The whole file, refused when missing, empty or above max_bytes.
Result<std::string> read_file(const std::string& path, uint64_t max_bytes);

// DIR/config.json + DIR/model.safetensors → a model. A config.json without eos_token_id (the
// shipped checkpoints) stops generation at DIR/tokenizer.json's "<|endoftext|>" when the folder
// has one (lm::use_tokenizer_eos).
Result<lm::LmModel> load_model_dir(const std::string& dir);

// DIR/tokenizer.json → a tokenizer whose ids fit the model's vocabulary.
Result<text::Tokenizer> load_tokenizer_dir(const std::string& dir, const lm::LmConfig& config);

}  // namespace moe::cli
