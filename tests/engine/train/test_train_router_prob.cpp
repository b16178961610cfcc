// The trainer's per-expert report for the aux-loss lesson: P_e (mean normalised affinity) per
// step and over the dataset, the per-expert Switch terms E · f_e · P_e, and the selection bias.
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/train/trainer.hpp"

using namespace moe::train;
using moe::Result;

namespace {

Trainer make_layer_trainer(const std::string& json) {
  Result<TrainConfig> config = parse_train_config(json);
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message()));
  Result<Trainer> trainer = Trainer::create(config.value());
  REQUIRE_MESSAGE(trainer.ok(), (trainer.ok() ? "" : trainer.error().message()));
  return std::move(trainer.value());
}

double sum(const float* v, int n) {
  return std::accumulate(v, v + n, 0.0);
}

}  // namespace

TEST_CASE("router_prob: each step's P sums to 1, for softmax and sigmoid routers") {
  for (const char* router : {"softmax_topk", "softmax_topk_renorm", "sigmoid_grouped_topk_bias"}) {
    CAPTURE(router);
    Trainer tr = make_layer_trainer(std::string(R"({"task": "tokens", "num_experts": 6, "top_k": 2,
        "d_model": 8, "d_ff": 8, "batch": 64, "router_kind": ")") +
                                    router + R"("})");
    const ChunkResult r = tr.run(5);
    REQUIRE(r.router_prob.size() == 5u * 6u);
    for (int s = 0; s < r.steps; ++s) {
      CHECK(sum(r.router_prob.data() + s * 6, 6) == doctest::Approx(1.0).epsilon(1e-5));
      for (int e = 0; e < 6; ++e) CHECK(r.router_prob[s * 6 + e] > 0.0f);
    }
    const TrainStats st = tr.stats();
    REQUIRE(st.router_prob.size() == 6u);
    CHECK(sum(st.router_prob.data(), 6) == doctest::Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("switch_term: per-expert E·f·P adds up to the Switch loss the model computes") {
  Trainer tr = make_layer_trainer(R"({"task": "tokens", "num_experts": 8, "top_k": 1, "d_model": 16,
      "d_ff": 32, "batch": 128, "router_init_scale": 0.1, "router_skew": 0.05,
      "balancing": {"kind": "switch_aux", "alpha": 0.01}})");
  tr.run(40);
  const TrainStats st = tr.stats();
  REQUIRE(st.switch_term.size() == 8u);
  for (int e = 0; e < 8; ++e) {
    CHECK(st.switch_term[e] == doctest::Approx(8 * st.expert_load[e] * st.router_prob[e]));
  }
  CHECK(st.switch_loss > 0.5);  // a live router: not an empty or degenerate value
  CHECK(sum(st.switch_term.data(), 8) == doctest::Approx(st.switch_loss).epsilon(1e-5));
}

TEST_CASE("router_prob: a zero router gives P = 1/E and Switch terms 1/k on the first k experts") {
  // All logits 0: q[t,e] = 1/E for every token; the tied top-k goes to experts 0..k-1, so
  // f_e = 1/k for those and 0 for the rest, and E · f_e · P_e = E · (1/k) · (1/E) = 1/k.
  Trainer tr =
      make_layer_trainer(R"({"task": "clusters", "num_experts": 4, "top_k": 2, "d_model": 4,
      "d_ff": 4, "router_init_scale": 0})");
  const TrainStats st = tr.stats();
  for (int e = 0; e < 4; ++e) CHECK(st.router_prob[e] == doctest::Approx(0.25));
  CHECK(st.expert_load == std::vector<float>{0.5f, 0.5f, 0.0f, 0.0f});
  CHECK(st.switch_term[0] == doctest::Approx(0.5));
  CHECK(st.switch_term[1] == doctest::Approx(0.5));
  CHECK(st.switch_term[2] == 0.0f);
  CHECK(st.switch_term[3] == 0.0f);
  CHECK(st.switch_loss == doctest::Approx(1.0));
}

TEST_CASE("selection_bias: zeros without bias balancing, multiples of γ with it") {
  Trainer plain =
      make_layer_trainer(R"({"task": "tokens", "num_experts": 4, "top_k": 2, "d_model": 8,
      "d_ff": 8, "batch": 64})");
  CHECK(plain.run(3).selection_bias == std::vector<float>(4, 0.0f));

  Trainer biased =
      make_layer_trainer(R"({"task": "tokens", "num_experts": 4, "top_k": 2, "d_model": 8,
      "d_ff": 8, "batch": 64, "router_kind": "sigmoid_grouped_topk_bias",
      "balancing": {"kind": "aux_free_bias", "gamma": 0.25}})");
  const ChunkResult r = biased.run(3);
  REQUIRE(r.selection_bias.size() == 4u);
  CHECK(r.selection_bias == biased.selection_bias());
  CHECK(biased.run(0).selection_bias == r.selection_bias);  // an empty chunk still reports b
  bool moved = false;
  for (float b : r.selection_bias) {
    const float steps = b / 0.25f;  // each step moves b_e by -γ, 0 or +γ
    CHECK(steps == doctest::Approx(std::round(steps)));
    CHECK(std::fabs(b) <= 3 * 0.25f + 1e-6f);
    moved |= b != 0.0f;
  }
  CHECK(moved);
}
