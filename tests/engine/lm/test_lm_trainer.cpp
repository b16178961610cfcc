// The language model's trainer: AdamW with warm-up and cosine decay, seeded batches, chunks.
// Tiny models and a synthetic token stream keep these fast under ASan and in wasm.
#include <cmath>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/lm_batches.hpp"
#include "moe/lm/lm_trainer.hpp"
#include "moe/train/optimizer.hpp"

namespace {

moe::lm::LmTrainConfig tiny_train_config() {
  return moe_test::tiny_lm_train_config(
      moe_test::tiny_lm_config({.vocab = 23, .hidden = 16, .ffn = 12, .context = 32}),
      {.batch = 4, .seq_len = 12, .seed = 3, .lr = {1e-2f, 1e-3f, 5, 60}, .switch_aux = 0.01});
}

using moe_test::pattern_tokens;

moe::lm::LmTrainer make_trainer(const moe::lm::LmTrainConfig& c) {
  moe::Result<moe::lm::LmTrainer> t = moe::lm::LmTrainer::create(c, pattern_tokens(4000));
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message()));
  return std::move(t.value());
}

}  // namespace

TEST_CASE("lm train: schedule warms up linearly, then decays by a cosine to the floor") {
  const moe::train::LrSchedule s{1.0f, 0.1f, 4, 14};
  CHECK(s.at(0) == doctest::Approx(0.25));
  CHECK(s.at(3) == doctest::Approx(1.0));
  CHECK(s.at(4) == doctest::Approx(1.0));
  CHECK(s.at(9) == doctest::Approx(0.1 + 0.9 * 0.5 * (1 + std::cos(3.14159265358979 * 5 / 9))));
  CHECK(s.at(13) == doctest::Approx(0.1));
  CHECK(s.at(40) == doctest::Approx(0.1));  // past the end: stays at the floor
}

TEST_CASE("lm train: AdamW decays the decayed ranges only, by lr * weight_decay") {
  moe::train::OptimizerConfig c;
  c.lr = 0.1f;
  c.weight_decay = 0.5f;
  c.no_decay = {{1, 3}};
  moe::train::Optimizer opt(c, 4);
  std::vector<float> w{2, 2, 2, 2}, g{0, 0, 0, 0};  // no gradient: only the decay moves w
  opt.step(w.data(), g.data());
  CHECK(w[0] == doctest::Approx(2 * (1 - 0.05)));
  CHECK(w[1] == 2.0f);
  CHECK(w[2] == 2.0f);
  CHECK(w[3] == doctest::Approx(2 * (1 - 0.05)));
}

TEST_CASE("lm train: a step's batch depends on (seed, step) only; held-out windows tile") {
  const std::vector<int32_t> tokens = pattern_tokens(500);
  std::vector<int32_t> a(3 * 11), b(3 * 11), c(3 * 11);
  moe::lm::lm_batch_windows(tokens, 3, 10, 7, 4, a.data());
  moe::lm::lm_batch_windows(tokens, 3, 10, 7, 4, b.data());
  moe::lm::lm_batch_windows(tokens, 3, 10, 7, 5, c.data());
  CHECK(a == b);
  CHECK(a != c);
  const std::vector<int32_t> h = moe::lm::lm_heldout_windows(tokens, 10, 0);
  CHECK(h.size() == 49 * 11);  // starts 0, 10, ..., 480 (the window at 490 would need id 500)
  CHECK(h[11] == tokens[10]);
  CHECK(moe::lm::lm_heldout_windows(tokens, 10, 3).size() == 3 * 11);
}

TEST_CASE("lm train: consecutive steps draw fresh windows, not a shifted copy of the last batch") {
  // ids = positions, so a window's first id is its start. 50 steps of 16 windows over 10^6
  // starts: nearly all 800 starts differ (a stream that replays the previous step's draws shifted
  // by one would give about 65).
  std::vector<int32_t> tokens(1'000'000);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>(i);
  const int B = 16, T = 8, steps = 50;
  std::set<int32_t> starts;
  std::vector<int32_t> batch(static_cast<size_t>(B) * (T + 1));
  for (int step = 0; step < steps; ++step) {
    moe::lm::lm_batch_windows(tokens, B, T, 1, step, batch.data());
    for (int b = 0; b < B; ++b) starts.insert(batch[static_cast<size_t>(b) * (T + 1)]);
  }
  CHECK(starts.size() >= static_cast<size_t>(B * steps) - 2);
}

