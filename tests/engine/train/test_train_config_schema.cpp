// One layer schema for inference and training: the layer fields of a training config are read by
// the inference reader (read_layer_fields), so the same fields mean the same layer and the same
// mistake gets the same message from `moe forward` and `moe train`.
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/spec/config.hpp"
#include "moe/train/config.hpp"

namespace {

using nlohmann::json;

// A layer every reader takes: all fields named, as inference requires.
json full_layer() {
  return {{"d_model", 8},           {"d_ff", 16},
          {"num_experts", 4},       {"top_k", 1},
          {"activation", "gelu"},   {"expert_kind", "mlp"},
          {"capacity_factor", 1.5}, {"router_kind", "softmax_top1_capacity"}};
}

std::string inference_error(const json& layer) {
  moe::Result<moe::LayerConfig> r = moe::parse_layer_config(layer, "config");
  return r.ok() ? "(no error)" : r.error().message();
}

std::string training_error(json layer) {
  layer["task"] = "clusters";
  moe::Result<moe::train::TrainConfig> r = moe::train::parse_train_config_json(layer);
  return r.ok() ? "(no error)" : r.error().message();
}

}  // namespace

TEST_CASE("one layer schema: a training config's layer fields read as in an inference config") {
  json train = full_layer();
  train["task"] = "clusters";
  moe::Result<moe::LayerConfig> inference = moe::parse_layer_config(full_layer(), "config");
  moe::Result<moe::train::TrainConfig> training = moe::train::parse_train_config_json(train);
  REQUIRE(inference.ok());
  REQUIRE(training.ok());
  const moe::LayerConfig& a = inference.value();
  const moe::LayerConfig& b = training.value().layer;
  CHECK(a.d_model == b.d_model);
  CHECK(a.d_ff == b.d_ff);
  CHECK(a.num_experts == b.num_experts);
  CHECK(a.top_k == b.top_k);
  CHECK(a.router_kind == b.router_kind);
  CHECK(a.activation == b.activation);
  CHECK(a.expert_kind == b.expert_kind);
  CHECK(a.capacity_factor == b.capacity_factor);
  CHECK(b.router_kind == moe::RouterKind::softmax_top1_capacity);
  CHECK(b.capacity_factor == 1.5);
  // and the trainer runs that layer
  const moe::train::ModelShape s = training.value().shape();
  CHECK(s.router == moe::RouterKind::softmax_top1_capacity);
  CHECK(s.expert_kind == moe::ExpertKind::mlp);
  CHECK(s.activation == moe::Activation::gelu);
  CHECK(s.capacity_factor == 1.5);
}

TEST_CASE("one layer schema: the same mistake gets the same message from both readers") {
  const json mistakes[] = {
      {{"top_k", 5}},
      {{"d_model", "8"}},
      {{"num_experts", 0}},
      {{"router_kind", "hash"}},
      {{"activation", "tanh"}},
      {{"expert_kind", "moe"}},
      {{"expert_kind", "swiglu"}},  // with gelu
      {{"capacity_factor", "x"}},
      {{"top_k", 2}},                     // softmax_top1_capacity routes to one expert
      {{"router_kind", "softmax_topk"}},  // capacity_factor on a kind without capacity
  };
  for (const json& change : mistakes) {
    json layer = full_layer();
    layer.update(change);
    const std::string inference = inference_error(layer);
    CAPTURE(layer.dump());
    CHECK(inference != "(no error)");
    CHECK(inference.rfind("config.", 0) == 0);
    CHECK(training_error(layer) == inference);
  }
}

TEST_CASE("one layer schema: training fills what it leaves out and refuses what it cannot train") {
  moe::Result<moe::train::TrainConfig> defaults =
      moe::train::parse_train_config(R"({"task": "tokens"})");
  REQUIRE(defaults.ok());
  CHECK(defaults.value().layer.router_kind == moe::RouterKind::softmax_topk_renorm);
  CHECK(defaults.value().layer.expert_kind == moe::ExpertKind::swiglu);
  CHECK(defaults.value().layer.d_model == 32);
  // inference needs every size; training's caps are lower than inference's
  json layer = full_layer();
  layer.erase("d_ff");
  CHECK(inference_error(layer) == "config.d_ff: missing (expected an integer)");
  CHECK(training_error(layer) == "(no error)");
  layer = full_layer();
  layer["d_model"] = 1000;
  CHECK(inference_error(layer) == "(no error)");
  CHECK(training_error(layer) == "config.d_model: must be <= 512, got 1000");
  // an inference-only option is not silently ignored by the trainer
  layer = full_layer();
  layer["add_residual"] = true;
  CHECK(inference_error(layer) == "(no error)");
  CHECK(training_error(layer) == "config.add_residual: unknown field");
}
