// The training step's products on several threads and at every vector width the CPU has
// (train/linalg_kernels.hpp): every thread count gives the bits of one thread at the same width,
// and the two wide FMA widths (AVX2, AVX-512) give the same bits as each other, for the kernels
// alone and for 20 steps of a small language model; the baseline's mul + add stays within 1e-4 of
// the widest one's losses over those steps. In a wasm build without threads, and on a CPU without
// AVX2, only the cases that exist there run.
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "lm/lm_test_support.hpp"
#include "moe/kernels/thread_pool.hpp"
#include "moe/lm/lm_trainer.hpp"
#include "moe/train/linalg_kernels.hpp"

namespace {

using moe::train::TrainSimd;

std::vector<float> seeded(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    v[i] = static_cast<float>(static_cast<int64_t>(seed >> 40) % 2001 - 1000) / 997.0f;
  }
  return v;
}

// The widths to compare: the baseline and every wider one this CPU runs.
std::vector<TrainSimd> widths() {
  std::vector<TrainSimd> w = {TrainSimd::baseline};
  if (moe::train::train_simd_widest() >= TrainSimd::avx2) w.push_back(TrainSimd::avx2);
  if (moe::train::train_simd_widest() >= TrainSimd::avx512) w.push_back(TrainSimd::avx512);
  return w;
}

int most_threads() {
  if (!moe::threads_supported()) return 1;
  if (moe::thread_count() < 2) REQUIRE(moe::set_thread_count(2).ok());
  return 2;
}

// Restores the process-wide width whatever a test case does.
struct SimdGuard {
  TrainSimd saved = moe::train::train_simd();
  ~SimdGuard() { moe::train::set_train_simd(saved); }
};

struct Products {
  std::vector<float> tn, nn, nt;
};

// The three products on operands of M = rows output rows (tn: M = m), at the current settings.
Products run_products(size_t rows, size_t k, size_t cols) {
  const std::vector<float> a = seeded(rows * k, 1), b = seeded(k * cols, 2);
  const std::vector<float> at = seeded(k * rows, 3), bt = seeded(k * cols, 4);
  const std::vector<float> w = seeded(cols * k, 5);
  Products p{std::vector<float>(rows * cols), std::vector<float>(rows * cols),
             std::vector<float>(rows * cols)};
  moe::train::f32_matmul_tn(at.data(), bt.data(), p.tn.data(), k, rows, cols);  // [rows, cols]
  moe::train::f32_matmul_nn(a.data(), b.data(), p.nn.data(), rows, k, cols);    // [rows, cols]
  moe::train::f32_matmul_nt(a.data(), w.data(), p.nt.data(), rows, k, cols);    // [rows, cols]
  return p;
}

}  // namespace

TEST_CASE("train products: every thread count gives one thread's bits; AVX2 and AVX-512 agree") {
  SimdGuard guard;
  const int threads = most_threads();
  // Rows below, at and above the 4-row tile and the split's blocks; columns below, at and above
  // every vector's 2-vector tile (8, 16, 32).
  const size_t shapes[][3] = {{4, 3, 5},    {13, 40, 7},   {64, 33, 129},
                              {97, 64, 70}, {130, 17, 33}, {256, 128, 64}};
  for (const auto& s : shapes) {
    INFO("rows " << s[0] << ", k " << s[1] << ", cols " << s[2]);
    Products first_wide;
    for (TrainSimd w : widths()) {
      moe::train::set_train_simd(w);
      Products one;
      {
        const moe::train::TrainThreadsScope scope(1);
        one = run_products(s[0], s[1], s[2]);
      }
      for (int t = 2; t <= threads; ++t) {
        INFO(moe::train::train_simd_name(w) << ", " << t << " threads");
        const moe::train::TrainThreadsScope scope(t);
        const Products p = run_products(s[0], s[1], s[2]);
        CHECK(moe_test::same_bits(p.tn, one.tn));
        CHECK(moe_test::same_bits(p.nn, one.nn));
        CHECK(moe_test::same_bits(p.nt, one.nt));
      }
      if (w == TrainSimd::baseline) continue;
      if (first_wide.tn.empty()) {
        first_wide = one;
        continue;
      }
      INFO(moe::train::train_simd_name(w) << " against avx2");
      CHECK(moe_test::same_bits(one.tn, first_wide.tn));
      CHECK(moe_test::same_bits(one.nn, first_wide.nn));
      CHECK(moe_test::same_bits(one.nt, first_wide.nt));
    }
  }
}

