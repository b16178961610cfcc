// The cost calculator against hand-computed counts (a toy layer, Mixtral 8x7B, the 400B
// question), its validation errors, and the expert probe against the layer's own trace.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/calc/cost.hpp"
#include "moe/calc/expert_probe.hpp"
#include "moe/kernels/kernels.hpp"
#include "moe/spec/spec.hpp"
#include "result_support.hpp"
#include "test_support.hpp"

namespace {

moe::CostReport cost_ok(const moe::CostConfig& c) {
  return moe_test::value_of(moe::layer_cost(c));
}

std::string cost_error(const moe::CostConfig& c) {
  return moe_test::error_of(moe::layer_cost(c));
}

}  // namespace

TEST_CASE("layer_cost: the lesson's 4-expert toy layer, counted by hand") {
  // d = 8, f = 16, E = 4, k = 2, mlp: P_e = 2·8·16 = 256, router = 4·8 = 32.
  moe::CostConfig c{.d_model = 8, .d_ff = 16, .num_experts = 4, .top_k = 2};
  const moe::CostReport r = cost_ok(c);
  CHECK(r.params_per_expert == 256);
  CHECK(r.router_params == 32);
  CHECK(r.total_params == 4 * 256 + 32);   // 1056
  CHECK(r.active_params == 2 * 256 + 32);  // 544
  CHECK(r.active_fraction == doctest::Approx(544.0 / 1056.0));
  CHECK(r.flops_per_token_active == 1088.0);
  CHECK(r.flops_per_token_dense == 2112.0);

  // A dense layer is the same count with E = k = 1: everything is active.
  c.num_experts = 1;
  c.top_k = 1;
  c.d_ff = 64;
  const moe::CostReport dense = cost_ok(c);
  CHECK(dense.total_params == dense.active_params);
  CHECK(dense.active_fraction == 1.0);
}

TEST_CASE("layer_cost: Mixtral 8x7B comes out at 46.7B total, 12.9B active") {
  // SwiGLU experts: P_e = 3·4096·14336 = 176,160,768; router 8·4096 = 32,768 per layer.
  // Shared: attention 32·(2·4096² + 2·4096·1024) = 1,342,177,280, embeddings and head
  // 2·32000·4096 = 262,144,000, norms 32·2·4096 + 4096 = 266,240; sum 1,604,587,520.
  const moe::CostConfig c{.d_model = 4096,
                          .d_ff = 14336,
                          .num_experts = 8,
                          .top_k = 2,
                          .layers = 32,
                          .shared_params = 1604587520,
                          .expert_kind = moe::ExpertKind::swiglu};
  const moe::CostReport r = cost_ok(c);
  CHECK(r.params_per_expert == 176160768);
  CHECK(r.router_params == 32768);
  CHECK(r.total_params == 46702792704);   // 32·(8·P_e + 32768) + S
  CHECK(r.active_params == 12879925248);  // 32·(2·P_e + 32768) + S
  CHECK(r.flops_per_token_active == doctest::Approx(2.0 * 12879925248.0));
}

TEST_CASE("solve_active_from_total: 8 experts, top-2, 400B total") {
  moe::Result<moe::ActiveSolve> none = moe::solve_active_from_total(400e9, 0.0, 8, 2);
  REQUIRE(none.ok());
  CHECK(none.value().active_params == doctest::Approx(100e9));
  CHECK(none.value().active_fraction == doctest::Approx(0.25));

  // A tenth shared: 40B always run, 360B in experts of which a quarter runs: 40 + 90 = 130B.
  moe::Result<moe::ActiveSolve> tenth = moe::solve_active_from_total(400e9, 0.1, 8, 2);
  REQUIRE(tenth.ok());
  CHECK(tenth.value().shared_params == doctest::Approx(40e9));
  CHECK(tenth.value().expert_params == doctest::Approx(360e9));
  CHECK(tenth.value().active_params == doctest::Approx(130e9));
}

TEST_CASE("layer_cost and solve_active_from_total: errors name the field") {
  moe::CostConfig c{.d_model = 8, .d_ff = 16, .num_experts = 0, .top_k = 1};
  CHECK(cost_error(c) == "cost.num_experts: must be >= 1, got 0");
  c.num_experts = 2;
  c.top_k = 3;
  CHECK(cost_error(c) == "cost.top_k: must be between 1 and num_experts (2), got 3");
  c.top_k = 1;
  c.d_model = 0;
  CHECK(cost_error(c) == "cost.d_model: must be >= 1, got 0");
  c.d_model = 8;
  c.layers = 0;
  CHECK(cost_error(c) == "cost.layers: must be >= 1, got 0");
  c.layers = 1;
  c.shared_params = -5;
  CHECK(cost_error(c) == "cost.shared_params: must be >= 0, got -5");

  moe::Result<moe::ActiveSolve> bad_share = moe::solve_active_from_total(400e9, 1.0, 8, 2);
  REQUIRE(!bad_share.ok());
  CHECK(bad_share.error().where == "cost.shared_fraction");
  moe::Result<moe::ActiveSolve> bad_total = moe::solve_active_from_total(-1, 0.0, 8, 2);
  REQUIRE(!bad_total.ok());
  CHECK(bad_total.error().where == "cost.total_params");
  moe::Result<moe::ActiveSolve> bad_k = moe::solve_active_from_total(400e9, 0.0, 8, 9);
  REQUIRE(!bad_k.ok());
  CHECK(bad_k.error().message() == "cost.top_k: must be between 1 and num_experts (8), got 9");
}

