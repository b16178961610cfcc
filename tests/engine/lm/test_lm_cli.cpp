// `moe lm` in-process (moe::cli::run_lm): forward prints the golden values, generate prints the
// golden greedy tokens, and every kind of bad input exits 2 with one exact error line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "lm_command.hpp"
#include "lm_test_support.hpp"
#include "oracle_support.hpp"

namespace {

using moe_test::check_cli_fails;
using moe_test::flat;
using moe_test::write_text_file;
using nlohmann::json;

using Run = moe_test::CliRun;

const moe_test::CliUnderTest lm_cli{moe::cli::run_lm, "moe_lm_cli"};

std::string tiny_dir() {
  return std::string(MOE_ORACLE_LM_DIR) + "/mixtral_tiny_l2_e4_top2";
}

// A model folder with the tiny case's weights and `config` as config.json.
std::string dir_with_config(const std::string& name, const std::string& config) {
  const std::string dir = lm_cli.scratch(name);
  write_text_file(dir + "/config.json", config);
  write_text_file(dir + "/model.safetensors",
                  moe_test::read_text_file(tiny_dir() + "/model.safetensors"));
  return dir;
}

}  // namespace

TEST_CASE("moe lm forward: prints the golden case's values under its names") {
  const json expected = json::parse(moe_test::read_text_file(tiny_dir() + "/expected.json"));
  const std::string input = lm_cli.scratch("forward") + "/input.json";
  write_text_file(input, json{{"input_ids", expected["input_ids"]}}.dump());
  const Run r = lm_cli.run({"forward", tiny_dir(), input});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.err.empty());
  const json got = json::parse(r.out);
  for (const char* key :
       {"logits", "final_hidden", "hidden_states", "router_logits", "topk_weights", "aux_loss"}) {
    CAPTURE(key);
    REQUIRE(got.contains(key));
    moe_test::check_close(flat(got[key]), flat(expected[key]), 1e-4, 0, key);
  }
  CHECK(flat(got["topk_indices"]) == flat(expected["topk_indices"]));
  CHECK(got["logits"].size() == 1);  // [B][T][V]
  CHECK(got["logits"][0].size() == 10);
  CHECK(got["router_logits"].size() == 2);  // [L][B·T][E]
  CHECK(got["router_logits"][0].size() == 10);
}

TEST_CASE("moe lm generate: greedy prints the golden tokens; a seed fixes the samples") {
  const json expected = json::parse(moe_test::read_text_file(tiny_dir() + "/expected.json"));
  std::string prompt;
  for (const json& v : expected["input_ids"][0]) prompt += (prompt.empty() ? "" : ",") + v.dump();
  const Run g = lm_cli.run(
      {"generate", tiny_dir(), "--prompt-ids", prompt, "--max-new-tokens", "8", "--greedy"});
  REQUIRE_MESSAGE(g.status == 0, g.err);
  CHECK(json::parse(g.out) == json{{"tokens", expected["greedy"]}});
  const std::vector<std::string> sample = {"generate",      tiny_dir(), "--prompt-ids", "3,1,4",
                                           "--temperature", "0.8",      "--top-p",      "0.9",
                                           "--seed",        "5"};
  const Run a = lm_cli.run(sample), b = lm_cli.run(sample);
  REQUIRE_MESSAGE(a.status == 0, a.err);
  CHECK(a.out == b.out);
  // The default --max-new-tokens is 16; the case's config says eos_token_id 2, where the sample
  // stops (this seed writes it as its 8th token).
  const std::vector<int> tokens = json::parse(a.out)["tokens"].get<std::vector<int>>();
  CHECK(tokens.size() == 8);
  CHECK(tokens.back() == 2);
  CHECK(std::count(tokens.begin(), tokens.end(), 2) == 1);
}

