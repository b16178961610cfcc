// The DeepSeek-style language model (issue 19): a sigmoid router whose selection-only bias is
// learnt by loss-free balancing, plus a shared expert. A few trained steps are written as a
// "moe_tutor" checkpoint folder; it loads back bit for bit and LmModel's forward gives the
// trainer's logits. Bad folders (missing bias, wrong shape, unknown scoring) are errors naming
// the field.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_test_support.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_trainer.hpp"

namespace {

using nlohmann::json;

// The small test model (V 29, d 24, E 5, k 2, f 10) with `router` and one shared expert.
moe::lm::LmConfig deepseek_config(moe::RouterKind router) {
  moe::lm::LmConfig c = moe_test::small_lm_config();
  c.router_kind = router;
  c.n_shared_experts = 1;
  return c;
}

moe::lm::LmTrainer trained_deepseek(const moe::lm::LmConfig& c, float bias_gamma, int steps) {
  moe::lm::LmTrainConfig t;
  t.shape = moe::lm::LmTrainShape::of(c);
  t.batch = 4;
  t.seq_len = 12;
  t.seed = 5;
  t.lr = {1e-2f, 1e-3f, 2, steps};
  t.bias_gamma = bias_gamma;
  moe::Result<moe::lm::LmTrainer> r = moe::lm::LmTrainer::create(t, moe_test::pattern_tokens(3000));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  r.value().train_steps(steps);
  return std::move(r.value());
}

moe::lm::LmCheckpointFiles files_of(const moe::lm::LmConfig& c, const moe::lm::LmWeights& w) {
  moe::Result<moe::lm::LmCheckpointFiles> f =
      moe::lm::lm_checkpoint_files(c, w, nullptr, moe::lm::Dtype::F32);
  REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message()));
  return f.value();
}

std::string deepseek_load_error(const std::string& config, const std::vector<uint8_t>& weights) {
  moe::Result<moe::lm::LmModel> m = moe::lm::LmModel::load(config, weights);
  return m.ok() ? "(no error)" : m.error().message();
}

// Folder's logits vs the trainer's forward (selection bias included) over two windows.
void check_same_logits(moe::lm::LmTrainer& trainer, moe::lm::LmModel& model) {
  const int B = 2, T = 10;
  const std::vector<int32_t> tokens = moe_test::pattern_tokens(200);
  std::vector<int32_t> windows(tokens.begin() + 31, tokens.begin() + 31 + B * (T + 1));
  const moe::lm::LmTrainConfig& tc = trainer.config();
  const bool biased = tc.shape.config.router_kind == moe::RouterKind::sigmoid_grouped_topk_bias;
  moe::lm::LmTrainWorkspace<float> ws;
  moe::lm::lm_train_forward_backward<float>(tc.shape, trainer.params().data(),
                                            biased ? trainer.selection_bias().data() : nullptr,
                                            windows.data(), B, T, nullptr, ws);
  std::vector<int32_t> inputs;
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) inputs.push_back(windows[static_cast<size_t>(b) * (T + 1) + t]);
  }
  moe::Result<const moe::lm::LmTrace*> run = model.forward(inputs, B, T);
  REQUIRE(run.ok());
  const std::vector<float>& logits = run.value()->logits;  // [B·T, V]
  REQUIRE(logits.size() == ws.logits.size());
  double worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(logits[i]) - ws.logits[i]));
  }
  CHECK(worst < 1e-5);
  // The same experts, in both layers (selection read the same biased scores).
  for (size_t l = 0; l < 2; ++l) {
    CHECK(run.value()->layers[l].topk_ids == ws.layers[l].moe_ws.topk_ids);
  }
}

}  // namespace

