// The language model's new kernels (RMSNorm, RoPE, attention): each fast path against its naive
// scalar reference on sizes below, at, above and a multiple of the SIMD width, plus small cases
// worked by hand, and the KV-cache forward against the full forward.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "lm_test_support.hpp"
#include "moe/lm/attention.hpp"
#include "moe/lm/rmsnorm.hpp"
#include "moe/lm/rope.hpp"

namespace {

using moe_test::random_floats;

const int kOddSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 33};

}  // namespace

TEST_CASE("rmsnorm: fast path equals the scalar reference; eps inside the square root") {
  for (int d : kOddSizes) {
    CAPTURE(d);
    const int rows = 3;
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * d), 11 + d, -2, 2);
    const std::vector<float> w = random_floats(static_cast<size_t>(d), 17 + d, 0.5f, 1.5f);
    std::vector<float> ref(x.size()), fast(x.size()), in_place = x;
    moe::lm::rmsnorm_forward__scalar(x.data(), w.data(), ref.data(), rows, d, 1e-5f);
    moe::lm::rmsnorm_forward(x.data(), w.data(), fast.data(), rows, d, 1e-5f);
    moe::lm::rmsnorm_forward(in_place.data(), w.data(), in_place.data(), rows, d, 1e-5f);
    moe_test::check_close(fast, ref, 1e-6, 1e-6, "rmsnorm");
    moe_test::check_close(in_place, ref, 1e-6, 1e-6, "rmsnorm in place");
  }
  // [3, 4]: mean square 12.5; with eps = 12.5 too the divisor is sqrt(25) = 5.
  const float x[2] = {3.0f, 4.0f}, w[2] = {1.0f, 2.0f};
  float y[2];
  moe::lm::rmsnorm_forward(x, w, y, 1, 2, 12.5f);
  CHECK(y[0] == doctest::Approx(0.6));
  CHECK(y[1] == doctest::Approx(1.6));
}

TEST_CASE("rope: fast path equals the scalar reference; halves rotate together") {
  for (int half : {1, 2, 3, 4, 5, 8, 9}) {
    const int hd = 2 * half;
    for (int pos0 : {0, 3, 100}) {
      CAPTURE(hd);
      CAPTURE(pos0);
      const int T = 3, heads = 3;
      std::vector<float> ref = random_floats(static_cast<size_t>(T * heads * hd), 5 + hd);
      std::vector<float> fast = ref;
      moe::lm::rope_apply__scalar(ref.data(), T, heads, hd, pos0, 10000.0);
      moe::lm::rope_apply(fast.data(), T, heads, hd, pos0, 10000.0);
      moe_test::check_close(fast, ref, 1e-6, 1e-6, "rope");
    }
  }
  // The model's precomputed table gives the same floats as computing the angles per call.
  for (int pos0 : {0, 5, 29}) {
    CAPTURE(pos0);
    const int T = 3, heads = 2, hd = 10;
    const moe::lm::RopeTable table = moe::lm::rope_table(32, hd, 10000.0);
    std::vector<float> per_call = random_floats(static_cast<size_t>(T * heads * hd), 9 + pos0);
    std::vector<float> tabled = per_call;
    moe::lm::rope_apply(per_call.data(), T, heads, hd, pos0, 10000.0);
    moe::lm::rope_apply(tabled.data(), T, heads, pos0, table);
    CHECK(tabled == per_call);
  }
  // hd = 4, position 1, theta 100: inv_freq = [1, 1/10]; dims (0, 2) turn by 1 rad, (1, 3) by
  // 0.1 rad. x = e_0 + e_1 → [cos 1, cos 0.1, sin 1, sin 0.1] (GPT-J pairs would mix 0 with 1).
  std::vector<float> x = {0, 0, 0, 0, 1, 1, 0, 0};  // rows at positions 0 and 1
  moe::lm::rope_apply(x.data(), 2, 1, 4, 0, 100.0);
  CHECK(x[0] == 0.0f);  // position 0 is the identity
  CHECK(x[1] == 0.0f);
  CHECK(x[4] == doctest::Approx(std::cos(1.0)));
  CHECK(x[5] == doctest::Approx(std::cos(0.1)));
  CHECK(x[6] == doctest::Approx(std::sin(1.0)));
  CHECK(x[7] == doctest::Approx(std::sin(0.1)));
}