TEST_CASE("lm train: same bits on two runs with one seed; 3 + 7 steps == 10 steps") {
  const moe::lm::LmTrainConfig c = tiny_train_config();
  moe::lm::LmTrainer a = make_trainer(c), b = make_trainer(c);
  const auto ra = a.train_steps(10);
  auto rb = b.train_steps(3);
  const auto rb2 = b.train_steps(7);
  rb.insert(rb.end(), rb2.begin(), rb2.end());
  REQUIRE(ra.size() == 10);
  REQUIRE(rb.size() == 10);
  for (int s = 0; s < 10; ++s) {
    CHECK(ra[s].loss == rb[s].loss);
    CHECK(ra[s].expert_load == rb[s].expert_load);
  }
  CHECK(a.params() == b.params());
  CHECK(a.step() == 10);
}

TEST_CASE("lm train: loss falls on a tiny model, held-out loss too") {
  moe::lm::LmTrainConfig c = tiny_train_config();
  moe::lm::LmTrainer t = make_trainer(c);
  const std::vector<int32_t> held = moe::lm::lm_heldout_windows(pattern_tokens(600), 12, 8);
  const double before = t.evaluate(held, 12);
  const auto steps = t.train_steps(60);
  const double after = t.evaluate(held, 12);
  double first = 0, last = 0;
  for (int s = 0; s < 5; ++s) first += steps[s].loss / 5;
  for (int s = 55; s < 60; ++s) last += steps[s].loss / 5;
  INFO("train loss " << first << " -> " << last << ", held-out " << before << " -> " << after);
  CHECK(last < first - 0.5);
  CHECK(after < before - 0.5);
  // Loads count every (token, slot) pair of the batch: B·T·k per layer.
  int total = 0;
  for (int e : steps.back().expert_load[1]) total += e;
  CHECK(total == c.batch * c.seq_len * 2);
}

TEST_CASE("lm train: loss-free bias moves toward the under-loaded experts") {
  moe::lm::LmTrainConfig c = tiny_train_config();
  c.shape.moe.router = moe::RouterKind::sigmoid_grouped_topk_bias;
  c.shape.coefs = {};
  c.bias_gamma = 0.01f;
  moe::lm::LmTrainer t = make_trainer(c);
  const auto s = t.train_steps(1);
  const std::vector<int32_t>& load = s[0].expert_load[0];
  double mean = 0;
  for (int e : load) mean += e / 4.0;
  for (int e = 0; e < 4; ++e) {
    const float b = t.selection_bias()[e];
    CHECK(b == (load[e] < mean ? 0.01f : load[e] > mean ? -0.01f : 0.0f));
  }
}

TEST_CASE("lm train: bad configs and tokens are errors naming the field") {
  moe::lm::LmTrainConfig c = tiny_train_config();
  c.seq_len = 33;
  auto r = moe::lm::LmTrainer::create(c, pattern_tokens(100));
  REQUIRE(!r.ok());
  CHECK(r.error().where == "seq_len");
  c = tiny_train_config();
  r = moe::lm::LmTrainer::create(c, {1, 2, 3});
  REQUIRE(!r.ok());
  CHECK(r.error().where == "train_tokens");
  std::vector<int32_t> bad = pattern_tokens(100);
  bad[40] = 23;
  r = moe::lm::LmTrainer::create(c, bad);
  REQUIRE(!r.ok());
  CHECK(r.error().where == "train_tokens[40]");
  c.shape.moe.router = moe::RouterKind::soft_moe;
  r = moe::lm::LmTrainer::create(c, pattern_tokens(100));
  REQUIRE(!r.ok());
  CHECK(r.error().where == "router");
}
