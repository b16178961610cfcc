#include "moe/lm/lm_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "moe/text/tokenizer_json.hpp"

namespace moe::lm {

Result<LmCheckpointFiles> lm_checkpoint_files(const LmConfig& config, const LmWeights& weights,
                                              const text::Tokenizer* tokenizer, Dtype dtype,
                                              std::map<std::string, std::string> metadata) {
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

}  // namespace moe::lm
