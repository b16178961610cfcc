// Every router kind through the FULL layer (routing, experts, shared expert, losses): the oracle
// cases at 1e-5 (indices, drops and counts exact; DeepSeek-V3 as (index, weight) pairs, D3), and
// the invariants each scheme promises.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/calc/dense_baseline.hpp"
#include "moe/io/oracle_case.hpp"
#include "moe/layer/layer.hpp"
#include "moe/routing/deepseek_balance.hpp"
#include "moe/routing/mod_route.hpp"
#include "moe/spec/spec.hpp"
#include "oracle_support.hpp"

namespace {

using moe_test::as_double;
using moe_test::flat;
using nlohmann::json;
using Ran = moe_test::OracleRun;
using moe_test::kOracleTol;

// A layer from a spec object; the test fails if it is refused.
moe::Layer layer_of(const json& spec) {
  moe::Result<moe::Layer> r = moe::make_layer(spec);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r.value());
}

const moe::Trace& forward(moe::Layer& layer, const std::vector<float>& x) {
  const int T = static_cast<int>(x.size()) / layer.config().d_model;
  moe::Result<const moe::Trace*> r = layer.forward(x.data(), x.size(), T);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return *r.value();
}

json config(const char* kind, int E, int k) {
  return {{"d_model", 8},        {"d_ff", 16},           {"num_experts", E},       {"top_k", k},
          {"router_kind", kind}, {"activation", "silu"}, {"expert_kind", "swiglu"}};
}

}  // namespace

TEST_CASE("layer oracle: Mixtral top-2 and top-1 (M1, M3)") {
  for (const char* name : {"mixtral_e4_top2_d8_ff16_t6", "mixtral_e8_top1_d8_ff16_t6"}) {
    CAPTURE(name);
    const Ran ran = moe_test::run_oracle_case(name);
    const moe::Trace& tr = ran.trace;
    moe_test::check_oracle_close(tr.output, ran.expected()["output"], "output");
    moe_test::check_oracle_close(tr.router_logits, ran.expected()["router_logits"],
                                 "router_logits");
    moe_test::check_oracle_close(tr.topk_weights, ran.expected()["topk_weights"], "topk_weights");
    CHECK(as_double(tr.topk_ids) == flat(ran.expected()["topk_indices"]));
    CHECK(as_double(tr.counts_after_capacity) == flat(ran.expected()["expert_token_counts"]));
    moe_test::check_oracle_near(tr.losses.aux_loss, ran.expected()["aux_loss"], "aux_loss (M1)");
    CHECK(tr.losses.aux_loss == tr.losses.aux_loss_mixtral);
  }
}

TEST_CASE("layer oracle: Qwen2-MoE, raw top-2 gates and a sigmoid-gated shared expert (Q1)") {
  const Ran ran = moe_test::run_oracle_case("qwen2moe_e4_top2_d8_ff8_sff16_t6_nonorm");
  const moe::Trace& tr = ran.trace;
  CHECK(ran.oc.config.shared_expert_gated);
  CHECK(ran.oc.config.shared_expert_d_ff == 16);
  moe_test::check_oracle_close(tr.output, ran.expected()["output"], "output");
  moe_test::check_oracle_close(tr.router_logits, ran.expected()["router_logits"], "router_logits");
  moe_test::check_oracle_close(tr.topk_weights, ran.expected()["topk_weights"], "topk_weights");
  moe_test::check_oracle_close(tr.shared_expert_output,
                               ran.expected()["shared_expert_output_ungated"], "shared output");
  moe_test::check_oracle_close(tr.shared_expert_gate_logit,
                               ran.expected()["shared_expert_gate_logit"], "gate logit");
  CHECK(as_double(tr.topk_ids) == flat(ran.expected()["topk_indices"]));
  CHECK(as_double(tr.counts_after_capacity) == flat(ran.expected()["expert_token_counts"]));
  moe_test::check_oracle_near(tr.losses.aux_loss, ran.expected()["aux_loss"], "aux_loss (M1)");
}

