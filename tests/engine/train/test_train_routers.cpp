// The trainable layer's newer router kinds against the inference engine, through the trainer and
// through the config reader: the train model's forward output equals moe::Layer's on the same
// weights and inputs; each kind trains (the loss falls); misused options are refused.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/layer/layer.hpp"
#include "moe/rng.hpp"
#include "moe/train/config.hpp"
#include "moe/train/model.hpp"
#include "moe/train/trainer.hpp"

namespace {

using moe::train::ModelShape;
using moe::train::RouterKind;

// The inference layer with the train model's weights; capacity groups = the training sequences.
moe::Layer inference_layer(const ModelShape& s, const std::vector<float>& params, int seq_len,
                           std::optional<uint64_t> noise_seed) {
  moe::LayerConfig c;
  c.d_model = s.d_model;
  c.d_ff = s.d_ff;
  c.num_experts = s.num_experts;
  c.top_k = s.top_k;
  c.router_kind = s.router;  // one RouterKind for training and inference
  c.activation = s.activation;
  c.expert_kind = s.expert_kind;
  c.train_mode = noise_seed.has_value();
  c.noise_seed = noise_seed.value_or(0);
  c.capacity_factor = s.capacity_factor;
  c.tokens_per_group = seq_len;
  c.slots_per_expert = s.slots_per_expert;
  moe::LayerWeights w;
  w.router.assign(params.begin(), params.begin() + s.noise_offset());
  if (s.router == RouterKind::noisy_topk)
    w.noise.assign(params.begin() + s.noise_offset(), params.begin() + s.router_size());
  const bool swiglu = s.expert_kind == moe::ExpertKind::swiglu;
  for (int e = 0; e < s.num_experts; ++e) {
    moe::ExpertWeights ex;
    ex.w1.assign(params.begin() + s.w1_offset(e),
                 params.begin() + s.w1_offset(e) + s.matrix_size());
    if (swiglu)
      ex.w3.assign(params.begin() + s.w3_offset(e),
                   params.begin() + s.w3_offset(e) + s.matrix_size());
    ex.w2.assign(params.begin() + s.w2_offset(e),
                 params.begin() + s.w2_offset(e) + s.matrix_size());
    w.experts.push_back(std::move(ex));
  }
  return moe::Layer(c, std::move(w));
}

std::string scientific(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", v);
  return buf;
}

// Checks that the train output equals the inference output over T tokens (and the routing
// decisions agree); appends the largest difference to `log`.
void check_matches_inference(const ModelShape& shape, std::optional<uint64_t> noise_seed,
                             std::string& log) {
  const int T = 24, S = 8, d = shape.d_model;
  moe::SplitMix64 rng(11);
  std::vector<float> params(shape.num_params()), x(static_cast<size_t>(T) * d), y(x.size(), 0.0f);
  for (float& v : params) v = static_cast<float>(0.5 * rng.next_normal());
  for (float& v : x) v = static_cast<float>(rng.next_normal());
  moe::train::Workspace<float> ws;
  const moe::train::LossCoefs coefs{0, 0, 0, 0, 1.0};  // load_cv2 on: its value is compared
  const moe::train::LossParts parts = moe::train::model_forward_backward<float>(
      shape, coefs, params.data(), nullptr, x.data(), y.data(), T, S, nullptr, ws, noise_seed);
  // soft_moe mixes the tokens of one sequence: one inference call per sequence
  const bool soft = shape.router == RouterKind::soft_moe;
  const int calls = soft ? T / S : 1, per_call = T / calls;
  double worst = 0;
  int dropped = 0;
  for (int call = 0; call < calls; ++call) {
    moe::Layer layer = inference_layer(shape, params, soft ? 0 : S, noise_seed);
    const size_t first = static_cast<size_t>(call) * per_call * d;
    moe::Result<const moe::Trace*> tr =
        layer.forward(x.data() + first, static_cast<size_t>(per_call) * d, per_call);
    REQUIRE_MESSAGE(tr.ok(), (tr.ok() ? "" : tr.error().message()));
    const moe::Trace& t = *tr.value();
    for (size_t i = 0; i < t.output.size(); ++i)
      worst = std::max(worst, std::fabs(static_cast<double>(t.output[i]) - ws.out[first + i]));
    if (shape.router == RouterKind::noisy_topk) {  // Shazeer's two losses, over the batch
      CHECK(parts.importance_cv2 == doctest::Approx(t.losses.importance_cv2).epsilon(1e-4));
      CHECK(parts.load_cv2 == doctest::Approx(t.losses.load_cv2).epsilon(1e-4));
    }
    if (!soft) {
      CHECK(t.topk_ids == ws.topk_ids);
      CHECK(t.kept == ws.kept);
      for (uint8_t k : t.kept) dropped += k == 0;
    }
  }
  const std::string line = std::string(moe::to_string(shape.router)) + ", " +
                           std::string(moe::to_string(shape.expert_kind)) + ", noise " +
                           (noise_seed ? "on" : "off") + ": max |train - inference| " +
                           scientific(worst) + ", dropped/untaken slots " +
                           std::to_string(dropped) + "\n";
  log += line;
  INFO(line);
  CHECK(worst < 1e-5);
  if (shape.router == RouterKind::softmax_top1_capacity ||
      shape.router == RouterKind::topk_capacity || shape.router == RouterKind::expert_choice) {
    CHECK(dropped > 0);  // the comparison covers dropped slots
  }
}

moe::train::TrainConfig parse(const std::string& text) {
  moe::Result<moe::train::TrainConfig> c = moe::train::parse_train_config(text);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  return c.value();
}

}  // namespace

