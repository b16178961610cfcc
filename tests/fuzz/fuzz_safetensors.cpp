// libFuzzer target: the language model's file readers. The same bytes go to the safetensors
// reader and, as text, to the config.json reader; a file that parses is then loaded as the
// weights of a fixed tiny config (the one of tests/oracle-lm/mixtral_tiny_l2_e4_top2) and, if
// they fit, run forward over three tokens. Any input must give a value or an Error with a field
// and a reason: never a crash, a sanitizer report or an exception.
// Seeds: tests/oracle-lm/*/model.safetensors and config.json (scripts/fuzz.mjs).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_checks.hpp"
#include "moe/lm/lm_config.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/lm/safetensors.hpp"

namespace {

constexpr std::string_view kTinyConfig =
    R"({"model_type": "mixtral", "vocab_size": 48, "hidden_size": 32, "intermediate_size": 16,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 8, "num_local_experts": 4, "num_experts_per_tok": 2,
        "rope_theta": 10000.0, "rms_norm_eps": 1e-05, "hidden_act": "silu",
        "tie_word_embeddings": false})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  ok_or_named(moe::lm::parse_lm_config_text(input_text(data, size)));

  auto file = moe::lm::safetensors_read(bytes);
  if (!ok_or_named(file)) return 0;
  static const moe::lm::LmConfig tiny = moe::lm::parse_lm_config_text(kTinyConfig).value();
  auto weights = moe::lm::lm_weights_from_safetensors(file.value(), tiny);
  if (!ok_or_named(weights)) return 0;
  moe::lm::LmModel model(tiny, std::move(weights.value()));
  const std::vector<int32_t> ids = {1, 3, 7};
  ok_or_named(model.forward(ids, 1, 3));
  return 0;
}