TEST_CASE("layer oracle: Switch capacity 2 and 1 (S1-S6)") {
  for (const char* name : {"switch_e4_cf1.0_b2_s8_d8_ff16", "switch_e4_cf0.5_b2_s8_d8_ff16"}) {
    CAPTURE(name);
    const Ran ran = moe_test::run_oracle_case(name);
    const moe::Trace& tr = ran.trace;
    const json& ex = ran.expected();
    CHECK(tr.groups == 2);
    CHECK(tr.capacity == ran.oc.config.expert_capacity);
    CHECK_FALSE(tr.residual_added);
    moe_test::check_oracle_close(tr.output, ex["output"], "output");
    moe_test::check_oracle_close(tr.router_logits, ex["router_logits"], "router_logits");
    moe_test::check_oracle_close(tr.router_probs, ex["router_probs"], "router_probs");
    moe_test::check_oracle_close(tr.topk_weights, ex["topk_weights"], "topk_weights (S4)");
    CHECK(as_double(tr.topk_ids) == flat(ex["topk_indices"]));
    CHECK(as_double(tr.dropped) == flat(ex["dropped"]));
    CHECK(as_double(tr.expert_index_returned) == flat(ex["expert_index_returned"]));
    CHECK(as_double(tr.counts_after_capacity) == flat(ex["expert_token_counts"]));
    CHECK(as_double(tr.counts_before_capacity) == flat(ex["expert_token_counts_before_capacity"]));
    moe_test::check_oracle_near(tr.losses.z_loss, ex["z_loss"], "z_loss (S6)");
    moe_test::check_oracle_near(tr.losses.aux_loss, ex["aux_loss"], "aux_loss (S5)");
    moe_test::check_oracle_near(tr.losses.aux_loss_switch_pre_capacity,
                                ex["aux_loss_with_pre_capacity_indices"],
                                "aux_loss_with_pre_capacity_indices");
    int dropped = 0;
    for (double v : flat(ex["dropped"])) dropped += v != 0.0;
    CHECK(tr.stats.dropped_count == dropped);
    const int d = tr.d_model;
    for (int t = 0; t < tr.tokens; ++t) {  // S2: a dropped token's row is all zero
      if (!tr.dropped[t]) continue;
      for (int i = 0; i < d; ++i) CHECK(tr.output[t * d + i] == 0.0f);
    }
  }
}

