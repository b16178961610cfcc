#include "lm_model_dir.hpp"

#include <fstream>
#include <span>

#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/safetensors.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace moe::cli {
namespace {

constexpr uint64_t kMaxConfigBytes = 1u << 20;
constexpr uint64_t kMaxTokenizerBytes = 64u << 20;

}  // namespace

Result<std::string> read_file(const std::string& path, uint64_t max_bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return Error{path, "cannot open file"};
  const std::streamoff size = file.tellg();
  if (size < 0) return Error{path, "cannot read file"};
  if (size == 0) return Error{path, "empty file"};
  if (static_cast<uint64_t>(size) > max_bytes) {
    return Error{path, "file is " + std::to_string(size) + " bytes, above the cap of " +
                           std::to_string(max_bytes) + " bytes"};
  }
  file.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  if (!file.read(text.data(), size)) return Error{path, "cannot read file"};
  return text;
}

Result<lm::LmModel> load_model_dir(const std::string& dir) {
  const std::string config_path = dir + "/config.json";
  const std::string weights_path = dir + "/model.safetensors";
  Result<std::string> config = read_file(config_path, kMaxConfigBytes);
  if (!config.ok()) return config.error();
  Result<std::string> weights = read_file(weights_path, lm::kMaxSafetensorsBytes);
  if (!weights.ok()) return weights.error();
  Result<lm::LmConfig> parsed = lm::parse_lm_config_text(config.value());
  if (!parsed.ok()) return Error{config_path + ": " + parsed.error().where, parsed.error().reason};
  const auto* bytes = reinterpret_cast<const uint8_t*>(weights.value().data());
  Result<lm::LmModel> model =
      lm::LmModel::load(config.value(), std::span<const uint8_t>(bytes, weights.value().size()));
  if (!model.ok()) return Error{weights_path + ": " + model.error().where, model.error().reason};
  if (Result<std::string> tok_json = read_file(dir + "/tokenizer.json", kMaxTokenizerBytes);
      tok_json.ok()) {  // a broken tokenizer.json is reported by the commands that encode text
    if (Result<text::Tokenizer> tok = text::tokenizer_from_json(tok_json.value()); tok.ok()) {
      lm::use_tokenizer_eos(model.value(), tok.value());
    }
  }
  return std::move(model.value());
}

Result<text::Tokenizer> load_tokenizer_dir(const std::string& dir, const lm::LmConfig& config) {
  const std::string path = dir + "/tokenizer.json";
  Result<std::string> json = read_file(path, kMaxTokenizerBytes);
  if (!json.ok()) {
    return Error{path,
                 json.error().reason + " (a model folder needs tokenizer.json to encode text)"};
  }
  Result<text::Tokenizer> tok = text::tokenizer_from_json(json.value());
  if (!tok.ok()) return Error{path + ": " + tok.error().where, tok.error().reason};
  if (tok.value().vocab_size() > config.vocab_size) {
    return Error{path, "has " + std::to_string(tok.value().vocab_size()) +
                           " tokens, more than the model's vocab_size (" +
                           std::to_string(config.vocab_size) + ")"};
  }
  return std::move(tok.value());
}

}  // namespace moe::cli
