// Threads: the layer forward with 2 and 3 threads gives bit-identical results to 1 thread (each
// expert runs whole on one thread), the experts are split busiest-first, and bad counts are
// refused with an error value.
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "moe/kernels/thread_pool.hpp"
#include "moe/layer/experts.hpp"
#include "moe/spec/spec.hpp"
#include "test_support.hpp"

namespace {

// Restores one thread when a test ends, so the other tests run as before.
struct OneThreadAfter {
  ~OneThreadAfter() { (void)moe::set_thread_count(1); }
};

// The forward output and expert outputs of a seeded layer on seeded tokens, with n threads.
std::vector<float> forward_with(int threads, std::string_view spec, int T, int d) {
  REQUIRE(moe::set_thread_count(threads).ok());
  moe::Result<moe::Layer> made = moe::make_layer(spec);
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message()));
  moe::Layer& layer = made.value();
  const std::vector<float> x = moe_test::random_floats(static_cast<size_t>(T) * d, 7);  // [T, d]
  moe::Result<const moe::Trace*> r = layer.forward(x.data(), x.size(), T);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  std::vector<float> out = r.value()->output;  // [T, d]
  out.insert(out.end(), r.value()->expert_outputs.begin(), r.value()->expert_outputs.end());
  return out;
}

}  // namespace

TEST_CASE("threads: the layer forward is bit-identical with 1, 2 and 3 threads (wasm: 1, 2)") {
  if (!moe::threads_supported()) {
    MESSAGE("this build has no threads; covered by the native and wasm-mt builds");
    return;
  }
  OneThreadAfter restore;
  // Large enough (T·k·d·f = 2 Mi multiply-adds) that the experts really go to the pool.
  for (const char* kind : {"mlp", "swiglu"}) {
    CAPTURE(kind);
    const std::string spec =
        std::string(R"({"config":{"d_model":64,"d_ff":256,"num_experts":8,)") +
        R"("top_k":2,"router_kind":"softmax_topk_renorm","activation":"silu","expert_kind":")" +
        kind + R"("},"seed":11})";
    const std::vector<float> one = forward_with(1, spec, 64, 64);
    const std::vector<float> two = forward_with(2, spec, 64, 64);
    CHECK(moe::thread_count() == 2);
    CHECK_MESSAGE(moe_test::same_bits(one, two), "2 threads differ from 1");
    if (moe::max_threads() >= 3) {  // natively; the wasm build's pool has 2 Workers
      const std::vector<float> three = forward_with(3, spec, 64, 64);
      CHECK(moe::thread_count() == 3);
      CHECK_MESSAGE(moe_test::same_bits(one, three), "3 threads differ from 1");
    }
    // Not vacuous: the outputs are not all zero.
    bool nonzero = false;
    for (float v : one) nonzero = nonzero || v != 0.0f;
    CHECK(nonzero);
  }
}

TEST_CASE("threads: experts are taken busiest first, and experts without rows are nobody's work") {
  // rows per expert: 5, 0, 9, 2, 4, 5   (offsets are running sums)
  const std::vector<int32_t> offsets = {0, 5, 5, 14, 16, 20, 25};  // [E + 1]
  // 9 rows, then the two 5s in expert order, 4, 2; expert 1 has none
  CHECK(moe::experts_busiest_first(offsets) == std::vector<int>{2, 0, 5, 4, 3});
}

TEST_CASE("threads: a bad thread count is an error naming the field") {
  OneThreadAfter restore;
  moe::Result<bool> zero = moe::set_thread_count(0);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message() == "threads: must be between 1 and 16, got 0");
  CHECK_FALSE(moe::set_thread_count(moe::kMaxThreads + 1).ok());
  if (moe::threads_supported() && moe::max_threads() < moe::kMaxThreads) {
    moe::Result<bool> over = moe::set_thread_count(moe::max_threads() + 1);
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().message().find("pool of pthread Workers") != std::string::npos);
  }
  CHECK(moe::thread_count() == 1);
  moe::Result<bool> two = moe::set_thread_count(2);
  CHECK(two.ok() == moe::threads_supported());
  if (!moe::threads_supported()) {
    CHECK(two.error().message().find("this build has no threads") != std::string::npos);
  }
  CHECK(moe::set_thread_count(1).ok());
}
