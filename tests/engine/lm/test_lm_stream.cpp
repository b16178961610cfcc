// Streaming generation (LmStream): the same tokens as lm_generate, greedy and sampled; after each
// next() the model's trace is that token's forward, with the routing a full forward over the whole
// sequence gives its last row; errors before any work, and after the last token.
#include <span>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/lm_generate.hpp"
#include "moe/lm/lm_stream.hpp"

namespace {

moe::lm::LmStream start(moe::lm::LmModel& m, const std::vector<int32_t>& prompt,
                        const moe::lm::GenerateOptions& o) {
  auto r = moe::lm::LmStream::start(m, prompt, o);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r.value());
}

std::vector<int32_t> drain(moe::lm::LmStream& s) {
  std::vector<int32_t> out;
  while (!s.done()) {
    auto t = s.next();
    REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message()));
    out.push_back(t.value());
  }
  return out;
}

}  // namespace

TEST_CASE("lm stream: the same tokens as lm_generate, greedy and seeded top-p") {
  moe::lm::LmModel model = moe_test::small_lm_model(3);
  const std::vector<int32_t> prompt = {4, 9, 22, 1};
  for (const moe::lm::GenerateOptions& o : moe_test::greedy_and_sampled(18, 1.3f, 0.85f, 77)) {
    CAPTURE(o.greedy);
    auto whole = moe::lm::lm_generate(model, prompt, o);
    REQUIRE(whole.ok());
    moe::lm::LmStream s = start(model, prompt, o);
    CHECK(s.position() == 4);
    CHECK(drain(s) == whole.value());
    CHECK(s.generated() == 18);
    CHECK(s.position() == 22);
  }
}

TEST_CASE("lm stream: the oracle cases' greedy tokens") {
  for (const char* name : moe_test::kLmCases) {
    CAPTURE(name);
    const moe_test::LmCase c = moe_test::load_lm_case(name);
    moe::lm::LmModel model = moe_test::load_lm_model(c);
    const std::vector<int32_t> prompt = c.expected["input_ids"][0].get<std::vector<int32_t>>();
    moe::lm::GenerateOptions o;
    o.max_new_tokens = 8;
    moe::lm::LmStream s = start(model, prompt, o);
    CHECK(drain(s) == c.expected["greedy"].get<std::vector<int32_t>>());
  }
}

TEST_CASE("lm stream: each token's trace is the routing of its row in a full forward") {
  moe::lm::LmModel model = moe_test::small_lm_model(5);
  std::vector<int32_t> seq = {7, 3, 3, 12};
  moe::lm::GenerateOptions o;
  o.max_new_tokens = 6;
  moe::lm::LmStream s = start(model, seq, o);
  const int L = model.config().num_hidden_layers, E = model.config().num_local_experts;
  const int k = model.config().num_experts_per_tok;
  while (!s.done()) {
    auto t = s.next();
    REQUIRE(t.ok());
    seq.push_back(t.value());
    const moe::lm::LmTrace step = model.trace();  // [1 row] the token just fed
    REQUIRE(step.tokens == 1);
    CHECK(step.pos0 == static_cast<int>(seq.size()) - 1);
    auto full = model.forward(seq, 1, static_cast<int>(seq.size()));
    REQUIRE(full.ok());
    const size_t last = seq.size() - 1;
    for (int l = 0; l < L; ++l) {
      const auto& a = step.layers[l];
      const auto& b = full.value()->layers[l];
      for (int e = 0; e < E; ++e) {
        CHECK(a.router_probs[e] == doctest::Approx(b.router_probs[last * E + e]).epsilon(1e-5));
      }
      for (int j = 0; j < k; ++j) CHECK(a.topk_ids[j] == b.topk_ids[last * k + j]);
    }
  }
}

TEST_CASE("lm stream: bad requests fail before any work; next() after the last token is an error") {
  moe::lm::LmModel model = moe_test::small_lm_model(1);
  moe::lm::GenerateOptions o;
  auto error_of = [&](const std::vector<int32_t>& prompt) {
    auto r = moe::lm::LmStream::start(model, prompt, o);
    return r.ok() ? std::string("(no error)") : r.error().message();
  };
  CHECK(error_of({}) == "prompt: must hold at least one token id");
  CHECK(error_of(std::vector<int32_t>(65, 1)) ==
        "prompt: 65 tokens are longer than the model's context, max_position_embeddings (64)");
  o.max_new_tokens = 2;
  moe::lm::LmStream s = start(model, {1, 2}, o);
  CHECK(drain(s).size() == 2);
  auto after = s.next();
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().message() ==
        "generate: all 2 new tokens were generated; start again for more");
  // A stream of 0 new tokens is done at once; the model still works.
  o.max_new_tokens = 0;
  CHECK(start(model, {5}, o).done());
  CHECK(model.forward(std::vector<int32_t>{1, 2, 3}, 1, 3).ok());
}