TEST_CASE("lm train: 20 steps give the same bits on 1 and 2 threads, within 1e-4 across widths") {
  SimdGuard guard;
  moe::lm::LmTrainConfig t = moe_test::tiny_lm_train_config(
      moe_test::tiny_lm_config({.vocab = 40, .hidden = 32, .ffn = 24, .context = 32}),
      // 8 windows of 16: 128 rows per step, so the products are large enough to be split
      {.batch = 8,
       .seq_len = 16,
       .seed = 5,
       .lr = {1e-2f, 1e-3f, 5, 20},
       .switch_aux = 0.01,
       .z_loss = 0.001});
  std::vector<int32_t> tokens(3000);
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i] = static_cast<int32_t>((i * 7 + i / 13) % 40);

  const auto run = [&](int threads, TrainSimd width) {
    moe::train::set_train_simd(width);
    t.threads = threads;
    moe::Result<moe::lm::LmTrainer> tr = moe::lm::LmTrainer::create(t, tokens);
    REQUIRE_MESSAGE(tr.ok(), (tr.ok() ? "" : tr.error().message()));
    std::vector<double> losses;
    for (const moe::lm::LmStepStats& s : tr.value().train_steps(20)) losses.push_back(s.loss);
    return std::make_pair(losses, tr.value().params());
  };
  const auto base = run(1, TrainSimd::baseline);
  CHECK(base.first.back() < base.first.front());  // it learns something
  std::vector<std::pair<std::vector<double>, std::vector<float>>> wide;
  for (TrainSimd w : widths()) {
    const auto one = w == TrainSimd::baseline ? base : run(1, w);
    for (int threads = 2; threads <= most_threads(); ++threads) {
      INFO(moe::train::train_simd_name(w) << ", " << threads << " threads");
      const auto other = run(threads, w);
      CHECK(other.first == one.first);                       // every step's loss, exactly
      CHECK(moe_test::same_bits(other.second, one.second));  // every weight after 20 steps
    }
    if (w == TrainSimd::baseline) continue;
    INFO(moe::train::train_simd_name(w));
    if (!wide.empty()) {  // AVX-512 against AVX2: the same fma chains
      CHECK(one.first == wide.front().first);
      CHECK(moe_test::same_bits(one.second, wide.front().second));
    }
    wide.push_back(one);
    for (size_t s = 0; s < one.first.size(); ++s) {
      INFO("step " << s);
      CHECK(std::abs(one.first[s] - base.first[s]) <= 1e-4);  // FMA against mul + add
    }
  }
}

TEST_CASE("lm train: threads out of range are an error naming the field") {
  moe::lm::LmTrainConfig t =
      moe_test::tiny_lm_train_config(moe_test::tiny_lm_config({.vocab = 8,
                                                               .hidden = 8,
                                                               .ffn = 4,
                                                               .layers = 1,
                                                               .heads = 1,
                                                               .experts = 2,
                                                               .top_k = 1,
                                                               .context = 8}),
                                     {.seq_len = 4, .lr = {1e-2f, 1e-3f, 0, 4}});
  t.threads = 0;
  auto r = moe::lm::LmTrainer::create(t, std::vector<int32_t>(50, 1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().rfind("threads: must be between 1 and ", 0) == 0);
}
