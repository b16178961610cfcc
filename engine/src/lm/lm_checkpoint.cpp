#include "moe/lm/lm_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "moe/text/tokenizer_json.hpp"

namespace moe::lm {

Result<LmCheckpointFiles> lm_checkpoint_files(const LmConfig& config, const LmWeights& weights,
                                              const text::Tokenizer* tokenizer, Dtype dtype,
                                              std::map<std::string, std::string> metadata) {
  if (has_expert_capacity(config.router_kind)) {
    return Error{"router", std::string(to_string(config.router_kind)) +
                               ": a checkpoint cannot hold a capacity router (its capacity groups "
                               "are the training windows, which generation does not have)"};
  }
  LmCheckpointFiles files;
  nlohmann::json c = lm_config_to_json(config);
  c["torch_dtype"] = dtype == Dtype::F16    ? "float16"
                     : dtype == Dtype::BF16 ? "bfloat16"
                                            : "float32";
  files.config_json = c.dump(2) + "\n";
  metadata["format"] = "pt";
  Result<std::vector<uint8_t>> bytes =
      safetensors_write(lm_weights_to_tensors(weights, config), metadata, dtype);
  if (!bytes.ok()) return bytes.error();
  files.safetensors = std::move(bytes.value());
  if (tokenizer) files.tokenizer_json = text::tokenizer_to_json(*tokenizer);
  return files;
}

int32_t end_of_text_id(const text::Tokenizer& tokenizer) {
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.is_special(id) && tokenizer.token_bytes(id) == "<|endoftext|>") return id;
  }
  return -1;
}

void use_tokenizer_eos(LmModel& model, const text::Tokenizer& tokenizer) {
  const int32_t id = end_of_text_id(tokenizer);
  if (model.config().eos_token_id < 0 && id >= 0 && id < model.config().vocab_size) {
    model.set_eos_token_id(id);
  }
}

}  // namespace moe::lm