TEST_CASE(
    "lm deepseek: a trained_deepseek sigmoid + bias + shared-expert folder gives the trainer's "
    "logits") {
  const moe::lm::LmConfig c = deepseek_config(moe::RouterKind::sigmoid_grouped_topk_bias);
  moe::lm::LmTrainer trainer = trained_deepseek(c, 0.01f, 8);
  const std::vector<float>& bias = trainer.selection_bias();  // [L, E]
  CHECK(std::any_of(bias.begin(), bias.end(), [](float b) { return b != 0.0f; }));

  const moe::lm::LmWeights w = trainer.weights();
  const moe::lm::LmCheckpointFiles files = files_of(c, w);
  const json config = json::parse(files.config_json);
  CHECK(config["model_type"] == "moe_tutor");
  CHECK(config["architectures"][0] == "MoeTutorForCausalLM");
  CHECK(config["scoring_func"] == "sigmoid");
  CHECK(config["topk_method"] == "noaux_tc");
  CHECK(config["norm_topk_prob"] == true);
  CHECK(config["n_routed_experts"] == 5);
  CHECK(config["n_shared_experts"] == 1);
  CHECK(config["moe_intermediate_size"] == 10);
  CHECK(!config.contains("num_local_experts"));

  const std::vector<moe::lm::NamedTensor> tensors = moe::lm::lm_weights_to_tensors(w, c);
  auto find = [&](const std::string& name) {
    return std::find_if(tensors.begin(), tensors.end(),
                        [&](const moe::lm::NamedTensor& t) { return t.name == name; });
  };
  const auto b1 = find("model.layers.1.mlp.gate.e_score_correction_bias");
  REQUIRE(b1 != tensors.end());
  CHECK(b1->shape == std::vector<int64_t>{5});
  CHECK(b1->data == std::vector<float>(bias.begin() + 5, bias.end()));
  const auto shared = find("model.layers.0.mlp.shared_experts.down_proj.weight");
  REQUIRE(shared != tensors.end());
  CHECK(shared->shape == std::vector<int64_t>{24, 10});  // [d, n_shared · f]
  CHECK(find("model.layers.0.mlp.experts.3.gate_proj.weight") != tensors.end());

  moe::Result<moe::lm::LmModel> loaded =
      moe::lm::LmModel::load(files.config_json, files.safetensors);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message()));
  moe::lm::LmModel& model = loaded.value();
  CHECK(model.config().router_kind == moe::RouterKind::sigmoid_grouped_topk_bias);
  CHECK(model.config().n_shared_experts == 1);
  const std::vector<moe::lm::NamedTensor> back = moe::lm::lm_weights_to_tensors(model.weights(), c);
  REQUIRE(back.size() == tensors.size());
  for (size_t i = 0; i < back.size(); ++i) {
    INFO(tensors[i].name);
    CHECK(back[i].name == tensors[i].name);
    CHECK(back[i].data == tensors[i].data);  // bit for bit
  }
  check_same_logits(trainer, model);
}

TEST_CASE("lm deepseek: softmax top-k without renormalising, with a shared expert, round-trips") {
  const moe::lm::LmConfig c = deepseek_config(moe::RouterKind::softmax_topk);
  moe::lm::LmTrainer trainer = trained_deepseek(c, 0.0f, 4);
  const moe::lm::LmCheckpointFiles files = files_of(c, trainer.weights());
  const json config = json::parse(files.config_json);
  CHECK(config["scoring_func"] == "softmax");
  CHECK(config["norm_topk_prob"] == false);
  CHECK(files.config_json.find("e_score_correction_bias") == std::string::npos);
  moe::Result<moe::lm::LmModel> loaded =
      moe::lm::LmModel::load(files.config_json, files.safetensors);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().config().router_kind == moe::RouterKind::softmax_topk);
  check_same_logits(trainer, loaded.value());
}

