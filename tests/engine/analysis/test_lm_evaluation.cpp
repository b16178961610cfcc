// Held-out evaluation of the language model (analysis/lm_evaluation.hpp): the loss per domain is
// lm_loss's next-token NLL over windows that predict every token once, the routing record holds
// the windows as sequences, and the masking study lifts its masks afterwards.
#include <span>
#include <vector>

#include <doctest/doctest.h>

#include "analysis_test_support.hpp"
#include "moe/analysis/consecutive_agreement.hpp"
#include "moe/analysis/lm_evaluation.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_loss.hpp"
#include "moe/lm/lm_weights.hpp"

namespace {

using moe::analysis::TokenDomain;

moe::lm::LmModel seeded_model(uint64_t seed) {
  const moe::lm::LmConfig c = moe_test::tiny_text_config(40);
  return moe::lm::LmModel(c, moe::lm::lm_weights_init_seeded(c, seed));
}

// Mean NLL of ids[1..n) given ids[0..n-1) in one forward (lm_loss.hpp), for n - 1 ≤ the context.
double one_window_loss(moe::lm::LmModel& m, const std::vector<int32_t>& ids) {
  const int T = static_cast<int>(ids.size()) - 1;
  REQUIRE(m.forward(std::span<const int32_t>(ids.data(), static_cast<size_t>(T)), 1, T).ok());
  const std::vector<int32_t> targets(ids.begin() + 1, ids.end());
  return moe::lm::next_token_loss(m.trace().logits.data(), T, m.config().vocab_size, targets.data(),
                                  static_cast<float*>(nullptr));
}

}  // namespace

TEST_CASE("evaluate_lm: one window is lm_loss's next-token loss on one forward") {
  moe::lm::LmModel m = seeded_model(3);
  const std::vector<int32_t> ids = {1, 5, 9, 2, 2, 7, 30, 11};
  moe::analysis::EvalOptions o;
  o.context = 7;
  auto ev = moe::analysis::evaluate_lm(m, {TokenDomain{"a", ids}}, o);
  REQUIRE(ev.ok());
  REQUIRE(ev.value().domains.size() == 1);
  CHECK(ev.value().domains[0].tokens == 7);
  CHECK(ev.value().domains[0].loss == one_window_loss(m, ids));
  CHECK(ev.value().loss == ev.value().domains[0].loss);
}

TEST_CASE("evaluate_lm: the trainer's held-out windows, C + 1 tokens at 0, C, 2C, ...") {
  moe::lm::LmModel m = seeded_model(4);
  const std::vector<int32_t> ids = {1, 5, 9, 2, 2, 7, 30, 11, 0, 39};
  moe::analysis::EvalOptions o;
  o.context = 4;  // windows [0,4)→[1,5) and [4,8)→[5,9); the tail [8,9)→[9,10) is left out
  auto ev = moe::analysis::evaluate_lm(m, {TokenDomain{"a", ids}}, o);
  REQUIRE(ev.ok());
  const double w0 = one_window_loss(m, {1, 5, 9, 2, 2});
  const double w1 = one_window_loss(m, {2, 7, 30, 11, 0});
  CHECK(ev.value().domains[0].tokens == 8);
  CHECK(ev.value().domains[0].loss == doctest::Approx((w0 + w1) / 2).epsilon(1e-12));
  // The same number as the trainer's definition over the same windows.
  const std::vector<int32_t> windows = moe::lm::lm_heldout_windows(ids, 4, 0);
  CHECK(windows.size() == 10);
  const double trainer_def = moe::lm::lm_heldout_loss(windows, 4, 2, [&](const int32_t* w, int B) {
    REQUIRE(m.forward(std::span<const int32_t>(w, 4), 1, 4).ok());
    double first = moe::lm::next_token_loss<float>(m.trace().logits.data(), 4, 40, w + 1, nullptr);
    if (B == 1) return first;
    REQUIRE(m.forward(std::span<const int32_t>(w + 5, 4), 1, 4).ok());
    return (first +
            moe::lm::next_token_loss<float>(m.trace().logits.data(), 4, 40, w + 6, nullptr)) /
           2;
  });
  CHECK(ev.value().domains[0].loss == doctest::Approx(trainer_def).epsilon(1e-12));

  const moe::analysis::RoutingRecord& r = ev.value().routing;
  REQUIRE(moe::analysis::check_routing_record(r).ok());
  CHECK(r.tokens() == 8);  // the inputs of the windows
  CHECK(r.sequence == std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1, 1});
  CHECK(r.token_ids == std::vector<int32_t>(ids.begin(), ids.end() - 2));
  CHECK(moe::analysis::consecutive_agreement(r, 0).pairs == 6);  // 3 + 3 inside windows

  o.max_tokens = 3;  // rounded up to one window of 4 predicted tokens
  auto capped = moe::analysis::evaluate_lm(m, {TokenDomain{"a", ids}}, o);
  REQUIRE(capped.ok());
  CHECK(capped.value().domains[0].tokens == 4);
  CHECK(capped.value().domains[0].loss == w0);
}

