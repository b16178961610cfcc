// Scalar helpers of the routing schemes in moe::routing: logsumexp, the logistic sigmoid of one
// value, softplus, the standard normal CDF and the (squared) coefficient of variation. Softmax,
// sigmoid scores and top-k over whole rows are stages of the routing pipeline (moe/router.hpp).
#pragma once

#include <span>

namespace moe::routing {

// logsumexp(x) = max_j x[j] + log Σ_j exp(x[j] - max_j x[j])     x: [n], n >= 1
float logsumexp_row(const float* x, int n);

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
