// `moe forward` in-process (moe::cli::run_forward / forward_text): every oracle case prints
// exactly its `expected` field names with matching values, and every kind of bad input gives
// exit status 2 and one exact `error: <where>: <reason>` line, never a crash.
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "forward_command.hpp"
#include "oracle_support.hpp"

namespace {

using moe_test::check_cli_fails;
using moe_test::flat;
using nlohmann::json;

using Run = moe_test::CliRun;

const moe_test::CliUnderTest forward_cli{moe::cli::run_forward, "moe_forward_cli"};

Run run_text(const std::string& text) {
  return moe_test::run_cli(
      [&](const std::vector<std::string>&, std::ostream& out, std::ostream& err) {
        return moe::cli::forward_text(text, out, err);
      },
      {});
}

// A small valid case: E = 4, d = 2, d_ff = 2, relu MLP experts, 3 tokens.
json good_case() {
  json c = {{"name", "small"},
            {"config",
             {{"d_model", 2},
              {"d_ff", 2},
              {"num_experts", 4},
              {"top_k", 2},
              {"router_kind", "softmax_topk_renorm"},
              {"activation", "relu"},
              {"expert_kind", "mlp"}}}};
  c["weights"]["router"] = {{1, 0}, {0, 1}, {-1, 0}, {0.5, 0.5}};
  for (int e = 0; e < 4; ++e) {
    c["weights"]["experts"].push_back({{"w1", {{1, e}, {0, 1}}}, {"w2", {{1, 0}, {e, 1}}}});
  }
  c["input"] = {{0.5, -1}, {1, 2}, {-0.25, 0.75}};
  return c;
}

}  // namespace

TEST_CASE("moe forward: every oracle case prints exactly its expected fields, values at 1e-5") {
  const char* names[] = {"mixtral_e4_top2_d8_ff16_t6",
                         "mixtral_e8_top1_d8_ff16_t6",
                         "mixtral_aux_loss_l2_b2_s5_e4_top2_nomask",
                         "qwen2moe_e4_top2_d8_ff8_sff16_t6_nonorm",
                         "switch_e4_cf1.0_b2_s8_d8_ff16",
                         "switch_e4_cf0.5_b2_s8_d8_ff16",
                         "deepseekv3_e8_g2_tg1_top2_bias_norm_rsf2.5"};
  for (const char* name : names) {
    CAPTURE(name);
    const Run r = forward_cli.run({moe_test::oracle_path(name)});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err.empty());
    CHECK(r.out.find('\n') == r.out.size() - 1);  // one line, one object
    const json got = json::parse(r.out);
    const json want =
        json::parse(moe_test::read_text_file(moe_test::oracle_path(name)))["expected"];
    std::set<std::string> got_keys, want_keys;
    for (const auto& [k, v] : got.items()) got_keys.insert(k);
    for (const auto& [k, v] : want.items()) want_keys.insert(k);
    CHECK(got_keys == want_keys);
    const bool deepseek = std::string(name).rfind("deepseek", 0) == 0;
    for (const auto& item : want.items()) {
      const std::string key = item.key();
      const json& value = item.value();
      CAPTURE(key);
      if (deepseek && (key == "topk_indices" || key == "topk_weights")) continue;  // D3: sets
      moe_test::check_close(flat(got[key]), flat(value), 1e-5, 0, key);
    }
  }
}

