// Invariants of noisy top-k gating (Shazeer et al. 2017) and its seeded normal generator.
#include <cmath>
#include <vector>

#include "moe/routing/math.hpp"
#include "moe/routing/noisy_topk.hpp"
#include "moe/routing/rng.hpp"
#include "moe/routing/softmax_topk.hpp"
#include "routing/oracle_io.hpp"

using namespace moe::routing;

TEST_CASE("routing/rng: splitmix64 reference values and a standard normal stream") {
  // First outputs of splitmix64 seeded with 0 (the published reference sequence).
  SplitMix64 rng(0);
  CHECK(rng.next_u64() == 0xE220A8397B1DCDAFULL);
  CHECK(rng.next_u64() == 0x6E789E6AA1B965F4ULL);
  const std::vector<float> z = standard_normals(42, 20000);
  double mean = 0.0, var = 0.0;
  for (float v : z) mean += v;
  mean /= z.size();
  for (float v : z) var += (v - mean) * (v - mean);
  var /= z.size();
  CHECK(std::fabs(mean) < 0.03);
  CHECK(std::fabs(var - 1.0) < 0.04);
  CHECK(standard_normals(42, 5) == std::vector<float>(z.begin(), z.begin() + 5));
  CHECK(standard_normals(43, 5) != standard_normals(42, 5));
}

TEST_CASE("routing/noisy-topk: eval mode equals plain renormalised top-k") {
  const int tokens = 6, experts = 5, k = 2;
  const std::vector<float> clean = standard_normals(1, tokens * experts);  // [T, E]
  const std::vector<float> noise = standard_normals(2, tokens * experts);  // [T, E]
  const NoisyTopk r = noisy_topk(clean, noise, tokens, experts, k, false, 99);
  const SoftmaxTopk plain = softmax_topk(clean, tokens, experts, k, true);
  REQUIRE_MESSAGE(r.ok(), r.error);
  REQUIRE(plain.ok());
  CHECK(r.noisy_logits == clean);
  CHECK(r.topk_ids == plain.topk_ids);
  moe_test::check_close(r.topk_weights, plain.topk_weights, 1e-6, 0.0, "topk_weights");
  // Eval load = how many tokens each expert received.
  std::vector<float> counts(experts, 0.0f);
  for (int32_t e : plain.topk_ids) counts[e] += 1.0f;
  CHECK(r.load == counts);
  CHECK(noisy_topk(clean, {}, tokens, experts, k, false, 99).topk_ids == plain.topk_ids);
}

TEST_CASE("routing/noisy-topk: training adds seeded noise scaled by softplus(noise_logits)") {
  const int tokens = 6, experts = 5, k = 2;
  const std::vector<float> clean = standard_normals(1, tokens * experts);  // [T, E]
  const std::vector<float> noise_logits(tokens * experts, 0.0f);           // σ = ln 2
  const NoisyTopk a = noisy_topk(clean, noise_logits, tokens, experts, k, true, 7);
  const NoisyTopk b = noisy_topk(clean, noise_logits, tokens, experts, k, true, 7);
  const NoisyTopk c = noisy_topk(clean, noise_logits, tokens, experts, k, true, 8);
  REQUIRE_MESSAGE(a.ok(), a.error);
  CHECK(a.noise == b.noise);
  CHECK(a.noisy_logits == b.noisy_logits);
  CHECK(a.noise != c.noise);
  CHECK(a.noise == standard_normals(7, tokens * experts));
  const float sigma = std::log(2.0f);
  for (int i = 0; i < tokens * experts; ++i) {
    CHECK(std::fabs(a.noisy_logits[i] - (clean[i] + a.noise[i] * sigma)) <= 1e-6f);
  }
  CHECK(noisy_topk(clean, {}, tokens, experts, k, true, 7).error ==
        "noise_logits: must hold tokens·experts = 30 values, got 0");
}

TEST_CASE("routing/noisy-topk: smooth load follows the paper's normal-CDF estimator") {
  // One token, E = 3, k = 1, noise stddev softplus(0) = ln 2.
  const std::vector<float> clean = {1.0f, 0.0f, -0.5f};  // [1, 3]
  const std::vector<float> noise_logits(3, 0.0f);        // [1, 3]
  const NoisyTopk r = noisy_topk(clean, noise_logits, 1, 3, 1, true, 5);
  REQUIRE(r.ok());
  const double sigma = std::log(2.0);
  const float* h = r.noisy_logits.data();
  const int top = r.topk_ids[0];
  for (int e = 0; e < 3; ++e) {
    // k-th largest of H without e: for the winner the runner-up, for the others the winner.
    double threshold = h[top];
    if (e == top) {
      threshold = -1e30;
      for (int j = 0; j < 3; ++j)
        if (j != e) threshold = std::max<double>(threshold, h[j]);
    }
    const double want = normal_cdf((clean[e] - threshold) / sigma);
    CHECK(std::fabs(r.load[e] - want) <= 1e-6);
  }
  CHECK(r.gates[top] == 1.0f);
  CHECK(r.importance[top] == 1.0f);
  // Importance (1, 0, 0) in some order: CV² = Var/mean² = (2/9)/(1/9) = 2.
  CHECK(std::fabs(r.importance_loss - 2.0f) <= 1e-5f);
}

TEST_CASE("routing/math: cv_squared uses the population variance") {
  CHECK(std::fabs(cv_squared(std::vector<float>{1.0f, 3.0f}) - 0.25) <= 1e-9);
  CHECK(cv_squared(std::vector<float>{2.0f, 2.0f, 2.0f}) == 0.0);
  CHECK(std::fabs(coefficient_of_variation(std::vector<float>{1.0f, 3.0f}) - 0.5) <= 1e-9);
  CHECK(std::fabs(normal_cdf(0.0) - 0.5) <= 1e-12);
  CHECK(std::fabs(normal_cdf(1.0) - 0.8413447460685429) <= 1e-9);
}