TEST_CASE("attention: fast path equals the scalar reference (MHA, GQA, MQA, cached prefix)") {
  struct Shape {
    int T, pos0, H, KV, hd;
  };
  // The last five span several blocks of query rows (16 each), with and without a cached prefix.
  const Shape shapes[] = {{1, 0, 1, 1, 2},  {5, 0, 4, 2, 6},   {7, 0, 6, 6, 8},  {3, 4, 4, 1, 10},
                          {1, 9, 6, 3, 4},  {9, 0, 2, 1, 18},  {4, 2, 8, 2, 5},  {16, 0, 2, 2, 8},
                          {17, 0, 4, 2, 8}, {40, 0, 2, 2, 32}, {33, 5, 4, 1, 6}, {20, 30, 2, 1, 9}};
  moe::lm::AttentionWorkspace ws;
  for (const Shape& s : shapes) {
    CAPTURE(s.T);
    CAPTURE(s.pos0);
    CAPTURE(s.H);
    CAPTURE(s.KV);
    CAPTURE(s.hd);
    const int S = s.pos0 + s.T;
    const std::vector<float> q = random_floats(static_cast<size_t>(s.T * s.H * s.hd), 1, -2, 2);
    const std::vector<float> k = random_floats(static_cast<size_t>(S * s.KV * s.hd), 2, -2, 2);
    const std::vector<float> v = random_floats(static_cast<size_t>(S * s.KV * s.hd), 3);
    std::vector<float> ref(q.size()), fast(q.size());
    const moe::lm::AttentionShape shape{s.T, s.pos0, s.H, s.KV, s.hd};
    moe::lm::attention_forward__scalar(q.data(), k.data(), v.data(), ref.data(), shape);
    moe::lm::attention_forward(q.data(), k.data(), v.data(), fast.data(), shape, ws);
    moe_test::check_close(fast, ref, 2e-6, 1e-5, "attention");
  }
}

TEST_CASE("attention: the first token sees only itself; grouped heads read kv head h / (H/KV)") {
  // H = 4, KV = 2, hd = 2, one token: every head's output is its kv head's value row.
  const std::vector<float> q = random_floats(8, 4);
  const std::vector<float> k = random_floats(4, 5);
  const std::vector<float> v = {1, 2, 3, 4};  // kv head 0: [1, 2], kv head 1: [3, 4]
  std::vector<float> out(8);
  moe::lm::AttentionWorkspace ws;
  moe::lm::attention_forward(q.data(), k.data(), v.data(), out.data(), {1, 0, 4, 2, 2}, ws);
  const std::vector<float> want = {1, 2, 1, 2, 3, 4, 3, 4};  // heads 0, 1 → 0; heads 2, 3 → 1
  moe_test::check_close(out, want, 1e-6, 0, "attention one token");
}

TEST_CASE("lm forward: the KV cache gives the full forward's logits, token by token, B = 2") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  moe::lm::LmModel model(c, moe::lm::lm_weights_init_seeded(c, 42));
  const int B = 2, T = 9;
  std::vector<int32_t> ids(B * T);
  for (int n = 0; n < B * T; ++n) ids[static_cast<size_t>(n)] = (n * 7 + 3) % c.vocab_size;
  auto full = model.forward(ids, B, T);
  REQUIRE(full.ok());
  const std::vector<float> want = full.value()->logits;  // [B·T, V]
  const size_t V = static_cast<size_t>(c.vocab_size);

  auto cache = model.new_cache(B, T);
  REQUIRE(cache.ok());
  // Prefill 4 tokens per row, then one at a time.
  std::vector<float> got(want.size());
  int done = 0;
  for (int step : {4, 1, 1, 1, 1, 1}) {
    std::vector<int32_t> chunk;
    for (int b = 0; b < B; ++b) {
      for (int t = done; t < done + step; ++t) chunk.push_back(ids[static_cast<size_t>(b * T + t)]);
    }
    auto r = model.forward_cached(chunk, B, step, cache.value());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    for (int b = 0; b < B; ++b) {
      for (int t = 0; t < step; ++t) {
        const float* row = r.value()->logits.data() + (static_cast<size_t>(b) * step + t) * V;
        std::copy(row, row + V, got.data() + (static_cast<size_t>(b) * T + done + t) * V);
      }
    }
    done += step;
  }
  CHECK(cache.value().length == T);
  moe_test::check_close(got, want, 1e-5, 1e-5, "cached logits");
  // The cache is full: one more token is an error, and the model still works afterwards.
  auto over = model.forward_cached(std::vector<int32_t>{1, 2}, B, 1, cache.value());
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().message() ==
        "input_ids: 1 more tokens do not fit the cache (9 of 9 positions used)");
  CHECK(model.forward(ids, B, T).ok());
}

TEST_CASE("lm forward: bad ids are errors naming the position; the next call works") {
  const moe::lm::LmConfig c = moe_test::small_lm_config();
  moe::lm::LmModel model(c, moe::lm::lm_weights_init_seeded(c, 1));
  auto bad = model.forward(std::vector<int32_t>{1, 2, 29, 4}, 2, 2);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() ==
        "input_ids[1][0]: must be a token id between 0 and 28 (vocab_size - 1), got 29");
  auto negative = model.forward(std::vector<int32_t>{-1}, 1, 1);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().where == "input_ids[0][0]");
  auto shape = model.forward(std::vector<int32_t>{1, 2, 3}, 2, 2);
  REQUIRE_FALSE(shape.ok());
  CHECK(shape.error().message() == "input_ids: expected 2 × 2 ids, got 3");
  auto too_long = model.forward(std::vector<int32_t>(65, 1), 1, 65);
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message() ==
        "input_ids: sequences of 65 tokens are longer than max_position_embeddings (64)");
  CHECK(model.forward(std::vector<int32_t>{1, 2, 3, 4}, 2, 2).ok());
}
