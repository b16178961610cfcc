// Helpers for the language-model tests: the golden cases of tests/oracle-lm (config.json,
// model.safetensors, expected.json per folder) loaded into a model, and small models made in
// memory from seeded weights.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_weights.hpp"
#include "moe/lm/safetensors.hpp"
#include "test_support.hpp"

namespace moe_test {

inline const char* const kLmCases[] = {"mixtral_tiny_l2_e4_top2", "mixtral_l3_e8_top2_mha_b2",
                                       "mixtral_l2_e4_top1_mqa"};

inline std::string oracle_lm_path(const std::string& name, const std::string& file) {
  return std::string(MOE_ORACLE_LM_DIR) + "/" + name + "/" + file;
}

inline std::vector<uint8_t> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

struct LmCase {
  std::string config_text;
  std::vector<uint8_t> weights;  // model.safetensors
  nlohmann::json expected;
};

inline LmCase load_lm_case(const std::string& name) {
  LmCase c;
  c.config_text = read_text_file(oracle_lm_path(name, "config.json"));
  c.weights = as_bytes(read_text_file(oracle_lm_path(name, "model.safetensors")));
  const std::string expected = read_text_file(oracle_lm_path(name, "expected.json"));
  REQUIRE_MESSAGE(!c.config_text.empty(), "cannot read " << oracle_lm_path(name, "config.json"));
  REQUIRE_MESSAGE(!c.weights.empty(), "cannot read " << oracle_lm_path(name, "model.safetensors"));
  REQUIRE_MESSAGE(!expected.empty(), "cannot read " << oracle_lm_path(name, "expected.json"));
  c.expected = nlohmann::json::parse(expected);
  return c;
}

inline moe::lm::LmModel load_lm_model(const LmCase& c) {
  moe::Result<moe::lm::LmModel> m = moe::lm::LmModel::load(c.config_text, c.weights);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message()));
  return std::move(m.value());
}

// A small config (GQA: 4 query heads on 2 kv heads) for tests that need no golden data.
inline moe::lm::LmConfig small_lm_config() {
  moe::lm::LmConfig c;
  c.vocab_size = 29;
  c.hidden_size = 24;
  c.intermediate_size = 10;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 6;
  c.num_local_experts = 5;
  c.num_experts_per_tok = 2;
  c.max_position_embeddings = 64;
  c.rope_theta = 500.0;
  c.rms_norm_eps = 1e-5f;
  return c;
}

// A learnable stream for the trainer tests: a repeating pattern of period 7 with some noise,
// ids below 23.
inline std::vector<int32_t> pattern_tokens(size_t n) {
  std::vector<int32_t> t(n);
  uint64_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    t[i] = (x >> 60) == 0 ? static_cast<int32_t>((x >> 40) % 23)
                          : static_cast<int32_t>((i * 5) % 7 + 3);
  }
  return t;
}

}  // namespace moe_test
