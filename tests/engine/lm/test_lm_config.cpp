// config.json (MixtralConfig fields) and the weights loader: the golden configs read with their
// values, and every bad field or tensor is an error that names it.
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_test_support.hpp"
#include "moe/lm/lm_config.hpp"
#include "moe/lm/lm_weights.hpp"

namespace {

using nlohmann::json;

json tiny_config_json() {
  return json::parse(
      moe_test::read_text_file(moe_test::oracle_lm_path("mixtral_tiny_l2_e4_top2", "config.json")));
}

std::string config_error(const json& c) {
  auto r = moe::lm::parse_lm_config(c);
  return r.ok() ? "(no error)" : r.error().message();
}

json with(json c, const std::string& key, const json& value) {
  c[key] = value;
  return c;
}

json without(json c, const std::string& key) {
  c.erase(key);
  return c;
}

}  // namespace

TEST_CASE("lm config: written config.json keeps the decimals it was given") {
  for (const double eps : {1e-5, 1e-6, 3e-7, 0.1}) {
    for (const double coef : {0.0, 0.01, 0.001, 0.02}) {
      json c = with(with(tiny_config_json(), "rms_norm_eps", eps), "router_aux_loss_coef", coef);
      auto r = moe::lm::parse_lm_config(c);
      REQUIRE(r.ok());
      const json written = moe::lm::lm_config_to_json(r.value());
      // The same doubles as the input, not floats widened (9.999999747378752e-06).
      CHECK(written["rms_norm_eps"].get<double>() == eps);
      CHECK(written["router_aux_loss_coef"].get<double>() == coef);
    }
  }
  json c = with(tiny_config_json(), "rms_norm_eps", 1e-5);
  CHECK(moe::lm::lm_config_to_json(moe::lm::parse_lm_config(c).value())
            .dump()
            .find("\"rms_norm_eps\":1e-05") != std::string::npos);
}

TEST_CASE("lm config: the golden configs read with their values") {
  auto r = moe::lm::parse_lm_config(tiny_config_json());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  const moe::lm::LmConfig& c = r.value();
  CHECK(c.vocab_size == 48);
  CHECK(c.hidden_size == 32);
  CHECK(c.intermediate_size == 16);
  CHECK(c.num_hidden_layers == 2);
  CHECK(c.num_attention_heads == 4);
  CHECK(c.num_key_value_heads == 2);
  CHECK(c.head_dim == 8);
  CHECK(c.num_local_experts == 4);
  CHECK(c.num_experts_per_tok == 2);
  CHECK(c.rope_theta == 10000.0);
  CHECK(c.rms_norm_eps == 1e-5f);
  CHECK_FALSE(c.tie_word_embeddings);
  auto mha = moe::lm::parse_lm_config_text(moe_test::read_text_file(
      moe_test::oracle_lm_path("mixtral_l3_e8_top2_mha_b2", "config.json")));
  REQUIRE(mha.ok());
  CHECK(mha.value().rope_theta == 1e6);
  // Written back as config.json it reads to the same config.
  auto again = moe::lm::parse_lm_config(moe::lm::lm_config_to_json(c));
  REQUIRE(again.ok());
  CHECK(again.value().param_floats() == c.param_floats());
  CHECK(again.value().num_key_value_heads == 2);
}

TEST_CASE("lm config: active parameters leave out the experts a token skips") {
  auto r = moe::lm::parse_lm_config(tiny_config_json());
  REQUIRE(r.ok());
  // Counted by hand for V 48, d 32, f 16, L 2, H 4 (q 32), KV 2 (kv 16), E 4, k 2:
  // per layer 2·32 norms + 3,072 attention + 4·32 router + 4 experts · 1,536 = 9,408;
  // total 2·48·32 + 32 + 2·9,408 = 21,920; a token skips 2 experts of 1,536 in each of 2 layers.
  CHECK(r.value().param_floats() == 21920);
  CHECK(r.value().active_param_floats() == 21920 - 2 * 2 * 1536);
  // Every expert active (k = E): nothing is skipped.
  auto all = moe::lm::parse_lm_config(with(tiny_config_json(), "num_experts_per_tok", 4));
  REQUIRE(all.ok());
  CHECK(all.value().active_param_floats() == all.value().param_floats());
}

