// The problem the trainable layer's gradient tests run on (test_train_model.cpp,
// test_train_routers_grad.cpp): random parameters, inputs and targets for a router and expert kind,
// the double-precision loss on it, and the check that the float (SIMD) pass agrees with the double
// one.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "moe/rng.hpp"
#include "moe/train/model.hpp"

namespace moe_test {

struct GradProblem {
  moe::train::ModelShape shape;
  int T = 12, seq_len = 4;     // 3 sequences (capacity groups, soft-MoE token sets)
  std::vector<double> params;  // [num_params]
  std::vector<double> bias;    // [experts], or empty: no selection bias (passed as nullptr)
  std::vector<double> x, y;    // [T, d_model]
  std::optional<uint64_t> noise;

  const double* bias_data() const { return bias.empty() ? nullptr : bias.data(); }
};

// How a problem's selection bias is drawn.
enum class GradBias { none, zero, random };

// From one SplitMix64(seed) stream, in this order: params ~ 0.7·N(0, 1), the bias (random:
// 0.3·N(0, 1); zero: all 0, drawing nothing), then x and y ~ N(0, 1).
inline GradProblem make_grad_problem(const moe::train::ModelShape& shape, uint64_t seed,
                                     GradBias bias) {
  GradProblem p;
  p.shape = shape;
  moe::SplitMix64 rng(seed);
  p.params.resize(p.shape.num_params());
  for (double& v : p.params) v = 0.7 * rng.next_normal();
  if (bias != GradBias::none) p.bias.resize(p.shape.num_experts);
  for (double& v : p.bias) v = bias == GradBias::random ? 0.3 * rng.next_normal() : 0.0;
  p.x.resize(static_cast<size_t>(p.T) * p.shape.d_model);
  p.y.resize(p.x.size());
  for (double& v : p.x) v = rng.next_normal();
  for (double& v : p.y) v = rng.next_normal();
  return p;
}

// The total loss in double precision; fills `grad` too unless it is null.
inline double grad_problem_loss(const GradProblem& p, const moe::train::LossCoefs& c,
                                moe::train::Workspace<double>& ws, double* grad = nullptr) {
  return moe::train::model_forward_backward<double>(p.shape, c, p.params.data(), p.bias_data(),
                                                    p.x.data(), p.y.data(), p.T, p.seq_len, grad,
                                                    ws, p.noise)
      .total(c);
}

// The float (SIMD) pass routes as the double pass does, and its loss and gradient agree to 1e-5
// (the gradient as a relative RMS).
inline void check_float_matches_double(const GradProblem& p, const moe::train::LossCoefs& coefs) {
  moe::train::Workspace<double> wd;
  std::vector<double> gd(p.shape.num_params());
  const double ld = grad_problem_loss(p, coefs, wd, gd.data());
  std::vector<float> pf(p.params.begin(), p.params.end()), bf(p.bias.begin(), p.bias.end()),
      xf(p.x.begin(), p.x.end()), yf(p.y.begin(), p.y.end()), gf(gd.size());
  moe::train::Workspace<float> wf;
  const double lf = moe::train::model_forward_backward<float>(
                        p.shape, coefs, pf.data(), bf.empty() ? nullptr : bf.data(), xf.data(),
                        yf.data(), p.T, p.seq_len, gf.data(), wf, p.noise)
                        .total(coefs);
  CHECK(wf.topk_ids == wd.topk_ids);
  CHECK(wf.kept == wd.kept);
  CHECK(lf == doctest::Approx(ld).epsilon(1e-5));
  double diff = 0, norm = 0;
  for (size_t i = 0; i < gd.size(); ++i) {
    diff += (gf[i] - gd[i]) * (gf[i] - gd[i]);
    norm += gd[i] * gd[i];
  }
  CHECK(std::sqrt(diff / norm) < 1e-5);
}

}  // namespace moe_test
