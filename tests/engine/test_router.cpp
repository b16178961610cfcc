// Routing invariants: probabilities, top-k order and tie-break, renormalisation, load counts and
// the load-balancing loss.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "moe/layer/aux_loss.hpp"
#include "moe/routing/router.hpp"
#include "test_support.hpp"

TEST_CASE("router probabilities are a softmax over all experts and sum to 1") {
  const int T = 5, E = 7;
  const std::vector<float> logits = moe_test::random_floats(T * E, 11, -5.0f, 5.0f);
  std::vector<float> probs(T * E);
  moe::router_compute_probs(logits.data(), T, E, probs.data());
  for (int t = 0; t < T; ++t) {
    double sum = 0.0, z = 0.0;
    for (int e = 0; e < E; ++e) z += std::exp(static_cast<double>(logits[t * E + e]));
    for (int e = 0; e < E; ++e) {
      sum += probs[t * E + e];
      CHECK(probs[t * E + e] == doctest::Approx(std::exp(logits[t * E + e]) / z).epsilon(1e-5));
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("top-k is descending by probability") {
  const int T = 4, E = 6, k = 3;
  const std::vector<float> probs = moe_test::random_floats(T * E, 12, 0.0f, 1.0f);
  std::vector<int32_t> ids(T * k);
  moe::router_select_topk(probs.data(), T, E, k, ids.data());
  for (int t = 0; t < T; ++t) {
    for (int j = 0; j + 1 < k; ++j)
      CHECK(probs[t * E + ids[t * k + j]] >= probs[t * E + ids[t * k + j + 1]]);
    // no unselected expert beats the last selected one
    for (int e = 0; e < E; ++e) {
      bool chosen = false;
      for (int j = 0; j < k; ++j) chosen = chosen || ids[t * k + j] == e;
      if (!chosen) CHECK(probs[t * E + e] <= probs[t * E + ids[t * k + k - 1]]);
    }
  }
}

TEST_CASE("top-k breaks an exact tie toward the lower expert index") {
  const float probs[] = {0.1f,  0.3f,  0.3f,  0.3f,  // three-way tie for first
                         0.25f, 0.25f, 0.25f, 0.25f};
  std::vector<int32_t> ids(4);  // [T, k]
  moe::router_select_topk(probs, 2, 4, 2, ids.data());
  moe_test::check_close(ids, std::vector<int32_t>{1, 2, 0, 1}, 0, 0, "top-k ids");  // exact
}

TEST_CASE("renormalised top-k weights sum to 1 and equal the softmax of the selected logits") {
  const int T = 6, E = 8, k = 3;
  const std::vector<float> logits = moe_test::random_floats(T * E, 13, -3.0f, 3.0f);
  std::vector<float> probs(T * E), w(T * k);
  std::vector<int32_t> ids(T * k);
  moe::router_compute_probs(logits.data(), T, E, probs.data());
  moe::router_select_topk(probs.data(), T, E, k, ids.data());
  moe::router_gather_weights(probs.data(), ids.data(), T, E, k, w.data());
  CHECK(w[0] == probs[ids[0]]);  // gather is a plain lookup
  moe::router_renormalise(w.data(), T, k);
  for (int t = 0; t < T; ++t) {
    double sum = 0.0, z = 0.0;
    for (int j = 0; j < k; ++j) z += std::exp(static_cast<double>(logits[t * E + ids[t * k + j]]));
    for (int j = 0; j < k; ++j) {
      sum += w[t * k + j];
      const double expected = std::exp(static_cast<double>(logits[t * E + ids[t * k + j]])) / z;
      CHECK(w[t * k + j] == doctest::Approx(expected).epsilon(1e-5));
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("expert load counts every (token, slot) pick") {
  const int32_t ids[] = {0, 2, 2, 1, 0, 2};  // T = 3, k = 2
  std::vector<int32_t> load(4);              // [E]
  moe::router_count_load(ids, 3, 2, 4, load.data());
  moe_test::check_close(load, std::vector<int32_t>{2, 1, 3, 0}, 0, 0, "expert load");  // exact
}

TEST_CASE("load-balancing loss: a uniform, balanced router gives k (M1)") {
  const int N = 4, E = 4, k = 2;
  const std::vector<float> probs(N * E, 0.25f);
  const int32_t ids[] = {0, 1, 1, 2, 2, 3, 3, 0};  // each slot picks each expert once
  CHECK(moe::load_balancing_loss(probs.data(), ids, N, E, k, nullptr) ==
        doctest::Approx(2.0).epsilon(1e-6));
  // Collapse: every token to expert 0 in slot 0 and expert 1 in slot 1, with matching probs.
  std::vector<float> skew(N * E, 0.0f);
  for (int t = 0; t < N; ++t) skew[t * E + 0] = 0.6f, skew[t * E + 1] = 0.4f;
  const int32_t collapsed[] = {0, 1, 0, 1, 0, 1, 0, 1};
  // E · (1·0.6 + 1·0.4) = 4
  CHECK(moe::load_balancing_loss(skew.data(), collapsed, N, E, k, nullptr) ==
        doctest::Approx(4.0).epsilon(1e-6));
}

TEST_CASE("load-balancing loss with a mask leaves masked tokens out (M2)") {
  const int N = 5, E = 3, k = 1;
  std::vector<float> probs = moe_test::random_floats(N * E, 14, 0.0f, 1.0f);
  const int32_t ids[] = {0, 1, 2, 1, 0};
  const uint8_t all[] = {1, 1, 1, 1, 1};
  const float unmasked = moe::load_balancing_loss(probs.data(), ids, N, E, k, nullptr);
  CHECK(moe::load_balancing_loss(probs.data(), ids, N, E, k, all) == unmasked);
  const uint8_t drop_last[] = {1, 1, 1, 1, 0};
  const float masked = moe::load_balancing_loss(probs.data(), ids, N, E, k, drop_last);
  CHECK(masked == doctest::Approx(moe::load_balancing_loss(probs.data(), ids, N - 1, E, k, nullptr))
                      .epsilon(1e-7));
  CHECK(masked != unmasked);
}
