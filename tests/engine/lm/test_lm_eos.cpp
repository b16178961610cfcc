// Generation stops at the end-of-text token, as Hugging Face's generate does: the config's
// eos_token_id is emitted, then nothing more. The golden case mixtral_tiny_l2_e4_top2 writes
// 8, 29, 20, 1, 21, 14, 20, 1 greedily; with eos_token_id 20 it must stop after 8, 29, 20.
// Its own config says eos_token_id 2, which that path never writes, so the oracle's 8 tokens
// stay as they are.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_command.hpp"
#include "lm_test_support.hpp"
#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_stream.hpp"
#include "moe/text/bpe_train.hpp"

namespace {

using nlohmann::json;

const char* const kCase = "mixtral_tiny_l2_e4_top2";

// The golden case with eos_token_id replaced (-1: removed).
moe::lm::LmModel model_with_eos(int eos) {
  moe_test::LmCase c = moe_test::load_lm_case(kCase);
  json config = json::parse(c.config_text);
  if (eos < 0) {
    config.erase("eos_token_id");
  } else {
    config["eos_token_id"] = eos;
  }
  c.config_text = config.dump();
  return moe_test::load_lm_model(c);
}

std::vector<int32_t> prompt_of(const json& expected) {
  return expected["input_ids"][0].get<std::vector<int32_t>>();
}

std::vector<int32_t> greedy(moe::lm::LmModel& m, const std::vector<int32_t>& prompt) {
  moe::lm::GenerateOptions o;
  o.max_new_tokens = 8;
  auto r = moe::lm::lm_generate(m, prompt, o);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return r.value();
}

}  // namespace

TEST_CASE("lm eos: greedy generation stops right after eos_token_id") {
  const moe_test::LmCase golden = moe_test::load_lm_case(kCase);
  const std::vector<int32_t> prompt = prompt_of(golden.expected);
  const std::vector<int32_t> all = golden.expected["greedy"].get<std::vector<int32_t>>();
  REQUIRE(all == std::vector<int32_t>{8, 29, 20, 1, 21, 14, 20, 1});

  moe::lm::LmModel as_given = model_with_eos(2);  // the case's own id, never written
  CHECK(as_given.config().eos_token_id == 2);
  CHECK(greedy(as_given, prompt) == all);
  moe::lm::LmModel none = model_with_eos(-1);
  CHECK(none.config().eos_token_id == -1);
  CHECK(greedy(none, prompt) == all);

  moe::lm::LmModel at20 = model_with_eos(20);
  CHECK(greedy(at20, prompt) == std::vector<int32_t>{8, 29, 20});
  moe::lm::LmModel at1 = model_with_eos(1);
  CHECK(greedy(at1, prompt) == std::vector<int32_t>{8, 29, 20, 1});

  // The page's one-token-per-call stream stops at the same place.
  moe::lm::GenerateOptions o;
  o.max_new_tokens = 8;
  auto stream = moe::lm::LmStream::start(at20, prompt, o);
  REQUIRE(stream.ok());
  std::vector<int32_t> streamed;
  while (!stream.value().done()) {
    auto t = stream.value().next();
    REQUIRE(t.ok());
    streamed.push_back(t.value());
  }
  CHECK(streamed == std::vector<int32_t>{8, 29, 20});
  auto after = stream.value().next();
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().message() ==
        "generate: the model wrote its end-of-text token; start again for more");
}

TEST_CASE("lm eos: an eos_token_id outside the vocabulary is a config error") {
  moe_test::LmCase c = moe_test::load_lm_case(kCase);
  json config = json::parse(c.config_text);
  config["eos_token_id"] = 48;  // vocab_size 48
  CHECK(moe::lm::parse_lm_config(config).error().message() ==
        "config.eos_token_id: must be <= 47, got 48");
  config["eos_token_id"] = "end";
  CHECK(moe::lm::parse_lm_config(config).error().message() ==
        "config.eos_token_id: must be an integer, got \"end\"");
}

TEST_CASE("moe lm generate: stops at the folder's eos_token_id") {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "moe_lm_eos" / "eos20").string();
  std::filesystem::create_directories(dir);
  json config =
      json::parse(moe_test::read_text_file(moe_test::oracle_lm_path(kCase, "config.json")));
  config["eos_token_id"] = 20;
  std::ofstream(dir + "/config.json", std::ios::binary) << config.dump();
  std::ofstream(dir + "/model.safetensors", std::ios::binary)
      << moe_test::read_text_file(moe_test::oracle_lm_path(kCase, "model.safetensors"));
  const moe_test::LmCase golden = moe_test::load_lm_case(kCase);
  std::string ids;
  for (int32_t id : prompt_of(golden.expected))
    ids += (ids.empty() ? "" : ",") + std::to_string(id);
  const moe_test::CliRun r = moe_test::run_cli(
      moe::cli::run_lm,
      {"generate", dir, "--prompt-ids", ids, "--max-new-tokens", "8", "--greedy"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out == "{\"tokens\":[8,29,20]}\n");
}

TEST_CASE("lm eos: a config without eos_token_id takes the tokenizer's <|endoftext|>") {
  moe::text::BpeTrainOptions o;
  o.vocab_size = 270;  // 256 bytes, merges, and <|endoftext|>
  moe::Result<moe::text::Tokenizer> tok =
      moe::text::train_bpe({"the cat sat on the mat; the cat sat on the hat"}, o);
  REQUIRE(tok.ok());
  const int32_t eos = moe::lm::end_of_text_id(tok.value());
  REQUIRE(eos >= 256);
  CHECK(tok.value().token_bytes(eos) == "<|endoftext|>");

  moe::lm::LmConfig c = moe_test::small_lm_config();
  c.vocab_size = tok.value().vocab_size();
  moe::lm::LmModel without(c, moe::lm::lm_weights_init_seeded(c, 1));
  moe::lm::use_tokenizer_eos(without, tok.value());
  CHECK(without.config().eos_token_id == eos);

  c.eos_token_id = 7;  // the config's own id wins
  moe::lm::LmModel with(c, moe::lm::lm_weights_init_seeded(c, 1));
  moe::lm::use_tokenizer_eos(with, tok.value());
  CHECK(with.config().eos_token_id == 7);

  // An id outside the model's vocabulary is not taken (the golden case has 48 ids).
  moe::lm::LmModel small = model_with_eos(-1);
  moe::lm::use_tokenizer_eos(small, tok.value());
  CHECK(small.config().eos_token_id == -1);
}