TEST_CASE("lm config: every bad field is an error naming it") {
  const json c = tiny_config_json();
  CHECK(config_error(without(c, "vocab_size")) ==
        "config.vocab_size: missing (expected an integer)");
  CHECK(config_error(with(c, "hidden_size", 0)) == "config.hidden_size: must be >= 1, got 0");
  CHECK(config_error(with(c, "hidden_size", "32")) ==
        "config.hidden_size: must be an integer, got \"32\"");
  CHECK(config_error(with(c, "num_key_value_heads", 3)) ==
        "config.num_key_value_heads: must divide num_attention_heads (4), got 3");
  CHECK(config_error(with(c, "num_experts_per_tok", 5)) ==
        "config.num_experts_per_tok: must be between 1 and num_local_experts (4), got 5");
  CHECK(config_error(with(c, "num_experts_per_tok", 0)) ==
        "config.num_experts_per_tok: must be between 1 and num_local_experts (4), got 0");
  CHECK(config_error(with(c, "hidden_act", "gelu")) ==
        "config.hidden_act: must be \"silu\" (SwiGLU experts), got \"gelu\"");
  CHECK(
      config_error(with(c, "model_type", "llama")) ==
      "config.model_type: must be \"mixtral\" (the MoE model), \"mistral\" (its dense variant) or "
      "\"moe_tutor\" (a DeepSeek-style MoE block), got \"llama\"");
  CHECK(config_error(with(c, "head_dim", 7)) ==
        "config.head_dim: must be even (RoPE rotates the two halves of a head), got 7");
  CHECK(config_error(with(with(c, "head_dim", 32768), "num_attention_heads", 4)) ==
        "config.head_dim: head_dim × num_attention_heads = 131072 is above the cap of 65536");
  CHECK(config_error(with(c, "rms_norm_eps", 0)) == "config.rms_norm_eps: must be > 0, got 0");
  CHECK(config_error(with(c, "rope_theta", -1.0)) == "config.rope_theta: must be > 0, got -1.0");
  CHECK(config_error(with(c, "sliding_window", 4096)) ==
        "config.sliding_window: a sliding attention window is not supported, must be null, got "
        "4096");
  CHECK(config_error(with(c, "rope_scaling", json{{"type", "linear"}})) ==
        "config.rope_scaling: RoPE scaling is not supported, must be null, got an object");
  CHECK(config_error(with(c, "tie_word_embeddings", "no")) ==
        "config.tie_word_embeddings: must be true or false, got \"no\"");
  CHECK(config_error(with(c, "num_hidden_layers", 100000)) ==
        "config.num_hidden_layers: must be <= 256, got 100000");
  // A config within every per-field cap whose parameters are too many in total.
  json big = with(with(c, "vocab_size", 65536), "hidden_size", 4096);
  CHECK(config_error(with(big, "head_dim", 1024)) ==
        "config: the model has 639160320 parameters, above the cap of 67108864 (64 Mi floats)");
  CHECK(config_error(json::array()) == "config: must be a JSON object, got an array of 0");
  auto text = moe::lm::parse_lm_config_text("{\"vocab_size\": ");
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().where == "config");
  CHECK(text.error().reason.rfind("parse error at byte", 0) == 0);
}

TEST_CASE("lm weights: missing, unexpected, mis-shaped and non-finite tensors are named") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 3);
  std::vector<moe::lm::NamedTensor> tensors = moe::lm::lm_weights_to_tensors(w, c);
  auto load = [&](const std::vector<moe::lm::NamedTensor>& ts) {
    auto bytes = moe::lm::safetensors_write(ts, {{"format", "pt"}});
    REQUIRE(bytes.ok());
    auto file = moe::lm::safetensors_read(bytes.value());
    REQUIRE(file.ok());
    return moe::lm::lm_weights_from_safetensors(file.value(), c);
  };
  auto good = load(tensors);
  REQUIRE_MESSAGE(good.ok(), (good.ok() ? "" : good.error().message()));
  CHECK(good.value().layers[1].moe.experts[4].w3 == w.layers[1].moe.experts[4].w3);
  CHECK(good.value().lm_head == w.lm_head);

  auto missing = tensors;
  missing.erase(missing.begin() + 2);  // layer 0's k_proj
  auto m = load(missing);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message() == "weights: missing 1 tensor: model.layers.0.self_attn.k_proj.weight");

  auto extra = tensors;
  extra.push_back({"model.layers.0.self_attn.q_proj.bias", {24}, std::vector<float>(24)});
  auto x = load(extra);
  REQUIRE_FALSE(x.ok());
  CHECK(x.error().message() ==
        "weights: 1 unexpected tensor: model.layers.0.self_attn.q_proj.bias (not part of this "
        "config's model)");

  auto shaped = tensors;
  shaped[1].shape = {12, 48};  // q_proj [24, 24] stored as [12, 48]
  auto s = load(shaped);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() ==
        "weights.model.layers.0.self_attn.q_proj.weight: expected shape [24, 24], got [12, 48]");

  auto nan = tensors;
  nan.back().data[5] = std::nanf("");
  auto n = load(nan);
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().message() == "weights.lm_head.weight[5]: must be a finite number, got NaN");
}

TEST_CASE("lm weights: a tied config reads lm_head from the embedding") {
  moe::lm::LmConfig c = moe_test::small_lm_config();
  c.tie_word_embeddings = true;
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 4);
  const auto tensors = moe::lm::lm_weights_to_tensors(w, c);
  CHECK(tensors.back().name == "model.norm.weight");  // no lm_head.weight is written
  auto bytes = moe::lm::safetensors_write(tensors, {});
  REQUIRE(bytes.ok());
  auto file = moe::lm::safetensors_read(bytes.value());
  REQUIRE(file.ok());
  auto loaded = moe::lm::lm_weights_from_safetensors(file.value(), c);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().lm_head == w.embed_tokens);
}