TEST_CASE("moe forward --help describes the command") {
  const Run r = forward_cli.run({"--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("usage: moe forward CASE.json") == 0);
  CHECK(r.out.find("switch_transformers") != std::string::npos);
  CHECK(r.out.find("sigmoid_grouped_topk_bias") != std::string::npos);
}

TEST_CASE("moe forward: bad input exits 2 with one exact error line, then a good call works") {
  SUBCASE("arguments and files") {
    check_cli_fails(forward_cli.run({}),
                    "moe forward: expected one CASE.json argument, got 0 (see moe forward --help)");
    check_cli_fails(forward_cli.run({"/no/such/case.json"}),
                    "/no/such/case.json: cannot open file");
  }
  SUBCASE("empty and malformed JSON") {
    check_cli_fails(run_text(""), "json: empty input");
    check_cli_fails(run_text("  \n"), "json: empty input");
    check_cli_fails(run_text("{\"name\": "),
                    "json: parse error at byte 10: syntax error while parsing value - unexpected "
                    "end of input; expected '[', '{', or a literal");
  }
  SUBCASE("nesting beyond the cap is refused before parsing") {
    check_cli_fails(run_text(std::string(100, '[') + std::string(100, ']')),
                    "json: nesting deeper than 64 levels at byte 64");
    check_cli_fails(run_text(std::string(1000000, '[')),
                    "json: nesting deeper than 64 levels at byte 64");
  }
  SUBCASE("missing fields") {
    json c = good_case();
    c["config"].erase("d_model");
    check_cli_fails(run_text(c.dump()), "config.d_model: missing (expected an integer)");
    c = good_case();
    c.erase("input");
    check_cli_fails(run_text(c.dump()), "input: missing (expected [T][d_model] numbers)");
    c = good_case();
    c["weights"]["experts"][1].erase("w2");
    check_cli_fails(run_text(c.dump()), "weights.experts[1].w2: missing");
  }
  SUBCASE("wrong array shapes") {
    json c = good_case();
    c["weights"]["router"].erase(3);
    check_cli_fails(run_text(c.dump()), "weights.router: expected 4 rows, got 3");
    c = good_case();
    c["input"][1] = {1, 2, 3};
    check_cli_fails(run_text(c.dump()), "input[1]: expected 2 numbers, got 3");
    c = good_case();
    c["input"] = json::array();
    check_cli_fails(run_text(c.dump()),
                    "input: must be a non-empty array of token rows, got an array of 0");
  }
  SUBCASE("out-of-range and non-positive sizes") {
    json c = good_case();
    c["config"]["top_k"] = 5;
    check_cli_fails(run_text(c.dump()),
                    "config.top_k: must be between 1 and num_experts (4), got 5");
    c["config"]["top_k"] = 0;
    check_cli_fails(run_text(c.dump()),
                    "config.top_k: must be between 1 and num_experts (4), got 0");
    c = good_case();
    c["config"]["d_model"] = 0;
    check_cli_fails(run_text(c.dump()), "config.d_model: must be >= 1, got 0");
    c = good_case();
    c["config"]["num_experts"] = -2;
    check_cli_fails(run_text(c.dump()), "config.num_experts: must be >= 1, got -2");
  }
  SUBCASE("NaN or Inf in weights or input") {
    json c = good_case();
    std::string text = c.dump();
    text.replace(text.find("[[1,0],[0,1]"), 5, "[[1e999,0]");
    check_cli_fails(run_text(text),
                    "json: parse error at byte 223: number overflow parsing '1e999'");
    c["input"][2][1] = 1e39;  // finite as a double, infinite as float32
    check_cli_fails(run_text(c.dump()), "input[2][1]: must be a finite number, got 1e+39");
  }
  SUBCASE("unknown router kind and kind-specific options") {
    json c = good_case();
    c["config"]["router_kind"] = "hash";
    check_cli_fails(
        run_text(c.dump()),
        "config.router_kind: unknown router kind \"hash\" (expected one of softmax_topk, "
        "softmax_topk_renorm, noisy_topk, softmax_top1_capacity, topk_capacity, "
        "sigmoid_grouped_topk_bias, expert_choice, soft_moe)");
    c["config"]["router_kind"] = "softmax_top1_capacity";
    check_cli_fails(
        run_text(c.dump()),
        "config.capacity_factor: missing (softmax_top1_capacity needs capacity_factor or "
        "expert_capacity)");
    c["config"]["capacity_factor"] = 1.0;
    check_cli_fails(run_text(c.dump()),
                    "config.top_k: softmax_top1_capacity routes each token to 1 expert, got 2");
    c["config"]["top_k"] = 1;
    c["config"]["num_groups"] = 2;
    check_cli_fails(run_text(c.dump()),
                    "input.tokens: must be a multiple of num_groups (2), got 3");
    c = good_case();
    c["config"]["router_kind"] = "sigmoid_grouped_topk_bias";
    c["config"]["n_group"] = 3;
    check_cli_fails(run_text(c.dump()), "config.n_group: must divide num_experts (4), got 3");
  }
  SUBCASE("sizes beyond the memory cap are refused before allocating") {
    json c = good_case();
    c["config"]["d_model"] = 4096;
    c["config"]["d_ff"] = 4096;
    check_cli_fails(run_text(c.dump()),
                    "config: the weights need 134234112 floats, above the cap of 67108864 (64 Mi "
                    "floats); lower d_model, d_ff or num_experts");
    // Small weights, but 4000 tokens of d = 4096: refused before the input is allocated.
    const int d = 4096;
    c = good_case();
    c["config"]["d_model"] = d;
    c["config"]["d_ff"] = 1;
    c["config"]["num_experts"] = 1;
    c["config"]["top_k"] = 1;
    c["weights"]["router"] = {std::vector<float>(d, 0.0f)};
    c["weights"]["experts"] = {{{"w1", {std::vector<float>(d, 0.0f)}},
                                {"w2", std::vector<std::vector<float>>(d, {0.0f})}}};
    c["input"] = std::vector<json>(4000, json::array());
    check_cli_fails(
        run_text(c.dump()),
        "input: 4000 tokens need 81980296 floats of weights and activations, above the cap "
        "of 67108864 (64 Mi floats)");
  }
  const Run ok = run_text(good_case().dump());
  CHECK(ok.status == 0);
  CHECK(ok.err.empty());
  CHECK(json::parse(ok.out)["expert_token_counts"].size() == 4);
}
