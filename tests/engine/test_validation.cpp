// Errors are values with exact `where: reason` messages, and the next call still works.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "moe/spec/spec.hpp"
#include "test_support.hpp"

namespace {

// A valid spec with one config line replaced by `config_tail` and optional weights.
std::string spec(const std::string& config_fields, const std::string& rest = R"(,"seed":1)") {
  return R"({"config":{)" + config_fields + "}" + rest + "}";
}

// A config field's name and its JSON value as written in the spec.
using Field = std::pair<std::string, std::string>;
const std::vector<Field> kGoodFields = {{"d_model", "8"},
                                        {"d_ff", "16"},
                                        {"num_experts", "4"},
                                        {"top_k", "2"},
                                        {"router_kind", R"("softmax_topk_renorm")"},
                                        {"activation", R"("silu")"},
                                        {"expert_kind", R"("swiglu")"}};

// The config fields of a valid layer with `changes` made: a changed field takes the new value in
// place (a field not there yet goes last), and one changed to "" is left out.
std::string good_with(const std::vector<Field>& changes) {
  std::vector<Field> fields = kGoodFields;
  // A named pair, not a structured binding: clang 14 (the wasm compiler) cannot capture one.
  for (const Field& change : changes) {
    auto at = std::find_if(fields.begin(), fields.end(),
                           [&](const Field& f) { return f.first == change.first; });
    if (at == fields.end()) at = fields.insert(fields.end(), {change.first, ""});
    at->second = change.second;
  }
  std::string text;
  for (const auto& [name, value] : fields) {
    if (!value.empty()) text += std::string(text.empty() ? "" : ",") + "\"" + name + "\":" + value;
  }
  return text;
}
const std::string kGood = good_with({});
const Field kTopk{"router_kind", R"("softmax_topk")"};

std::string error_of(const std::string& json) {
  moe::Result<moe::Layer> r = moe::make_layer(json);
  return r.ok() ? std::string("(no error)") : r.error().message();
}

std::string matrix(int rows, int cols, const std::string& value = "0.5") {
  std::string m = "[";
  for (int r = 0; r < rows; ++r) {
    m += std::string(r ? "," : "") + "[";
    for (int c = 0; c < cols; ++c) m += std::string(c ? "," : "") + value;
    m += "]";
  }
  return m + "]";
}

void check_good_call_still_works() {
  moe::Result<moe::Layer> r = moe::make_layer(spec(kGood));
  REQUIRE(r.ok());
  const std::vector<float> x(16, 0.25f);
  CHECK(r.value().forward(x.data(), x.size(), 2).ok());
}

}  // namespace

