// Next-token cross-entropy: values worked by hand, ignored rows, and the gradient against central
// differences in double.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "moe/lm/lm_loss.hpp"

using moe::lm::kIgnoreTarget;
using moe::lm::next_token_loss;
using moe::lm::token_nll;

TEST_CASE("lm loss: uniform logits cost log V; a confident right answer costs almost nothing") {
  const std::vector<float> flat(5, 0.3f);
  CHECK(token_nll(flat.data(), 5, 2) == doctest::Approx(std::log(5.0)));
  const std::vector<float> sure = {0.0f, 30.0f, 0.0f};
  CHECK(token_nll(sure.data(), 3, 1) < 1e-12 + 2 * std::exp(-30.0));
  CHECK(token_nll(sure.data(), 3, 0) == doctest::Approx(30.0).epsilon(1e-9));
  // Large logits do not overflow: the row maximum is taken out first.
  const std::vector<float> big = {1000.0f, 1000.0f};
  CHECK(token_nll(big.data(), 2, 0) == doctest::Approx(std::log(2.0)));
}

TEST_CASE("lm loss: ignored rows neither count nor get a gradient") {
  // [3, 2]: rows 0 and 2 count, row 1 is ignored.
  const std::vector<double> logits = {0.0, 1.0, 5.0, -5.0, 2.0, 0.0};
  const std::vector<int32_t> targets = {1, kIgnoreTarget, 0};
  std::vector<double> grad(6, 99.0);
  const double loss = next_token_loss(logits.data(), 3, 2, targets.data(), grad.data());
  const double expected = (token_nll(logits.data(), 2, 1) + token_nll(logits.data() + 4, 2, 0)) / 2;
  CHECK(loss == doctest::Approx(expected));
  CHECK(grad[2] == 0.0);
  CHECK(grad[3] == 0.0);
  // Each counted row's gradient sums to zero (softmax minus a one-hot), scaled by 1/2.
  CHECK(grad[0] + grad[1] == doctest::Approx(0.0));
  CHECK(grad[0] == doctest::Approx(0.5 / (1 + std::exp(1.0))));
  const std::vector<int32_t> none = {kIgnoreTarget, kIgnoreTarget, kIgnoreTarget};
  CHECK(next_token_loss(logits.data(), 3, 2, none.data(), grad.data()) == 0.0);
}

TEST_CASE("lm loss: the gradient matches central differences in double") {
  const int N = 4, V = 6;
  std::vector<double> logits(N * V);
  for (int i = 0; i < N * V; ++i) logits[i] = std::sin(1.7 * i) * 3.0;
  const std::vector<int32_t> targets = {5, 0, kIgnoreTarget, 3};
  std::vector<double> grad(N * V);
  next_token_loss(logits.data(), N, V, targets.data(), grad.data());
  const double h = 1e-6;
  for (int i = 0; i < N * V; ++i) {
    CAPTURE(i);
    std::vector<double> plus = logits, minus = logits;
    plus[i] += h;
    minus[i] -= h;
    const double fd = (next_token_loss(plus.data(), N, V, targets.data(), (double*)nullptr) -
                       next_token_loss(minus.data(), N, V, targets.data(), (double*)nullptr)) /
                      (2 * h);
    CHECK(std::abs(grad[i] - fd) < 1e-8);
  }
}
