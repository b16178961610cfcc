// Golden tests against huggingface/transformers reference vectors (tests/oracle/, format in
// shared/oracle/README.md): values at 1e-5 absolute, indices and counts exact.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/io/oracle_case.hpp"
#include "moe/layer/aux_loss.hpp"
#include "moe/layer/layer.hpp"
#include "moe/routing/router.hpp"
#include "oracle_support.hpp"

namespace {

using moe_test::as_double;
using moe_test::flat;
using nlohmann::json;
using Ran = moe_test::OracleRun;

void check_routed(const Ran& ran) {
  const json& ex = ran.expected();
  const moe::Trace& tr = ran.trace;
  CHECK(as_double(tr.topk_ids) == flat(ex["topk_indices"]));
  CHECK(as_double(tr.expert_load) == flat(ex["expert_token_counts"]));
  moe_test::check_oracle_close(tr.router_logits, ex["router_logits"], "router_logits");
  moe_test::check_oracle_close(tr.topk_weights, ex["topk_weights"], "topk_weights");
  moe_test::check_oracle_near(tr.aux_loss, ex["aux_loss"], "aux_loss");
}

}  // namespace

TEST_CASE("oracle mixtral_e4_top2_d8_ff16_t6: Mixtral block, E=4, top-2") {
  const Ran ran = moe_test::run_oracle_case("mixtral_e4_top2_d8_ff16_t6");
  CHECK(ran.oc.family == "mixtral");
  check_routed(ran);
  moe_test::check_oracle_close(ran.trace.output, ran.expected()["output"], "output");
}

TEST_CASE("oracle mixtral_e8_top1_d8_ff16_t6: top-1 weights are exactly 1 (M3)") {
  const Ran ran = moe_test::run_oracle_case("mixtral_e8_top1_d8_ff16_t6");
  check_routed(ran);
  for (float w : ran.trace.topk_weights) CHECK(w == 1.0f);
  moe_test::check_oracle_close(ran.trace.output, ran.expected()["output"], "output");
}

TEST_CASE("oracle qwen2moe_e4_top2: raw probabilities as gates, gated shared expert (Q1)") {
  const Ran ran = moe_test::run_oracle_case("qwen2moe_e4_top2_d8_ff8_sff16_t6_nonorm");
  CHECK(ran.oc.num_shared_experts == 1);
  CHECK_FALSE(ran.oc.config.renormalises());
  check_routed(ran);
  moe_test::check_oracle_close(ran.trace.output, ran.expected()["output"], "output");
  double wsum = 0.0;
  for (int j = 0; j < 2; ++j) wsum += ran.trace.topk_weights[j];
  CHECK(wsum < 0.999);  // not renormalised
}

TEST_CASE("oracle mixtral_aux_loss_l2_b2_s5_e4_top2_nomask: per-slot fractions (M1)") {
  moe::Result<moe::AuxLossCase> parsed = moe::parse_aux_loss_case(
      moe_test::read_text_file(moe_test::oracle_path("mixtral_aux_loss_l2_b2_s5_e4_top2_nomask")));
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message()));
  const moe::AuxLossCase& ac = parsed.value();
  CHECK(ac.mask.empty());
  const json ex =
      moe_test::load_oracle_json("mixtral_aux_loss_l2_b2_s5_e4_top2_nomask")["expected"];
  const int n = ac.num_layers * ac.tokens_per_layer, E = ac.num_experts, k = ac.top_k;
  std::vector<float> probs(n * E);
  std::vector<int32_t> ids(n * k);
  moe::router_compute_probs(ac.gate_logits.data(), n, E, probs.data());
  moe::router_select_topk(probs.data(), n, E, k, ids.data());
  CHECK(as_double(ids) == flat(ex["topk_indices"]));
  const float loss = moe::load_balancing_loss(probs.data(), ids.data(), n, E, k, nullptr);
  moe_test::check_oracle_near(loss, ex["aux_loss"], "aux_loss");
  moe_test::check_oracle_near(loss, ex["aux_loss_without_mask"], "aux_loss_without_mask");
}

TEST_CASE(
    "oracle: every family parses (Switch, DeepSeek-V3 included; full runs in "
    "test_layer_routing.cpp)") {
  for (const char* name :
       {"switch_e4_cf1.0_b2_s8_d8_ff16", "deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5"}) {
    moe::Result<moe::OracleCase> r =
        moe::parse_case(moe_test::read_text_file(moe_test::oracle_path(name)));
    CHECK_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().message()));
  }
}