TEST_CASE("layer oracle: DeepSeek-V3 grouped sigmoid top-2 with bias and shared expert (D1-D5)") {
  const Ran ran = moe_test::run_oracle_case("deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5");
  const moe::Trace& tr = ran.trace;
  const json& ex = ran.expected();
  moe_test::check_oracle_close(tr.output, ex["output"], "output");
  moe_test::check_oracle_close(tr.router_logits, ex["router_logits"], "router_logits");
  moe_test::check_oracle_close(tr.shared_expert_output, ex["shared_expert_output"],
                               "shared_expert_output (D5)");
  CHECK(tr.shared_expert_gate_logit.empty());
  CHECK(as_double(tr.counts_after_capacity) == flat(ex["expert_token_counts"]));
  const int k = tr.slots;
  for (int t = 0; t < tr.tokens; ++t) {  // D3: compare (index, weight) pairs as sets
    CAPTURE(t);
    std::vector<std::pair<int, double>> got, want;
    for (int j = 0; j < k; ++j) {
      got.emplace_back(tr.topk_ids[t * k + j], tr.topk_weights[t * k + j]);
      want.emplace_back(ex["topk_indices"][t][j].get<int>(),
                        ex["topk_weights"][t][j].get<double>());
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    for (int j = 0; j < k; ++j) {
      CHECK(got[j].first == want[j].first);
      CHECK(std::fabs(got[j].second - want[j].second) <= kOracleTol);
    }
  }
  CHECK(tr.losses.aux_loss == tr.losses.seq_balance_loss);
  CHECK(tr.losses.seq_balance_loss > 0.0f);
}

TEST_CASE("invariant: a uniform router gives Switch aux = 1, Mixtral aux = k, z = (ln E)^2") {
  for (int k : {1, 2, 3}) {
    CAPTURE(k);
    json spec = {{"config", config("softmax_topk_renorm", 4, k)}, {"seed", 3}};
    spec["weights"] = {{"router", json::array()}};
    for (int e = 0; e < 4; ++e) spec["weights"]["router"].push_back(std::vector<float>(8, 0.0f));
    moe::Layer layer = layer_of(spec);
    const moe::Trace& tr = forward(layer, moe_test::random_floats(10 * 8, 5));
    CHECK(tr.losses.aux_loss_mixtral == doctest::Approx(k).epsilon(1e-6));
    CHECK(tr.losses.aux_loss_switch == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(tr.losses.aux_loss_switch_global == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(tr.losses.z_loss == doctest::Approx(std::log(4.0) * std::log(4.0)).epsilon(1e-6));
    CHECK(tr.stats.entropy == doctest::Approx(std::log(4.0)).epsilon(1e-6));
  }
}

TEST_CASE("invariant: renormalised top-k gates equal the softmax of the selected logits") {
  moe::Layer layer = layer_of({{"config", config("softmax_topk_renorm", 6, 3)}, {"seed", 11}});
  const moe::Trace& tr = forward(layer, moe_test::random_floats(7 * 8, 12, -2, 2));
  const int E = 6, k = 3;
  for (int t = 0; t < tr.tokens; ++t) {
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(tr.router_logits[t * E + tr.topk_ids[t * k + j]]);
    for (int j = 0; j < k; ++j) {
      const double want = std::exp(tr.router_logits[t * E + tr.topk_ids[t * k + j]]) / sum;
      CHECK(tr.topk_weights[t * k + j] == doctest::Approx(want).epsilon(1e-6));
    }
  }
}

TEST_CASE("invariant: the loss-free bias update with equal loads changes nothing") {
  const Ran ran = moe_test::run_oracle_case("deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5");
  const std::vector<float>& bias = ran.oc.weights.correction_bias;
  REQUIRE(bias.size() == 8);
  const std::vector<float> equal(8, 2.0f);  // every expert 2 tokens
  const moe::routing::BiasUpdate u = moe::routing::loss_free_bias_update(bias, equal, 0.01f);
  REQUIRE(u.ok());
  CHECK(u.bias == bias);
  // The layer's own (unequal) loads do move it.
  const std::vector<float> load(ran.trace.counts_after_capacity.begin(),
                                ran.trace.counts_after_capacity.end());
  CHECK(moe::routing::loss_free_bias_update(bias, load, 0.01f).bias != bias);
}

TEST_CASE("invariant: expert choice gives every expert exactly C tokens per group") {
  json c = config("expert_choice", 4, 1);
  c["capacity_factor"] = 1.0;
  c["num_groups"] = 2;
  moe::Layer layer = layer_of({{"config", c}, {"seed", 4}});
  const moe::Trace& tr = forward(layer, moe_test::random_floats(16 * 8, 9));
  CHECK(tr.slots == 4);
  CHECK(tr.capacity == 2);  // round(1.0 · 8 / 4)
  for (int e = 0; e < 4; ++e) CHECK(tr.counts_after_capacity[e] == 2 * 2);
  int unrouted = 0;
  for (uint8_t d : tr.dropped) unrouted += d;
  CHECK(tr.fraction_unrouted == doctest::Approx(unrouted / 16.0));
  CHECK(tr.stats.dropped_count == unrouted);
  CHECK(tr.losses.aux_loss == 0.0f);
}

TEST_CASE("invariant: soft MoE dispatch columns and combine rows sum to 1") {
  json c = config("soft_moe", 3, 1);
  c["slots_per_expert"] = 2;
  moe::Layer layer = layer_of({{"config", c}, {"seed", 21}});
  const int T = 5, S = 6, d = 8;
  const std::vector<float> x = moe_test::random_floats(T * d, 22);
  const moe::Trace& tr = forward(layer, x);
  REQUIRE(tr.dispatch_weights.size() == size_t{T * S});
  for (int s = 0; s < S; ++s) {
    double col = 0.0;
    for (int t = 0; t < T; ++t) col += tr.dispatch_weights[t * S + s];
    CHECK(col == doctest::Approx(1.0).epsilon(1e-6));
  }
  for (int t = 0; t < T; ++t) {
    double row = 0.0;
    for (int s = 0; s < S; ++s) row += tr.combine_weights[t * S + s];
    CHECK(row == doctest::Approx(1.0).epsilon(1e-6));
  }
  for (int i = 0; i < d; ++i) {  // slot 0's input is the dispatch-weighted mean of the tokens
    double want = 0.0;
    for (int t = 0; t < T; ++t) want += tr.dispatch_weights[t * S] * x[t * d + i];
    CHECK(tr.slot_inputs[i] == doctest::Approx(want).epsilon(1e-5));
  }
}

TEST_CASE("noisy top-k: noise only in train mode, seeded, with importance and load losses") {
  json c = config("noisy_topk", 4, 2);
  const std::vector<float> x = moe_test::random_floats(12 * 8, 31);
  moe::Layer eval = layer_of({{"config", c}, {"seed", 5}});
  const moe::Trace& te = forward(eval, x);
  CHECK(te.noisy_logits == te.router_logits);
  c["mode"] = "train";
  c["noise_seed"] = 77;
  moe::Layer train = layer_of({{"config", c}, {"seed", 5}});
  const moe::Trace tr1 = forward(train, x);
  const moe::Trace& tr2 = forward(train, x);
  CHECK(tr1.noisy_logits != tr1.router_logits);
  CHECK(tr1.noisy_logits == tr2.noisy_logits);  // same seed, same noise
  CHECK(tr1.losses.aux_loss == tr1.losses.importance_cv2 + tr1.losses.load_cv2);
  CHECK(tr1.losses.load_cv2 >= 0.0f);
}

TEST_CASE("GShard top-2 capacity: counts capped at C, dropped pairs get no gate") {
  json c = config("topk_capacity", 4, 2);
  c["capacity_factor"] = 0.5;
  moe::Layer layer = layer_of({{"config", c}, {"seed", 8}});
  const moe::Trace& tr = forward(layer, moe_test::random_floats(16 * 8, 41));
  CHECK(tr.capacity == 4);  // floor(0.5 · 2 · 16 / 4)
  for (int e = 0; e < 4; ++e) CHECK(tr.counts_after_capacity[e] <= 4);
  for (size_t i = 0; i < tr.kept.size(); ++i) {
    if (!tr.kept[i]) CHECK(tr.combine_weights[i] == 0.0f);
  }
  CHECK(tr.losses.aux_loss == tr.losses.aux_loss_switch);
}

TEST_CASE("a dropped pair has a zero expert_outputs row, also after a pass that kept it") {
  // The layer clears only the dropped rows of its reused trace, so a row an expert wrote in the
  // previous call must not survive into a call that drops the pair.
  json c = config("topk_capacity", 4, 2);
  c["capacity_factor"] = 0.5;
  moe::Layer reused = layer_of({{"config", c}, {"seed", 8}});
  moe::Layer fresh = layer_of({{"config", c}, {"seed", 8}});
  const std::vector<float> first = moe_test::random_floats(16 * 8, 42);
  const std::vector<float> second = moe_test::random_floats(16 * 8, 41);
  const std::vector<uint8_t> kept_before = forward(reused, first).kept;  // [T, k]
  const moe::Trace& tr = forward(reused, second);
  const size_t d = static_cast<size_t>(tr.d_model);
  size_t stale = 0;  // pairs an expert ran in the first call and the second call drops
  for (size_t p = 0; p < tr.kept.size(); ++p) {
    if (tr.kept[p]) continue;
    stale += kept_before[p];
    for (size_t i = 0; i < d; ++i) {
      CHECK_MESSAGE(tr.expert_outputs[p * d + i] == 0.0f, "pair " << p << ", column " << i);
    }
  }
  REQUIRE_MESSAGE(stale > 0, "the inputs must drop a pair the first call kept");
  const moe::Trace& alone = forward(fresh, second);
  CHECK(tr.expert_outputs == alone.expert_outputs);
  CHECK(tr.output == alone.output);
}

TEST_CASE("Switch add_residual: dropped tokens output x and the trace says so (S2)") {
  const std::string text =
      moe_test::read_text_file(moe_test::oracle_path("switch_e4_cf0.5_b2_s8_d8_ff16"));
  json file = json::parse(text);
  file["config"]["add_residual"] = true;
  moe::Result<moe::OracleCase> parsed = moe::parse_case(file.dump());
  REQUIRE(parsed.ok());
  moe::OracleCase& oc = parsed.value();
  moe::Layer layer(oc.config, oc.weights);
  const moe::Trace& tr = forward(layer, oc.input);
  CHECK(tr.residual_added);
  const int d = tr.d_model;
  const std::vector<double> base = flat(file["expected"]["output"]);
  for (int t = 0; t < tr.tokens; ++t) {
    for (int i = 0; i < d; ++i) {
      const double want = base[t * d + i] + (tr.dropped[t] ? oc.input[t * d + i] : 0.0);
      CHECK(std::fabs(tr.output[t * d + i] - want) <= kOracleTol);
    }
  }
}

TEST_CASE("dense baselines: same total and same active FFN parameters") {
  json c = config("softmax_topk_renorm", 8, 2);
  c["num_shared_experts"] = 1;
  moe::Result<std::string> total =
      moe::dense_baseline_spec(json{{"config", c}, {"seed", 3}}.dump(), "total");
  moe::Result<std::string> active =
      moe::dense_baseline_spec(json{{"config", c}, {"seed", 3}}.dump(), "active");
  REQUIRE(total.ok());
  REQUIRE(active.ok());
  CHECK(json::parse(total.value())["config"]["d_ff"] == 16 * 8 + 16);
  CHECK(json::parse(active.value())["config"]["d_ff"] == 16 * 2 + 16);
  moe::Layer dense = layer_of(json::parse(active.value()));
  const moe::Trace& tr = forward(dense, moe_test::random_floats(3 * 8, 2));
  for (float w : tr.topk_weights) CHECK(w == 1.0f);  // one expert, gate 1: a dense FFN
  CHECK(moe::dense_baseline_spec("{}", "half").error().message() ==
        "which: must be \"total\" or \"active\", got \"half\"");
}

TEST_CASE("mod_route: the C best tokens of each sequence run the block") {
  const int B = 2, S = 6, d = 4, C = 2;
  const std::vector<float> x = moe_test::random_floats(B * S * d, 51);
  const std::vector<float> w = {0.5f, -1.0f, 0.25f, 2.0f};
  moe::Result<moe::ModRoute> r = moe::mod_route(x.data(), x.size(), B, S, d, w.data(), 4, C);
  REQUIRE(r.ok());
  const moe::ModRoute& m = r.value();
  for (int b = 0; b < B; ++b) {
    int ran = 0;
    for (int s = 0; s < S; ++s) ran += m.ran[b * S + s];
    CHECK(ran == C);
    const int best = m.selected[b * C];
    for (int s = 0; s < S; ++s) CHECK(m.scores[b * S + s] <= m.scores[b * S + best]);
  }
  CHECK(m.saved_fraction == doctest::Approx(1.0 - 2.0 / 6.0));
  CHECK(moe::mod_route(x.data(), x.size(), B, S, d, w.data(), 4, 7).error().message() ==
        "capacity: must be between 0 and 6, got 7");
  CHECK(moe::mod_route(x.data(), x.size(), B, S, d, w.data(), 3, C).error().message() ==
        "router_weight: expected d_model = 4 numbers, got 3");
}
