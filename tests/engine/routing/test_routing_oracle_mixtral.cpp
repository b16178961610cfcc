// Mixtral / Qwen2-MoE golden cases: the top-k selection and the load-balancing loss (M1, M3, Q1),
// from the recorded router logits.
#include <string>

#include "moe/routing/losses.hpp"
#include "moe/routing/softmax_topk.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;
using namespace routing_test;

namespace {

void check_topk_case(const std::string& name) {
  CAPTURE(name);
  const RoutingCase c = load_routing_case(name);
  const int k = c.config["top_k"];
  const bool renormalise =
      c.config["router_kind"] == "softmax_topk_renorm" || c.config["norm_topk_prob"].get<bool>();

  const SoftmaxTopk sel = softmax_topk(c.router_logits, c.tokens, c.experts, k, renormalise);
  REQUIRE_MESSAGE(sel.ok(), sel.error);
  check_equal(sel.topk_ids, ints(c.expected["topk_indices"]), "topk_indices");
  moe_test::check_oracle_close(sel.topk_weights, c.expected["topk_weights"], "topk_weights");

  const LoadBalancingLoss aux =
      mixtral_load_balancing_loss(c.router_logits, c.tokens, c.experts, k);
  REQUIRE_MESSAGE(aux.ok(), aux.error);
  moe_test::check_oracle_near(aux.value, c.expected["aux_loss"], "aux_loss");
}

}  // namespace

TEST_CASE("routing/oracle: mixtral top-2 selection and M1 aux loss") {
  check_topk_case("mixtral_e4_top2_d8_ff16_t6");
}

TEST_CASE("routing/oracle: mixtral top-1 weights are exactly 1 (M3)") {
  check_topk_case("mixtral_e8_top1_d8_ff16_t6");
  const RoutingCase c = load_routing_case("mixtral_e8_top1_d8_ff16_t6");
  const SoftmaxTopk sel = softmax_topk(c.router_logits, 6, 8, 1, true);
  REQUIRE(sel.ok());
  for (float w : sel.topk_weights) CHECK(w == 1.0f);
}

TEST_CASE("routing/oracle: qwen2-moe unnormalised top-2 (Q1)") {
  check_topk_case("qwen2moe_e4_top2_d8_ff8_sff16_t6_nonorm");
}

TEST_CASE("routing/oracle: mixtral load_balancing_loss over 2 concatenated layers (M1, M2)") {
  const RoutingCase c = load_routing_case("mixtral_aux_loss_l2_b2_s5_e4_top2_nomask");
  const nlohmann::json& cfg = c.config;
  const nlohmann::json& ex = c.expected;
  const int layers = cfg["num_layers"];
  const int batch = cfg["batch_size"];
  const int seq_len = cfg["seq_len"];
  const int experts = c.experts;
  const int k = cfg["top_k"];
  const std::vector<float> logits = floats(c.file["input"]["gate_logits"]);  // [L·B·S, E]
  const int rows = layers * batch * seq_len;
  REQUIRE(logits.size() == static_cast<size_t>(rows) * experts);

  const LoadBalancingLoss no_mask = mixtral_load_balancing_loss(logits, rows, experts, k);
  REQUIRE_MESSAGE(no_mask.ok(), no_mask.error);
  moe_test::check_oracle_near(no_mask.value, ex["aux_loss_without_mask"], "aux_loss_without_mask");

  // The case's attention_mask is null, so `aux_loss` is the same call; an all-ones mask must
  // reproduce it through the masked code path (M2).
  REQUIRE(c.file["input"]["attention_mask"].is_null());
  const std::vector<uint8_t> ones(static_cast<size_t>(batch) * seq_len, 1);  // [B, S]
  const LoadBalancingLoss masked =
      mixtral_load_balancing_loss(logits, rows, experts, k, ones, batch, seq_len);
  REQUIRE_MESSAGE(masked.ok(), masked.error);
  moe_test::check_oracle_near(masked.value, ex["aux_loss"], "aux_loss");

  // The selection it counted is the one the harness recorded.
  const SoftmaxTopk sel = softmax_topk(logits, rows, experts, k, true);
  REQUIRE(sel.ok());
  check_equal(sel.topk_ids, ints(ex["topk_indices"]), "topk_indices");
}
