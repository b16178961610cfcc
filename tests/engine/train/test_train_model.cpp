// Finite-difference gradient checks of the trainable MoE layer, in double precision: every
// parameter kind (router, w1, w3, w2) under every loss term, for the softmax and sigmoid top-k
// routers and each expert kind; and the float (SIMD) pass against the double one. The other
// router kinds: test_train_routers_grad.cpp.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "model_grad_support.hpp"
#include "moe/train/model.hpp"

namespace {

using moe::train::LossCoefs;
using moe::train::ModelShape;
using moe::train::RouterKind;

using Problem = moe_test::GradProblem;
using moe_test::grad_problem_loss;

// The top-k routers' problem: a zero selection bias, random for the one router that uses it.
Problem make_model_problem(RouterKind router, moe::ExpertKind kind, uint64_t seed) {
  const ModelShape shape{5, 6, 4, 2, router, kind, moe::Activation::gelu};
  return moe_test::make_grad_problem(shape, seed,
                                     router == RouterKind::sigmoid_grouped_topk_bias
                                         ? moe_test::GradBias::random
                                         : moe_test::GradBias::zero);
}

// The smallest gap, over tokens, between a chosen and an unchosen selection score: how far the
// routing is from a tie.
double selection_margin(const Problem& p, const moe::train::Workspace<double>& ws) {
  const int E = p.shape.num_experts, k = p.shape.top_k;
  double margin = 1e9;
  for (int t = 0; t < p.T; ++t) {
    double lo_chosen = 1e9, hi_other = -1e9;
    for (int e = 0; e < E; ++e) {
      const double v = ws.scores[t * E + e] + p.bias[e];
      bool chosen = false;
      for (int j = 0; j < k; ++j) chosen |= ws.topk_ids[t * k + j] == e;
      if (chosen)
        lo_chosen = std::min(lo_chosen, v);
      else
        hi_other = std::max(hi_other, v);
    }
    margin = std::min(margin, lo_chosen - hi_other);
  }
  return margin;
}

// Central differences on every parameter; returns the number of coordinates compared.
void check_model_gradient(RouterKind router, moe::ExpertKind kind, const LossCoefs& coefs,
                          const char* what) {
  // Pick a seed whose routing is well away from ties, so a perturbation cannot flip it.
  Problem p;
  moe::train::Workspace<double> ws;
  for (uint64_t seed = 1;; ++seed) {
    p = make_model_problem(router, kind, seed);
    grad_problem_loss(p, coefs, ws);
    if (selection_margin(p, ws) > 1e-3) break;
    REQUIRE(seed < 50);
  }
  std::vector<double> grad(p.shape.num_params());
  grad_problem_loss(p, coefs, ws, grad.data());
  const std::vector<int32_t> ids = ws.topk_ids;
  const double h = 1e-6;
  int worst = -1;
  double worst_err = 0, worst_fd = 0;
  for (size_t i = 0; i < grad.size(); ++i) {
    const double keep = p.params[i];
    p.params[i] = keep + h;
    const double up = grad_problem_loss(p, coefs, ws);
    REQUIRE(ws.topk_ids == ids);
    p.params[i] = keep - h;
    const double down = grad_problem_loss(p, coefs, ws);
    REQUIRE(ws.topk_ids == ids);
    p.params[i] = keep;
    const double fd = (up - down) / (2 * h);
    // Central differences carry ~1e-9 of rounding noise (loss up to ~10, h = 1e-6): allow that much
    // absolute error on top of a 1e-6 relative tolerance.
    const double err =
        std::fabs(fd - grad[i]) / (1e-8 + 1e-6 * std::max(std::fabs(fd), std::fabs(grad[i])));
    if (err > worst_err) worst_err = err, worst = static_cast<int>(i), worst_fd = fd;
  }
  const std::string message =
      std::string(what) + ", router " + std::string(moe::to_string(router)) + ", expert " +
      std::string(moe::to_string(kind)) + ": parameter " + std::to_string(worst) + " fd " +
      std::to_string(worst_fd) + " analytic " + std::to_string(grad[worst]);
  INFO(message);
  CHECK(worst_err < 1.0);  // |fd - analytic| <= 1e-8 + 1e-6 · max(|fd|, |analytic|)
}

}  // namespace

TEST_CASE("train model: analytic gradients match central differences for every loss term") {
  const struct {
    const char* name;
    LossCoefs coefs;
  } terms[] = {
      {"task MSE", {}},
      {"task + switch aux", {1.0, 0, 0, 0}},
      {"task + z-loss", {0, 0.5, 0, 0}},
      {"task + importance CV²", {0, 0, 1.0, 0}},
      {"task + sequence-wise", {0, 0, 0, 1.0}},
      {"all terms", {0.3, 0.2, 0.4, 0.5}},
  };
  for (RouterKind router : {RouterKind::softmax_topk, RouterKind::softmax_topk_renorm,
                            RouterKind::sigmoid_grouped_topk_bias}) {
    for (moe::ExpertKind kind : {moe::ExpertKind::swiglu, moe::ExpertKind::mlp}) {
      for (const auto& term : terms) check_model_gradient(router, kind, term.coefs, term.name);
    }
  }
}

TEST_CASE("train model: the float (SIMD) pass agrees with the double pass") {
  for (RouterKind router :
       {RouterKind::softmax_topk_renorm, RouterKind::sigmoid_grouped_topk_bias}) {
    INFO("router " << moe::to_string(router));
    moe_test::check_float_matches_double(make_model_problem(router, moe::ExpertKind::swiglu, 3),
                                         {0.1, 0.01, 0.1, 0.1});
  }
}