TEST_CASE("evaluate_lm: domains are labelled, and the overall loss is token-weighted") {
  moe::lm::LmModel m = seeded_model(5);
  const std::vector<TokenDomain> domains = {{"prose", {1, 2, 3, 4, 5}}, {"code", {9, 8}}};
  moe::analysis::EvalOptions o;
  o.context = 1;  // windows of 2 tokens: 4 in prose, 1 in code
  auto ev = moe::analysis::evaluate_lm(m, domains, o);
  REQUIRE(ev.ok());
  const auto& d = ev.value().domains;
  CHECK(d[0].name == "prose");
  CHECK(d[0].tokens == 4);
  CHECK(d[1].tokens == 1);
  CHECK(ev.value().loss == doctest::Approx((d[0].loss * 4 + d[1].loss) / 5));
  CHECK(ev.value().routing.domain == std::vector<int32_t>{0, 0, 0, 0, 1});
  CHECK(ev.value().routing.domain_names == std::vector<std::string>{"prose", "code"});
}

TEST_CASE("evaluate_lm: a text shorter than one window is one window of its own length") {
  // A learner's sentence is shorter than the context: it must get a loss, the same as evaluating
  // it with that shorter context.
  moe::lm::LmModel m = seeded_model(8);
  const std::vector<TokenDomain> text = {{"mine", {3, 1, 4, 1, 5, 9}}};  // 6 tokens < 16 + 1
  auto whole = moe::analysis::evaluate_lm(m, text, {});
  REQUIRE(whole.ok());
  moe::analysis::EvalOptions five;
  five.context = 5;  // exactly one window of the 6 tokens
  auto exact = moe::analysis::evaluate_lm(m, text, five);
  REQUIRE(exact.ok());
  CHECK(whole.value().domains[0].tokens == 5);
  CHECK(whole.value().domains[0].loss == exact.value().domains[0].loss);
}

TEST_CASE("evaluate_lm: bad input names the field") {
  moe::lm::LmModel m = seeded_model(6);
  moe::analysis::EvalOptions o;
  o.context = 17;
  CHECK(moe::analysis::evaluate_lm(m, {TokenDomain{"a", {1, 2}}}, o).error().message() ==
        "context: must be between 1 and max_position_embeddings (16), got 17");
  CHECK(moe::analysis::evaluate_lm(m, {TokenDomain{"a", {1}}}, {}).error().message() ==
        "domains[0] (a): needs at least 2 tokens (one to read, one to predict), got 1");
  CHECK(moe::analysis::evaluate_lm(m, {TokenDomain{"a", {1, 40}}}, {}).error().message() ==
        "domains[0] (a)[1]: must be a token id between 0 and 39 (vocab_size - 1), got 40");
  CHECK(moe::analysis::evaluate_lm(m, {TokenDomain{"a", {-1, 2}}}, {}).error().message() ==
        "domains[0] (a)[0]: must be a token id between 0 and 39 (vocab_size - 1), got -1");
}

TEST_CASE("masking_study: a loss per masked expert, and the model unmasked afterwards") {
  moe::lm::LmModel m = seeded_model(7);
  const std::vector<TokenDomain> domains = {{"a", {1, 5, 9, 2, 2, 7, 30, 11, 0, 39, 3, 3}}};
  moe::analysis::EvalOptions o;
  o.context = 11;
  auto base = moe::analysis::evaluate_lm(m, domains, o);
  REQUIRE(base.ok());
  auto study = moe::analysis::masking_study(m, domains, o);
  REQUIRE(study.ok());
  CHECK(study.value().expert_off.size() == 4);
  CHECK(study.value().top1_masked.domains[0].tokens == 11);
  // Masking every token's first choice in every layer reroutes every token: the loss moves.
  CHECK(study.value().top1_masked.loss != base.value().loss);
  auto again = moe::analysis::evaluate_lm(m, domains, o);
  REQUIRE(again.ok());
  CHECK(again.value().loss == base.value().loss);  // masks lifted: bit for bit
}

TEST_CASE("surface classes of a trained tokenizer's vocabulary") {
  const moe::text::Tokenizer tok = moe_test::tiny_tokenizer();
  const std::vector<int32_t> classes = moe::analysis::surface_classes_of_vocab(tok);
  REQUIRE(static_cast<int>(classes.size()) == tok.vocab_size());
  using moe::analysis::SurfaceClass;
  const auto class_of = [&](const char* bytes) {
    const int32_t id = tok.token_id(bytes);
    REQUIRE(id >= 0);
    return classes[static_cast<size_t>(id)];
  };
  CHECK(class_of("a") == static_cast<int32_t>(SurfaceClass::word));
  CHECK(class_of("7") == static_cast<int32_t>(SurfaceClass::number));
  CHECK(class_of(" ") == static_cast<int32_t>(SurfaceClass::whitespace));
  CHECK(class_of(":") == static_cast<int32_t>(SurfaceClass::punctuation));
  CHECK(classes[static_cast<size_t>(tok.vocab_size() - 1)] ==
        static_cast<int32_t>(SurfaceClass::special));  // <|endoftext|> is the last id
  CHECK(class_of(" the") == static_cast<int32_t>(SurfaceClass::word));
}
