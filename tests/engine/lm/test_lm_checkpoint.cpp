// Checkpoint folders written by lm_checkpoint_files load back through LmModel::load: F32 bit for
// bit, F16 within half precision; the dense variant under MistralForCausalLM's names.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_test_support.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/lm/lm_train_model.hpp"
#include "moe/text/bpe_train.hpp"
#include "moe/text/tokenizer_json.hpp"

namespace {

moe::lm::LmModel load(const moe::lm::LmCheckpointFiles& f) {
  moe::Result<moe::lm::LmModel> m = moe::lm::LmModel::load(f.config_json, f.safetensors);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message()));
  return std::move(m.value());
}

}  // namespace

TEST_CASE("lm checkpoint: F32 folder loads back bit for bit, with its tokenizer") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 4);
  moe::Result<moe::text::Tokenizer> tok =
      moe::text::train_bpe({"the cat sat on the mat, the cat sat"}, {270, {"<|endoftext|>"}});
  REQUIRE(tok.ok());
  auto files = moe::lm::lm_checkpoint_files(c, w, &tok.value(), moe::lm::Dtype::F32);
  REQUIRE(files.ok());
  const moe::lm::LmModel m = load(files.value());
  const auto a = moe::lm::lm_weights_to_tensors(w, c);
  const auto b = moe::lm::lm_weights_to_tensors(m.weights(), c);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(a[i].data == b[i].data);
  }
  const auto back = moe::text::tokenizer_from_json(files.value().tokenizer_json);
  REQUIRE(back.ok());
  CHECK(back.value().encode("the cat") == tok.value().encode("the cat"));
  CHECK(nlohmann::json::parse(files.value().config_json)["architectures"][0] ==
        "MixtralForCausalLM");
}

TEST_CASE("lm checkpoint: F16 weights load within half precision") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 6);
  auto files = moe::lm::lm_checkpoint_files(c, w, nullptr, moe::lm::Dtype::F16);
  REQUIRE(files.ok());
  CHECK(nlohmann::json::parse(files.value().config_json)["torch_dtype"] == "float16");
  const auto a = moe::lm::lm_weights_to_tensors(w, c);
  const auto b = moe::lm::lm_weights_to_tensors(load(files.value()).weights(), c);
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < a[i].data.size(); ++j) {
      worst = std::max(worst, std::abs(static_cast<double>(a[i].data[j]) - b[i].data[j]) /
                                  std::max(1.0, std::abs(static_cast<double>(a[i].data[j]))));
    }
  }
  CHECK(worst > 0);           // rounded, not stored as F32
  CHECK(worst < 1.0 / 1024);  // half precision: 11 significant bits
}

TEST_CASE("lm checkpoint: the dense variant is a Mistral folder whose loss matches training") {
  moe::lm::LmConfig c = moe_test::small_lm_config();
  c.dense = true;
  c.num_local_experts = 1;
  c.num_experts_per_tok = 1;
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 8);
  auto files = moe::lm::lm_checkpoint_files(c, w, nullptr, moe::lm::Dtype::F32);
  REQUIRE(files.ok());
  const nlohmann::json config = nlohmann::json::parse(files.value().config_json);
  CHECK(config["model_type"] == "mistral");
  CHECK(config["architectures"][0] == "MistralForCausalLM");
  CHECK(!config.contains("num_local_experts"));
  std::vector<std::string> names;
  for (const auto& t : moe::lm::lm_weights_to_tensors(w, c)) names.push_back(t.name);
  CHECK(std::find(names.begin(), names.end(), "model.layers.1.mlp.gate_proj.weight") !=
        names.end());
  CHECK(std::find(names.begin(), names.end(), "model.layers.0.mlp.down_proj.weight") !=
        names.end());
  for (const std::string& n : names) CHECK(n.find("block_sparse_moe") == std::string::npos);
  CHECK(static_cast<int64_t>(
            moe::lm::lm_params_from_weights(w, moe::lm::LmTrainShape::of(c)).size()) ==
        c.param_floats() + c.num_hidden_layers * c.hidden_size);

  moe::lm::LmModel m = load(files.value());
  CHECK(m.config().dense);
  const std::vector<int32_t> ids{1, 4, 9, 2, 7, 3, 11, 5, 6};  // one window, T = 8
  const moe::lm::LmTrainShape shape = moe::lm::LmTrainShape::of(c);
  const std::vector<float> p = moe::lm::lm_params_from_weights(w, shape);
  moe::lm::LmTrainWorkspace<float> ws;
  const double train = moe::lm::lm_train_forward_backward<float>(shape, p.data(), nullptr,
                                                                 ids.data(), 1, 8, nullptr, ws)
                           .next_token;
  auto run = m.forward(std::vector<int32_t>(ids.begin(), ids.end() - 1), 1, 8);
  REQUIRE(run.ok());
  const std::vector<int32_t> targets(ids.begin() + 1, ids.end());
  CHECK(std::abs(moe::lm::next_token_loss<float>(run.value()->logits.data(), 8, c.vocab_size,
                                                 targets.data(), nullptr) -
                 train) < 1e-5);
}
