// What the page's trainer adds on top of LmTrainer's steps: text from the model being trained
// (LmTrainer::generate) and the TRAIN.json recipe shared with `moe lm train`
// (lm_train_recipe.hpp). Tiny models and a synthetic token stream keep these fast in wasm.
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "lm_test_support.hpp"
#include "moe/lm/lm_forward.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_train_recipe.hpp"
#include "moe/lm/lm_trainer.hpp"

namespace {

moe::lm::LmTrainConfig small_config() {
  return moe_test::tiny_lm_train_config(
      moe_test::tiny_lm_config({.vocab = 19, .hidden = 16, .ffn = 12, .context = 24}),
      {.batch = 4, .seq_len = 10, .seed = 5, .lr = {1e-2f, 1e-3f, 2, 30}});
}

// Ids below 19 in a period-5 pattern, so a few steps already change what the model writes.
std::vector<int32_t> cycle_tokens(size_t n) {
  std::vector<int32_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<int32_t>((i * 3) % 5 + 2);
  return t;
}

moe::lm::LmTrainer trained_lm(const moe::lm::LmTrainConfig& c, int steps) {
  moe::Result<moe::lm::LmTrainer> t = moe::lm::LmTrainer::create(c, cycle_tokens(500));
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message()));
  (void)t.value().train_steps(steps);
  return std::move(t.value());
}

}  // namespace

TEST_CASE("lm train generate: the trainer writes what lm_generate writes on its weights") {
  moe::lm::LmTrainer t = trained_lm(small_config(), 12);
  moe::lm::LmModel model(t.config().shape.config, t.weights());
  const std::vector<int32_t> prompt{2, 5, 3};
  for (const moe::lm::GenerateOptions& o : moe_test::greedy_and_sampled(12, 0.8f, 0.9f, 41)) {
    moe::Result<std::vector<int32_t>> ours = t.generate(prompt, o);
    moe::Result<std::vector<int32_t>> reference = moe::lm::lm_generate(model, prompt, o);
    REQUIRE(ours.ok());
    REQUIRE(reference.ok());
    CHECK(ours.value() == reference.value());
    CHECK(ours.value().size() == 12u);
  }
}

TEST_CASE("lm train generate: the text follows training, and bad requests name the field") {
  moe::lm::LmTrainConfig c = small_config();
  c.bias_gamma = 0.05f;  // the selection bias is part of the router the text is written with
  moe::lm::LmTrainer t = trained_lm(c, 30);
  moe::lm::GenerateOptions o;
  o.max_new_tokens = 10;
  moe::Result<std::vector<int32_t>> text = t.generate(std::vector<int32_t>{2, 5}, o);
  REQUIRE(text.ok());
  // The stream continues 2 5 3 6 4 2 5 ...: after 30 steps the model has learnt most of it.
  const std::vector<int32_t> expected{3, 6, 4, 2, 5, 3, 6, 4, 2, 5};
  int right = 0;
  for (size_t i = 0; i < expected.size(); ++i) right += text.value()[i] == expected[i];
  CHECK(right >= 8);

  moe::Result<std::vector<int32_t>> empty = t.generate(std::vector<int32_t>{}, o);
  REQUIRE(!empty.ok());
  CHECK(empty.error().where.rfind("prompt", 0) == 0);
  o.max_new_tokens = 30;  // 2 + 30 > max_position_embeddings (24)
  moe::Result<std::vector<int32_t>> long_text = t.generate(std::vector<int32_t>{2, 5}, o);
  REQUIRE(!long_text.ok());
  o.max_new_tokens = 4;
  moe::Result<std::vector<int32_t>> bad_id = t.generate(std::vector<int32_t>{2, 19}, o);
  REQUIRE(!bad_id.ok());
  CHECK(bad_id.error().where.rfind("prompt", 0) == 0);
  CHECK(t.generate(std::vector<int32_t>{2, 5}, o).ok());  // still works after the errors
}

TEST_CASE("lm train recipe: fields, their defaults and errors naming the field") {
  using json = nlohmann::json;
  const json doc = {{"model", moe_test::tiny_recipe_model(24)},
                    {"balancing", {{"switch_aux", 0.01}, {"bias_gamma", 0.001}}},
                    {"steps", 40},
                    {"warmup", 4},
                    {"lr", 0.01},
                    {"seed", 9},
                    {"texts", "read by the caller"}};
  const std::string_view caller[] = {"texts"};
  moe::Result<moe::lm::LmTrainRecipe> r = moe::lm::read_lm_train_recipe(doc, caller);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r.value().steps == 40);
  CHECK(r.value().train.lr.total == 40);
  CHECK(r.value().train.lr.warmup == 4);
  CHECK(r.value().train.seed == 9u);
  CHECK(r.value().train.batch == 8);  // default
  CHECK(r.value().train.bias_gamma == doctest::Approx(0.001));
  CHECK(r.value().train.shape.coefs.switch_aux == doctest::Approx(0.01));
  moe::Result<moe::lm::LmTrainConfig> c = moe::lm::lm_train_config_for(r.value(), 19);
  REQUIRE(c.ok());
  CHECK(c.value().shape.config.vocab_size == 19);
  CHECK(c.value().shape.config.num_local_experts == 4);
  CHECK(c.value().shape.coefs.switch_aux == doctest::Approx(0.01));

  auto error_of = [&](json patch) {
    json d = doc;
    d.merge_patch(patch);
    moe::Result<moe::lm::LmTrainRecipe> bad = moe::lm::read_lm_train_recipe(d, caller);
    return bad.ok() ? std::string("ok") : bad.error().message();
  };
  CHECK(error_of({{"lr", -1}}) == "lr: must be a number between 1e-08 and 10, got -1");
  CHECK(error_of({{"batch", 0}}) == "batch: must be an integer between 1 and 4096, got 0");
  CHECK(error_of({{"corpus", "x"}}) == "corpus: unknown field (see moe lm train --help)");
  CHECK(error_of({{"balancing", {{"alpha", 1}}}}) ==
        "balancing.alpha: unknown field (see moe lm train --help)");
  CHECK(error_of({{"router_kind", "soft_moe"}}).rfind("router_kind: must be", 0) == 0);

  json bad_model = doc;
  bad_model["model"]["num_key_value_heads"] = 3;
  moe::Result<moe::lm::LmTrainRecipe> rb = moe::lm::read_lm_train_recipe(bad_model, caller);
  REQUIRE(rb.ok());
  moe::Result<moe::lm::LmTrainConfig> cb = moe::lm::lm_train_config_for(rb.value(), 19);
  REQUIRE(!cb.ok());
  CHECK(cb.error().where == "model.num_key_value_heads");
}
