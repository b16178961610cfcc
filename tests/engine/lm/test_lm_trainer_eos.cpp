// The trainer's own generation (the page's "sample" button) stops at the tokenizer's end-of-text
// token, as generation from the written checkpoint does: lm_train_config_for(recipe, tokenizer)
// gives the config the tokenizer's <|endoftext|> id, unless the recipe's model names its own.
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "moe/lm/lm_checkpoint.hpp"
#include "moe/lm/lm_train_recipe.hpp"
#include "moe/text/bpe_train.hpp"

namespace {

using nlohmann::json;

const char kText[] = "the cat sat on the mat; the cat sat on the hat; the dog sat on the log";

moe::text::Tokenizer small_tokenizer() {
  moe::text::BpeTrainOptions o;
  o.vocab_size = 270;  // 256 bytes, a few merges, and <|endoftext|>
  moe::Result<moe::text::Tokenizer> tok = moe::text::train_bpe({kText}, o);
  REQUIRE(tok.ok());
  return tok.value();
}

json recipe_doc() {
  return {{"model",
           {{"hidden_size", 16},
            {"intermediate_size", 12},
            {"num_hidden_layers", 1},
            {"num_attention_heads", 2},
            {"num_key_value_heads", 2},
            {"num_local_experts", 4},
            {"num_experts_per_tok", 2},
            {"max_position_embeddings", 24}}},
          {"batch", 2},
          {"seq_len", 16},
          {"steps", 4},
          {"seed", 3}};
}

moe::lm::LmTrainConfig config_of(const json& doc, const moe::text::Tokenizer& tok) {
  moe::Result<moe::lm::LmTrainRecipe> r = moe::lm::read_lm_train_recipe(doc, {});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  moe::Result<moe::lm::LmTrainConfig> c = moe::lm::lm_train_config_for(r.value(), tok);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  return c.value();
}

}  // namespace

TEST_CASE("lm trainer eos: the tokenizer's <|endoftext|> unless the recipe names its own") {
  const moe::text::Tokenizer tok = small_tokenizer();
  const int32_t eos = moe::lm::end_of_text_id(tok);
  REQUIRE(eos >= 256);

  const moe::lm::LmTrainConfig from_tokenizer = config_of(recipe_doc(), tok);
  CHECK(from_tokenizer.shape.config.vocab_size == tok.vocab_size());
  CHECK(from_tokenizer.shape.config.eos_token_id == eos);

  json named = recipe_doc();
  named["model"]["eos_token_id"] = 5;
  CHECK(config_of(named, tok).shape.config.eos_token_id == 5);
}

TEST_CASE("lm trainer eos: the trainer's generation ends right after its eos_token_id") {
  const moe::text::Tokenizer tok = small_tokenizer();
  moe::lm::LmTrainConfig config = config_of(recipe_doc(), tok);
  const std::vector<int32_t> tokens = tok.encode(std::string(kText) + kText + kText);
  const std::vector<int32_t> prompt = tok.encode("the cat");
  moe::lm::GenerateOptions o;
  o.max_new_tokens = 8;

  // Without an end token, the untrained model writes all 8 tokens; take its third as the end.
  config.shape.config.eos_token_id = -1;
  moe::Result<moe::lm::LmTrainer> free_run = moe::lm::LmTrainer::create(config, tokens);
  REQUIRE(free_run.ok());
  moe::Result<std::vector<int32_t>> all = free_run.value().generate(prompt, o);
  REQUIRE(all.ok());
  REQUIRE(all.value().size() == 8);

  const int32_t end = all.value()[2];
  config.shape.config.eos_token_id = end;
  moe::Result<moe::lm::LmTrainer> stopping = moe::lm::LmTrainer::create(config, tokens);
  REQUIRE(stopping.ok());
  moe::Result<std::vector<int32_t>> cut = stopping.value().generate(prompt, o);
  REQUIRE(cut.ok());
  // The same greedy tokens up to and including the first `end`, then nothing.
  size_t first_end = 0;
  while (all.value()[first_end] != end) ++first_end;
  const std::vector<int32_t> expected(all.value().begin(), all.value().begin() + first_end + 1);
  CHECK(cut.value() == expected);
}
