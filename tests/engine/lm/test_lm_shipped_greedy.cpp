// The shipped MoE model (web/public/models/moe-lm) decodes greedily to the same tokens in wasm as
// natively: a few prompts against tokens/ committed in tests/engine/fixtures/moe_lm_greedy.json,
// which natively are also checked against `moe lm generate --greedy` itself (in-process).
// The fixture is written by one command, from a native build:
//   MOE_WRITE_FIXTURES=1 build/native/moe_tests -tc="lm shipped greedy*"
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_test_support.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/text/tokenizer_json.hpp"
#ifndef __EMSCRIPTEN__
#include "lm_command.hpp"
#endif

namespace {

using nlohmann::json;

// Embedded at /models/moe-lm and /fixtures in the wasm suite (CMakeLists.txt).
#ifdef __EMSCRIPTEN__
const std::string kModel = "/models/moe-lm";
const std::string kGreedyFixture = "/fixtures/moe_lm_greedy.json";
#else
const std::string kModel = std::string(MOE_ORACLE_LM_DIR) + "/../../web/public/models/moe-lm";
const std::string kGreedyFixture =
    std::string(MOE_ORACLE_LM_DIR) + "/../engine/fixtures/moe_lm_greedy.json";
#endif
constexpr int kNewTokens = 24;
const char* const kPrompts[] = {"In the beginning God created", "    def __init__(self",
                                "What is 37 + 85?", "The river"};

std::string ids_arg(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

}  // namespace

TEST_CASE("lm shipped greedy: the shipped MoE decodes to the native tokens") {
  moe::Result<moe::lm::LmModel> model = moe::lm::LmModel::load(
      moe_test::read_text_file(kModel + "/config.json"),
      moe_test::as_bytes(moe_test::read_text_file(kModel + "/model.safetensors")));
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  auto tok = moe::text::tokenizer_from_json(moe_test::read_text_file(kModel + "/tokenizer.json"));
  REQUIRE(tok.ok());
  moe::lm::GenerateOptions o;
  o.max_new_tokens = kNewTokens;
  o.greedy = true;
  json cases = json::array();
  for (const char* prompt : kPrompts) {
    const std::vector<int32_t> ids = tok.value().encode(prompt);
    auto out = moe::lm::lm_generate(model.value(), ids, o);
    REQUIRE(out.ok());
    cases.push_back({{"prompt", prompt}, {"prompt_ids", ids}, {"tokens", out.value()}});
#ifndef __EMSCRIPTEN__
    // The native CLI gives the same tokens.
    const moe_test::CliRun r = moe_test::run_cli(
        moe::cli::run_lm, {"generate", kModel, "--prompt-ids", ids_arg(ids), "--max-new-tokens",
                           std::to_string(kNewTokens), "--greedy"});
    REQUIRE(r.status == 0);
    CHECK(json::parse(r.out)["tokens"] == json(out.value()));
#endif
  }
#ifndef __EMSCRIPTEN__
  if (const char* write = std::getenv("MOE_WRITE_FIXTURES"); write && std::string(write) == "1") {
    std::ofstream f(kGreedyFixture);
    f << json{{"written_by",
               "MOE_WRITE_FIXTURES=1 build/native/moe_tests -tc=\"lm shipped greedy*\""},
              {"model", "web/public/models/moe-lm"},
              {"max_new_tokens", kNewTokens},
              {"cases", cases}}
             .dump(1)
      << "\n";
    REQUIRE(static_cast<bool>(f));
    return;
  }
#endif
  const std::string text = moe_test::read_text_file(kGreedyFixture);
  REQUIRE_MESSAGE(!text.empty(), "cannot read " << kGreedyFixture);
  const json fixture = json::parse(text);
  REQUIRE(fixture["cases"].size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i]["prompt"].get<std::string>());
    CHECK(cases[i]["prompt_ids"] == fixture["cases"][i]["prompt_ids"]);
    CHECK(cases[i]["tokens"] == fixture["cases"][i]["tokens"]);
  }
}