TEST_CASE("config errors name the field and the reason") {
  const struct {
    std::string json, message;
  } cases[] = {
      {spec(good_with({{"top_k", "5"}})),
       "config.top_k: must be between 1 and num_experts (4), got 5"},
      {spec(good_with({{"num_experts", "0"}, {"top_k", "1"}})),
       "config.num_experts: must be >= 1, got 0"},
      {spec(good_with({{"router_kind", R"("foo")"}})),
       "config.router_kind: unknown router kind \"foo\" (expected one of softmax_topk, "
       "softmax_topk_renorm, noisy_topk, softmax_top1_capacity, topk_capacity, "
       "sigmoid_grouped_topk_bias, expert_choice, soft_moe)"},
      {spec(good_with({{"d_ff", ""}, kTopk})), "config.d_ff: missing (expected an integer)"},
      {spec(good_with({{"d_model", R"("8")"}, kTopk})),
       "config.d_model: must be an integer, got \"8\""},
      {spec(good_with({{"d_model", "8.5"}, kTopk})), "config.d_model: must be an integer, got 8.5"},
      {spec(good_with({kTopk, {"activation", R"("tanh")"}, {"expert_kind", R"("mlp")"}})),
       "config.activation: unknown activation \"tanh\" (expected one of relu, gelu, silu)"},
      {spec(good_with({kTopk, {"activation", R"("relu")"}})),
       "config.activation: swiglu experts use silu, got \"relu\""},
      {spec(good_with({kTopk, {"norm_topk_prob", "1"}})),
       "config.norm_topk_prob: must be true or false, got 1"},
      {spec(kGood, ""), "spec: needs weights or a seed"},
      {spec(kGood, R"(,"seed":-1)"), "seed: must be >= 0, got -1"},
      {R"({"seed":1})", "config: missing (expected an object)"},
      {"[1,2]", "spec: must be an object, got an array of 2"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    CHECK(error_of(c.json) == c.message);
    check_good_call_still_works();
  }
}

TEST_CASE("weight errors name the exact element") {
  const std::string experts_ok = "[" + [] {
    std::string e;
    for (int i = 0; i < 4; ++i) {
      e += std::string(i ? "," : "") + R"({"w1":)" + matrix(16, 8) + R"(,"w3":)" + matrix(16, 8) +
           R"(,"w2":)" + matrix(8, 16) + "}";
    }
    return e;
  }() + "]";
  CHECK(error_of(spec(kGood, R"(,"weights":{"router":)" + matrix(3, 8) + "}")) ==
        "weights.router: expected 4 rows, got 3");
  CHECK(error_of(spec(kGood, R"(,"weights":{"router":)" + matrix(4, 7) + "}")) ==
        "weights.router[0]: expected 8 numbers, got 7");
  CHECK(error_of(spec(kGood, R"(,"weights":{"router":)" + matrix(4, 8, "1e39") + "}")) ==
        "weights.router[0][0]: must be a finite number, got 1e+39");
  // Without a seed the weights must be complete.
  CHECK(error_of(spec(kGood, R"(,"weights":{"router":)" + matrix(4, 8) + "}")) ==
        "weights.experts: missing (give the weights or a seed)");
  const std::string full =
      spec(kGood, R"(,"weights":{"router":)" + matrix(4, 8) + R"(,"experts":)" + experts_ok + "}");
  CHECK(error_of(full) == "(no error)");
  // Break expert 1's w2 at [0][3].
  std::string broken = experts_ok;
  const std::string w2 = R"("w2":)" + matrix(8, 16);
  size_t pos = broken.find(w2);
  pos = broken.find(w2, pos + 1);  // expert 1
  std::string bad_w2 = matrix(8, 16);
  bad_w2.replace(bad_w2.find("0.5", 2 + 3 * 4), 3, "null");  // row 0, element 3
  broken.replace(pos, w2.size(), R"("w2":)" + bad_w2);
  CHECK(error_of(spec(
            kGood, R"(,"weights":{"router":)" + matrix(4, 8) + R"(,"experts":)" + broken + "}")) ==
        "weights.experts[1].w2[0][3]: must be a finite number, got null");
  check_good_call_still_works();
}

TEST_CASE("malformed JSON reports the byte position") {
  const std::string message = error_of(R"({"config": {"d_model": 8,, }})");
  CHECK(message.rfind("json: parse error at byte 26: ", 0) == 0);
  CHECK(error_of("") == "json: empty input");
  check_good_call_still_works();
}

TEST_CASE("the memory cap refuses oversized layers before allocating") {
  const Field relu{"activation", R"("relu")"}, mlp{"expert_kind", R"("mlp")"};
  const std::string huge = good_with(
      {{"d_model", "65536"}, {"d_ff", "65536"}, {"num_experts", "1024"}, kTopk, relu, mlp});
  CHECK(error_of(spec(huge))
            .rfind("config: the weights need 8796160131072 floats, above the cap "
                   "of 67108864 (64 Mi floats)",
                   0) == 0);
  CHECK(error_of(spec(good_with({{"d_model", "70000"}, kTopk, relu, mlp}))) ==
        "config.d_model: must be <= 65536, got 70000");
  check_good_call_still_works();
}

TEST_CASE("forward input errors: shape, empty, non-finite, too many tokens") {
  moe::Result<moe::Layer> r = moe::make_layer(spec(kGood));
  REQUIRE(r.ok());
  moe::Layer& layer = r.value();
  std::vector<float> x(16, 0.5f);
  CHECK(layer.forward(x.data(), 15, 2).error().message() ==
        "input: expected tokens × d_model = 2 × 8 = 16 numbers, got 15");
  CHECK(layer.forward(x.data(), 0, 0).error().message() == "input.tokens: must be >= 1, got 0");
  x[10] = std::nanf("");
  CHECK(layer.forward(x.data(), 16, 2).error().message() ==
        "input[1][2]: must be a finite number, got NaN");
  x[10] = -INFINITY;
  CHECK(layer.forward(x.data(), 16, 2).error().message() ==
        "input[1][2]: must be a finite number, got -Infinity");
  x[10] = 0.5f;
  const std::vector<float> big(static_cast<size_t>(600000) * 8, 0.0f);
  const std::string cap = layer.forward(big.data(), big.size(), 600000).error().message();
  CHECK(cap.rfind("input.tokens: 600000 tokens need ", 0) == 0);
  CHECK(layer.forward(x.data(), 16, 2).ok());
}

TEST_CASE("a thousand rejected calls leave the engine working") {
  for (int i = 0; i < 1000; ++i) {
    REQUIRE_FALSE(moe::make_layer(spec(kGood, R"(,"seed":"x")")).ok());
  }
  check_good_call_still_works();
}
