// Helpers for the language-model tests: the golden cases of tests/oracle-lm (config.json,
// model.safetensors, expected.json per folder) loaded into a model, and small models made in
// memory from seeded weights or built from a few named sizes.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_trainer.hpp"
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

// The sizes of a tiny Mixtral-style model. Most tests use 2 layers, 2 query heads on 1 kv head and
// top-2 of 4 experts (the defaults), so they name only their vocabulary, widths and longest
// sequence; the head width is d / H, LmConfig's own default.
struct TinyLmSizes {
  int vocab, hidden, ffn;
  int layers = 2, heads = 2, kv_heads = 1, experts = 4, top_k = 2;
  int context;  // max_position_embeddings
};

// An LmConfig of those sizes; rope_theta, rms_norm_eps and the rest keep LmConfig's defaults.
inline moe::lm::LmConfig tiny_lm_config(const TinyLmSizes& s) {
  moe::lm::LmConfig c;
  c.vocab_size = s.vocab;
  c.hidden_size = s.hidden;
  c.intermediate_size = s.ffn;
  c.num_hidden_layers = s.layers;
  c.num_attention_heads = s.heads;
  c.num_key_value_heads = s.kv_heads;
  c.head_dim = s.hidden / s.heads;
  c.num_local_experts = s.experts;
  c.num_experts_per_tok = s.top_k;
  c.max_position_embeddings = s.context;
  return c;
}

// What a training test chooses besides the model: windows per step, their length, the seed, the
// schedule and the aux coefficients (0 = off).
struct TinyLmRun {
  int batch = moe::lm::LmTrainConfig{}.batch;
  int seq_len = moe::lm::LmTrainConfig{}.seq_len;
  uint64_t seed = moe::lm::LmTrainConfig{}.seed;
  moe::train::LrSchedule lr;
  double switch_aux = 0;
  double z_loss = 0;
};

// The Mixtral training block on `c` with that run; optimiser settings keep LmTrainConfig's
// defaults.
inline moe::lm::LmTrainConfig tiny_lm_train_config(const moe::lm::LmConfig& c, const TinyLmRun& r) {
  moe::lm::LmTrainConfig t;
  t.shape = moe::lm::LmTrainShape::of(c);
  t.shape.coefs.switch_aux = r.switch_aux;
  t.shape.coefs.z_loss = r.z_loss;
  t.batch = r.batch;
  t.seq_len = r.seq_len;
  t.seed = r.seed;
  t.lr = r.lr;
  return t;
}

// The "model" block of a TRAIN.json recipe at the tiny sizes most training tests use: 16 wide,
// FFN 12, 2 layers, 2 query heads on 1 kv head, top-2 of 4 experts, `context` positions.
inline nlohmann::json tiny_recipe_model(int context) {
  return {{"hidden_size", 16},        {"intermediate_size", 12},           {"num_hidden_layers", 2},
          {"num_attention_heads", 2}, {"num_key_value_heads", 1},          {"num_local_experts", 4},
          {"num_experts_per_tok", 2}, {"max_position_embeddings", context}};
}

// The two decoding modes a generator is checked in: greedy, and seeded top-p sampling at
// `temperature`; both write `max_new` tokens.
inline std::array<moe::lm::GenerateOptions, 2> greedy_and_sampled(int max_new, float temperature,
                                                                  float top_p, uint64_t seed) {
  moe::lm::GenerateOptions greedy;
  greedy.max_new_tokens = max_new;
  moe::lm::GenerateOptions sampled = greedy;
  sampled.greedy = false;
  sampled.temperature = temperature;
  sampled.top_p = top_p;
  sampled.seed = seed;
  return {greedy, sampled};
}

// A small config (GQA: 4 query heads on 2 kv heads) for tests that need no golden data.
inline moe::lm::LmConfig small_lm_config() {
  moe::lm::LmConfig c = tiny_lm_config({.vocab = 29,
                                        .hidden = 24,
                                        .ffn = 10,
                                        .heads = 4,
                                        .kv_heads = 2,
                                        .experts = 5,
                                        .context = 64});
  c.rope_theta = 500.0;
  return c;
}

// A model of small_lm_config() with seeded random weights.
inline moe::lm::LmModel small_lm_model(uint64_t seed) {
  const moe::lm::LmConfig c = small_lm_config();
  return moe::lm::LmModel(c, moe::lm::lm_weights_init_seeded(c, seed));
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
