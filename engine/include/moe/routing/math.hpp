// Row-level primitives shared by every routing scheme in moe::routing: a numerically safe
// softmax, logsumexp, a deterministic top-k, the logistic sigmoid, softplus, the standard normal
// CDF and the squared coefficient of variation. Scalar on purpose: routing touches [T, E] floats,
// a rounding error next to the expert matmuls, and a plain loop is its own specification.
//
// Determinism: top-k orders by value descending and breaks exact ties by the lower index, so a
// learner's prediction is checkable and native and wasm builds agree.
#pragma once

#include <cstdint>
#include <span>

namespace moe::routing {

// y[i] = exp(x[i] - max_j x[j]) / Σ_j exp(x[j] - max_j x[j])     x, y: [n], n >= 1; y may alias x.
void softmax_row(const float* x, int n, float* y);

// logsumexp(x) = max_j x[j] + log Σ_j exp(x[j] - max_j x[j])     x: [n], n >= 1
float logsumexp_row(const float* x, int n);

// ids[0..k) = indices of the k largest x, by value descending, exact ties to the lower index.
// x: [n], ids: [k], 1 <= k <= n. Values must not be NaN (callers validate).
void topk_row(const float* x, int n, int k, int32_t* ids);

// sigmoid(x) = 1 / (1 + exp(-x)), evaluated without overflow for large |x|.
float sigmoid(float x);

// softplus(x) = log(1 + exp(x)), evaluated without overflow for large x.
float softplus(float x);

// Φ(x) = ½ · (1 + erf(x / √2)), the standard normal cumulative distribution function.
double normal_cdf(double x);

// CV²(x) = Var(x) / (mean(x)² + 1e-10), with the population variance Var = (1/n) Σ_i (x_i - x̄)².
// This is the cv_squared of Shazeer et al.'s tensor2tensor code. x: [n]; 0 when n < 2.
double cv_squared(std::span<const float> x);

// CV(x) = sqrt(Var(x)) / mean(x) with the population variance; 0 when mean(x) == 0 or n < 2.
double coefficient_of_variation(std::span<const float> x);

}  // namespace moe::routing