TEST_CASE("train routers: the train forward equals moe::Layer's on the same weights") {
  std::string log;
  for (moe::ExpertKind kind : {moe::ExpertKind::swiglu, moe::ExpertKind::mlp}) {
    ModelShape s{6, 10, 4, 2, RouterKind::noisy_topk, kind, moe::Activation::gelu};
    check_matches_inference(s, std::nullopt, log);
    check_matches_inference(s, 4242,
                            log);  // the same ε: inference mode "train" with noise_seed 4242
    check_matches_inference(s, moe::train::noise_seed_for_step(7, 3), log);
    s.router = RouterKind::softmax_top1_capacity;
    s.top_k = 1;
    s.capacity_factor = 1.0;  // C = floor(8/4) = 2 per sequence of 8
    check_matches_inference(s, std::nullopt, log);
    s.router = RouterKind::topk_capacity;
    s.top_k = 2;
    s.capacity_factor = 0.75;  // C = floor(0.75·2·8/4) = 3
    check_matches_inference(s, std::nullopt, log);
    s.router = RouterKind::expert_choice;
    s.capacity_factor = 1.5;  // C = round(1.5·8/4) = 3
    check_matches_inference(s, std::nullopt, log);
    s.router = RouterKind::soft_moe;
    s.slots_per_expert = 2;
    check_matches_inference(s, std::nullopt, log);
    s.router = RouterKind::softmax_topk_renorm;
    check_matches_inference(s, std::nullopt, log);
  }
  MESSAGE(log);
}

TEST_CASE("train routers: every new kind trains on the clusters task (loss falls over 200 steps)") {
  const char* kinds[][2] = {
      {"noisy_topk", R"("balancing": {"kind": "importance_cv2", "alpha": 0.1})"},
      {"noisy_topk", R"("balancing": {"kind": "load_cv2", "alpha": 0.1})"},
      {"softmax_top1_capacity",
       R"("capacity_factor": 1.25, "balancing": {"kind": "switch_aux", "alpha": 0.01})"},
      {"topk_capacity",
       R"("capacity_factor": 1.0, "balancing": {"kind": "switch_aux", "alpha": 0.01})"},
      {"expert_choice",
       R"("capacity_factor": 2.0, "balancing": {"kind": "none", "z_loss": 0.001})"},
      {"soft_moe", R"("slots_per_expert": 2)"},
  };
  std::string log;
  for (const auto& kind : kinds) {
    const char* router = kind[0];  // not a structured binding: clang 14 cannot capture one in INFO
    const char* extra = kind[1];
    const std::string text =
        std::string(R"({"task": "clusters", "d_model": 8, "d_ff": 16, "num_experts": 4,
            "batch": 64, "seq_len": 16, "lr": 0.01, "seed": 3, "router_kind": ")") +
        router + "\", " + extra + "}";
    moe::Result<moe::train::Trainer> tr = moe::train::Trainer::create(parse(text));
    REQUIRE(tr.ok());
    const moe::train::ChunkResult r = tr.value().run(200);
    double first = 0, last = 0;
    for (int i = 0; i < 20; ++i) first += r.loss[i] / 20, last += r.loss[180 + i] / 20;
    log += std::string(router) + ": mean loss of steps 1-20 " + std::to_string(first) +
           ", of steps 181-200 " + std::to_string(last) + "\n";
    INFO(router);
    CHECK(last < 0.7 * first);
    for (float v : r.expert_load) CHECK(std::isfinite(v));
    const moe::train::TrainStats st = tr.value().stats();
    CHECK(st.has_cluster);
    CHECK(std::isfinite(st.task_loss));
  }
  MESSAGE(log);
}