TEST_CASE("lm deepseek: bad folders are errors naming the tensor or field") {
  const moe::lm::LmConfig c = deepseek_config(moe::RouterKind::sigmoid_grouped_topk_bias);
  const moe::lm::LmWeights w = moe::lm::lm_weights_init_seeded(c, 2);
  const moe::lm::LmCheckpointFiles files = files_of(c, w);
  const std::string bias0 = "model.layers.0.mlp.gate.e_score_correction_bias";

  std::vector<moe::lm::NamedTensor> tensors = moe::lm::lm_weights_to_tensors(w, c);
  std::vector<moe::lm::NamedTensor> without;
  for (const auto& t : tensors) {
    if (t.name != bias0) without.push_back(t);
  }
  auto bytes = moe::lm::safetensors_write(without, {});
  REQUIRE(bytes.ok());
  CHECK(deepseek_load_error(files.config_json, bytes.value()) ==
        "weights: missing 1 tensor: " + bias0);

  for (auto& t : tensors) {
    if (t.name == bias0) {
      t.shape = {3};
      t.data.resize(3);
    }
  }
  bytes = moe::lm::safetensors_write(tensors, {});
  REQUIRE(bytes.ok());
  CHECK(deepseek_load_error(files.config_json, bytes.value()) ==
        "weights." + bias0 + ": expected shape [5], got [3]");

  struct Bad {
    const char* field;
    json value;
    std::string message;
  };
  const Bad cases[] = {
      {"scoring_func", "softplus",
       "config.scoring_func: must be \"softmax\" or \"sigmoid\", got \"softplus\""},
      {"topk_method", "greedy",
       "config.topk_method: must be \"noaux_tc\" (sigmoid selects with e_score_correction_bias), "
       "got \"greedy\""},
      {"norm_topk_prob", false,
       "config.norm_topk_prob: must be true with scoring_func \"sigmoid\" (the trainer "
       "renormalises the chosen scores)"},
      {"routed_scaling_factor", 2.5,
       "config.routed_scaling_factor: must be 1 (one expert group, unscaled gates), got 2.5"},
      {"n_group", 8, "config.n_group: must be 1 (one expert group, unscaled gates), got 8"},
      {"n_shared_experts", -1, "config.n_shared_experts: must be >= 0, got -1"},
  };
  for (const Bad& b : cases) {
    json config = json::parse(files.config_json);
    config[b.field] = b.value;
    CHECK(deepseek_load_error(config.dump(), files.safetensors) == b.message);
  }
  json no_scoring = json::parse(files.config_json);
  no_scoring.erase("scoring_func");
  CHECK(deepseek_load_error(no_scoring.dump(), files.safetensors) ==
        "config.scoring_func: must be \"softmax\" or \"sigmoid\", got nothing");

  // Mixtral has no shared expert: the name says which model loads the folder.
  json mixtral = json::parse(
      moe_test::read_text_file(moe_test::oracle_lm_path("mixtral_tiny_l2_e4_top2", "config.json")));
  mixtral["n_shared_experts"] = 1;
  CHECK(moe::lm::parse_lm_config(mixtral).error().message() ==
        "config.n_shared_experts: MixtralForCausalLM has no shared expert; a model with one is "
        "model_type \"moe_tutor\"");

  // A capacity router has no checkpoint (its groups are the training windows).
  moe::lm::LmConfig switch_config = c;
  switch_config.router_kind = moe::RouterKind::softmax_top1_capacity;
  switch_config.num_experts_per_tok = 1;
  switch_config.n_shared_experts = 0;
  auto refused =
      moe::lm::lm_checkpoint_files(switch_config, moe::lm::lm_weights_init_seeded(switch_config, 1),
                                   nullptr, moe::lm::Dtype::F32);
  REQUIRE(!refused.ok());
  CHECK(refused.error().where == "router");
}

TEST_CASE("lm deepseek: config.json round-trips the router kind, shared experts and eos") {
  for (moe::RouterKind kind : {moe::RouterKind::softmax_topk_renorm, moe::RouterKind::softmax_topk,
                               moe::RouterKind::sigmoid_grouped_topk_bias}) {
    CAPTURE(moe::to_string(kind));
    moe::lm::LmConfig c = deepseek_config(kind);
    c.eos_token_id = 28;
    const json written = moe::lm::lm_config_to_json(c);
    moe::Result<moe::lm::LmConfig> back = moe::lm::parse_lm_config(written);
    REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message()));
    CHECK(back.value().router_kind == kind);
    CHECK(back.value().n_shared_experts == 1);
    CHECK(back.value().intermediate_size == 10);
    CHECK(back.value().num_local_experts == 5);
    CHECK(back.value().eos_token_id == 28);
    CHECK(moe::lm::lm_config_to_json(back.value()) == written);
  }
  // Mixtral's block without a shared expert stays a Mixtral folder.
  moe::lm::LmConfig mixtral = deepseek_config(moe::RouterKind::softmax_topk_renorm);
  mixtral.n_shared_experts = 0;
  CHECK(moe::lm::lm_config_to_json(mixtral)["model_type"] == "mixtral");
}