TEST_CASE("moe lm: help lists the subcommands") {
  const Run r = lm_cli.run({"--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("  forward MODEL_DIR INPUT.json") != std::string::npos);
  CHECK(r.out.find("  generate MODEL_DIR --prompt-ids") != std::string::npos);
  CHECK(lm_cli.run({"forward", "--help"}).out.rfind("usage: moe lm forward", 0) == 0);
  CHECK(lm_cli.run({}).status == 2);
}

TEST_CASE("moe lm: bad input exits 2 with one error line naming where and why") {
  const std::string input = lm_cli.scratch("bad") + "/input.json";
  auto forward_with = [&](const std::string& text) {
    write_text_file(input, text);
    return lm_cli.run({"forward", tiny_dir(), input});
  };
  check_cli_fails(lm_cli.run({"tokenise"}),
                  "moe lm: unknown subcommand \"tokenise\" (see moe lm --help)");
  check_cli_fails(lm_cli.run({"forward", tiny_dir()}),
                  "moe lm forward: expected MODEL_DIR and INPUT.json, got 1 arguments (see moe lm "
                  "forward --help)");
  check_cli_fails(lm_cli.run({"forward", tiny_dir(), input + ".missing"}),
                  input + ".missing: cannot open file");
  check_cli_fails(forward_with("{\"input_ids\": [[1, 2], [3]]}"),
                  input +
                      ": input_ids[1]: has 1 ids, but row 0 has 2 (every row must have the same "
                      "length)");
  check_cli_fails(forward_with("{\"input_ids\": [[1, 2.5]]}"),
                  input + ": input_ids[0][1]: must be an integer token id, got 2.5");
  check_cli_fails(forward_with("{\"input_ids\": []}"),
                  input + ": input_ids: must be a non-empty array of rows of token ids");
  check_cli_fails(forward_with("{\"input_ids\": [[1, 48]]}"),
                  input +
                      ": input_ids[0][1]: must be a token id between 0 and 47 (vocab_size - 1), "
                      "got 48");
  check_cli_fails(forward_with("{\"input_ids\": [[1, 2]"), input + ": not valid JSON");
  check_cli_fails(forward_with(""), input + ": empty file");

  const std::string missing = lm_cli.scratch("empty_dir");
  check_cli_fails(lm_cli.run({"generate", missing, "--prompt-ids", "1"}),
                  missing + "/config.json: cannot open file");
  const std::string bad_config =
      dir_with_config("bad_config", "{\"vocab_size\": 48, \"hidden_size\": 32}");
  check_cli_fails(
      lm_cli.run({"generate", bad_config, "--prompt-ids", "1"}),
      bad_config + "/config.json: config.intermediate_size: missing (expected an integer)");
  json wrong = json::parse(moe_test::read_text_file(tiny_dir() + "/config.json"));
  wrong["num_local_experts"] = 5;  // the checkpoint has 4
  const std::string mismatch = dir_with_config("mismatch", wrong.dump());
  check_cli_fails(lm_cli.run({"generate", mismatch, "--prompt-ids", "1"}),
                  mismatch +
                      "/model.safetensors: weights.model.layers.0.block_sparse_moe.gate.weight: "
                      "expected shape [5, 32], got [4, 32]");
  const std::string truncated = lm_cli.scratch("truncated");
  write_text_file(truncated + "/config.json",
                  moe_test::read_text_file(tiny_dir() + "/config.json"));
  write_text_file(truncated + "/model.safetensors",
                  moe_test::read_text_file(tiny_dir() + "/model.safetensors").substr(0, 5000));
  const Run t = lm_cli.run({"generate", truncated, "--prompt-ids", "1"});
  CHECK(t.status == 2);
  CHECK(t.err.rfind("error: " + truncated + "/model.safetensors: safetensors.", 0) == 0);

  const std::string dir = tiny_dir();
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3,x"}),
                  "--prompt-ids: item 2 (\"x\") is not a token id (expected ids like 3,1,4)");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", ""}),
                  "--prompt-ids: is empty (expected ids like 3,1,4)");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3,,4"}),
                  "--prompt-ids: item 2 (\"\") is not a token id (expected ids like 3,1,4)");
  check_cli_fails(lm_cli.run({"generate", dir}), "--prompt-ids: missing (expected ids like 3,1,4)");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids"}), "--prompt-ids: missing value");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3,99"}),
                  "prompt[1]: must be a token id between 0 and 47 (vocab_size - 1), got 99");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3", "--max-new-tokens", "two"}),
                  "--max-new-tokens: expected a number, got \"two\"");
  check_cli_fails(
      lm_cli.run({"generate", dir, "--prompt-ids", "3", "--greedy", "--temperature", "1"}),
      "--greedy: cannot be combined with --temperature or --top-p");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3", "--top-p", "0"}),
                  "options.top_p: must be in (0, 1], got 0");
  check_cli_fails(lm_cli.run({"generate", dir, "--prompt-ids", "3", "--beam", "4"}),
                  "moe lm generate: unknown option \"--beam\" (see moe lm generate --help)");
  // And after all that, a good call still works.
  CHECK(lm_cli.run({"generate", dir, "--prompt-ids", "3", "--max-new-tokens", "2"}).status == 0);
}