TEST_CASE("expert_probe: output matches the layer's expert_outputs for the routed experts") {
  for (const char* kind : {"mlp", "swiglu"}) {
    for (const char* act : {"relu", "gelu", "silu"}) {
      if (std::string(kind) == "swiglu" && std::string(act) != "silu") continue;  // engine rule
      CAPTURE(kind);
      CAPTURE(act);
      const std::string json = std::string(R"({"config":{"d_model":8,"d_ff":16,"num_experts":4,)") +
                               R"("top_k":2,"router_kind":"softmax_topk_renorm","activation":")" +
                               act + R"(","expert_kind":")" + kind + R"("},"seed":7})";
      moe::Result<moe::Layer> made = moe::make_layer(json);
      REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message()));
      moe::Layer& layer = made.value();
      const std::vector<float> x = moe_test::random_floats(8, 5, -1.5f, 1.5f);  // [d]
      moe::Result<const moe::Trace*> run = layer.forward(x.data(), x.size(), 1);
      REQUIRE(run.ok());
      const moe::Trace& tr = *run.value();
      for (int j = 0; j < 2; ++j) {
        const int e = tr.topk_ids[static_cast<size_t>(j)];
        moe::Result<moe::ExpertProbe> p = moe::expert_probe(layer, e, x.data(), x.size());
        REQUIRE(p.ok());
        const moe::ExpertProbe& probe = p.value();
        CHECK(probe.expert == e);
        REQUIRE(probe.output.size() == 8);
        // Same math through different kernels (the layer uses packed weights): equal to rounding.
        for (size_t o = 0; o < 8; ++o) {
          CHECK(probe.output[o] == doctest::Approx(tr.expert_outputs[j * 8 + o]).epsilon(1e-5));
        }
        // The pre-activation is w1 · x, as the scalar reference computes it.
        std::vector<float> pre(16);
        moe::f32_matmul__scalar(x.data(), layer.weights().experts[e].w1.data(), pre.data(), 1, 8,
                                16);
        moe_test::check_close(probe.pre_activation, pre, 1e-5, 1e-5, "pre_activation");
        if (std::string(kind) == "swiglu") {
          CHECK(probe.up.size() == 16);
        } else {
          CHECK(probe.up.empty());
        }
        if (std::string(kind) == "mlp" && std::string(act) == "relu") {
          for (size_t i = 0; i < 16; ++i) {
            CHECK(probe.hidden[i] == (probe.pre_activation[i] > 0 ? probe.pre_activation[i] : 0));
          }
        }
      }
    }
  }
}

TEST_CASE("expert_probe: a bad expert index or input is an error value") {
  moe::Result<moe::Layer> made = moe::make_layer(
      R"({"config":{"d_model":8,"d_ff":16,"num_experts":4,"top_k":2,)"
      R"("router_kind":"softmax_topk_renorm","activation":"silu","expert_kind":"mlp"},"seed":1})");
  REQUIRE(made.ok());
  const std::vector<float> x(8, 0.5f);
  moe::Result<moe::ExpertProbe> bad = moe::expert_probe(made.value(), 4, x.data(), x.size());
  REQUIRE(!bad.ok());
  CHECK(bad.error().message() == "expert: must be between 0 and 3, got 4");
  moe::Result<moe::ExpertProbe> short_input = moe::expert_probe(made.value(), 0, x.data(), 7);
  REQUIRE(!short_input.ok());
  CHECK(short_input.error().where == "input");
}

TEST_CASE("expert_capacity_for: Switch and GShard rules, and its errors") {
  // Switch (k = 1): floor(1.25 · 512 / 8) = 80; the oracle's groups: 1.0 · 8 / 4 = 2, 0.5 · 8 / 4
  // = 1.
  CHECK(moe::expert_capacity_for(1.25, 512, 8, 1).value() == 80);
  CHECK(moe::expert_capacity_for(1.0, 8, 4, 1).value() == 2);
  CHECK(moe::expert_capacity_for(0.5, 8, 4, 1).value() == 1);
  // GShard (k = 2): each token sends two pairs, so the room doubles: floor(1.0 · 2 · 64 / 8) = 16.
  CHECK(moe::expert_capacity_for(1.0, 64, 8, 2).value() == 16);
  // Floor, not round: 1.1 · 10 / 4 = 2.75 -> 2; and never more than the group holds.
  CHECK(moe::expert_capacity_for(1.1, 10, 4, 1).value() == 2);
  CHECK(moe::expert_capacity_for(100.0, 10, 2, 1).value() == 10);
  CHECK(moe::expert_capacity_for(1.0, 8, 4, 5).error().message() ==
        "capacity.top_k: must be between 1 and num_experts (4), got 5");
  CHECK(moe::expert_capacity_for(0.0, 8, 4, 1).error().where == "capacity.capacity_factor");
  CHECK(moe::expert_capacity_for(1.0, 0, 4, 1).error().where == "capacity.tokens");
}
