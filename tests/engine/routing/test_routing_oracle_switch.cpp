// Switch Transformers golden cases: reproduce their router's outputs and losses from the
// recorded router logits (conventions S1-S6).
#include <string>

#include "moe/routing/switch_capacity.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;
using namespace routing_test;

namespace {

void check_switch_case(const std::string& name) {
  CAPTURE(name);
  const RoutingCase c = load_routing_case(name);
  const nlohmann::json& cfg = c.config;
  const nlohmann::json& ex = c.expected;
  const int groups = cfg["num_groups"];
  const int tokens_per_group = cfg["tokens_per_group"];
  const int experts = c.experts;

  // The capacity formula must give the integer their config was built with.
  const ExpertCapacity cap =
      expert_capacity(cfg["capacity_factor"].get<double>(), tokens_per_group, experts);
  REQUIRE(cap.ok());
  CHECK(cap.value == cfg["expert_capacity"].get<int>());

  REQUIRE(c.tokens == groups * tokens_per_group);
  const SwitchTop1Capacity r =
      softmax_top1_capacity(c.router_logits, groups, tokens_per_group, experts, cap.value);
  REQUIRE_MESSAGE(r.ok(), r.error);
  moe_test::check_oracle_close(r.probs, ex["router_probs"], "router_probs");
  check_equal(r.expert_index, ints(ex["topk_indices"]), "topk_indices");
  moe_test::check_oracle_close(r.gate, ex["topk_weights"], "topk_weights");
  check_equal(r.dropped, ints(ex["dropped"]), "dropped");
  check_equal(r.expert_index_returned, ints(ex["expert_index_returned"]), "expert_index_returned");
  check_equal(r.counts_after_capacity, ints(ex["expert_token_counts"]), "expert_token_counts");
  check_equal(r.counts_before_capacity, ints(ex["expert_token_counts_before_capacity"]),
              "expert_token_counts_before_capacity");
  moe_test::check_oracle_near(r.z_loss, ex["z_loss"], "z_loss");
  moe_test::check_oracle_near(r.aux_loss, ex["aux_loss"], "aux_loss");
  moe_test::check_oracle_near(r.aux_loss_pre_capacity, ex["aux_loss_with_pre_capacity_indices"],
                              "aux_loss_with_pre_capacity_indices");

  // Dropped tokens carry no gate (S2); kept ones carry the raw top-1 probability (S4).
  int dropped = 0;
  for (size_t t = 0; t < r.dropped.size(); ++t) {
    dropped += r.dropped[t];
    CHECK(r.combine_weight[t] == (r.dropped[t] ? 0.0f : r.gate[t]));
  }
  CHECK(r.dropped_count == dropped);
}

}  // namespace

TEST_CASE("routing/oracle: switch cf1.0 (capacity 2, 5 of 16 dropped)") {
  check_switch_case("switch_e4_cf1.0_b2_s8_d8_ff16");
}

TEST_CASE("routing/oracle: switch cf0.5 (capacity 1, 10 of 16 dropped)") {
  check_switch_case("switch_e4_cf0.5_b2_s8_d8_ff16");
}