TEST_CASE("train routers: noisy_topk training is deterministic and draws new noise each step") {
  const std::string text = R"({"task": "clusters", "d_model": 8, "d_ff": 16, "num_experts": 4,
      "batch": 32, "seq_len": 16, "router_kind": "noisy_topk", "seed": 5})";
  auto run = [&] {
    moe::Result<moe::train::Trainer> tr = moe::train::Trainer::create(parse(text));
    REQUIRE(tr.ok());
    return tr.value().run(20).loss;
  };
  CHECK(run() == run());
  CHECK(moe::train::noise_seed_for_step(5, 0) != moe::train::noise_seed_for_step(5, 1));
  CHECK(moe::train::noise_seed_for_step(5, 0) != moe::train::noise_seed_for_step(6, 0));
  CHECK(moe::train::noise_seed_for_step(5, 0) < (uint64_t{1} << 53));
}

TEST_CASE("train routers: options that do not fit the router kind are refused") {
  const struct {
    const char* config;
    const char* where;
    const char* reason_start;
  } bad[] = {
      {R"("router_kind": "soft_moe", "balancing": {"kind": "switch_aux", "alpha": 0.01})",
       "config.balancing", "switch_aux does not apply to router soft_moe"},
      {R"("router_kind": "expert_choice", "balancing": {"kind": "aux_free_bias", "gamma": 0.01})",
       "config.balancing", "aux_free_bias does not apply to router expert_choice"},
      {R"("router_kind": "expert_choice", "balancing": {"kind": "seq_aux", "alpha": 0.01})",
       "config.balancing", "seq_aux does not apply to router expert_choice"},
      {R"("router_kind": "noisy_topk", "balancing": {"kind": "aux_free_bias", "gamma": 0.01})",
       "config.balancing", "aux_free_bias does not apply to router noisy_topk"},
      {R"("router_kind": "softmax_topk", "capacity_factor": 1.0)", "config.capacity_factor",
       "softmax_topk has no expert capacity"},
      {R"("router_kind": "softmax_top1_capacity", "top_k": 2)", "config.top_k",
       "softmax_top1_capacity"},
      {R"("router_kind": "expert_choice", "top_k": 2)", "config.top_k",
       "expert_choice does not use"},
      {R"("router_kind": "noisy_topk", "slots_per_expert": 2)", "config.slots_per_expert",
       "only used by soft_moe"},
      {R"("router_kind": "soft_moe", "slots_per_expert": 0)", "config.slots_per_expert", "must be"},
      {R"("router_kind": "topk_capacity", "capacity_factor": -1)", "config.capacity_factor",
       "must be"},
      {R"("router_kind": "softmax_top1_capacity", "num_experts": 8, "seq_len": 4, "batch": 64)",
       "config.capacity_factor", "gives experts 0 tokens"},
      {R"("router_kind": "mixture")", "config.router_kind", "unknown router kind \"mixture\""},
      {R"("router": "softmax_topk")", "config.router", "renamed router_kind"},
      {R"("expert": "mlp")", "config.expert", "renamed expert_kind"},
      {R"("router_kind": "sigmoid_grouped_topk_bias", "n_group": 2)", "config.n_group",
       "unknown field"},
      {R"("router_kind": "softmax_topk", "balancing": {"kind": "load_cv2", "alpha": 0.1})",
       "config.balancing", "load_cv2 does not apply to router softmax_topk"},
  };
  for (const auto& b : bad) {
    const std::string text = std::string(R"({"task": "clusters", )") + b.config + "}";
    moe::Result<moe::train::TrainConfig> c = moe::train::parse_train_config(text);
    INFO(text);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().where == b.where);
    CHECK(c.error().reason.rfind(b.reason_start, 0) == 0);
  }
  // and the fitting ones are read
  const moe::train::TrainConfig c = parse(
      R"({"task": "clusters", "router_kind": "softmax_top1_capacity", "capacity_factor": 1.5})");
  CHECK(c.layer.top_k == 1);
  CHECK(c.layer.capacity_factor == 1.5);
  CHECK(parse(R"({"task": "clusters", "router_kind": "soft_moe", "slots_per_expert": 3,
                  "balancing": {"kind": "z_loss", "alpha": 0.001}})")
            .layer.slots_per_expert == 3);
}
