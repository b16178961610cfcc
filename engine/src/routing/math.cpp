// Scalar helpers of the routing schemes (see moe/routing/math.hpp).
#include "moe/routing/math.hpp"

#include <algorithm>
#include <cmath>

namespace moe::routing {

float logsumexp_row(const float* x, int n) {
  float max_x = x[0];
  for (int i = 1; i < n; ++i) max_x = std::max(max_x, x[i]);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - max_x);
  return static_cast<float>(max_x + std::log(sum));
}

float sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

float softplus(float x) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
  return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
}

double normal_cdf(double x) {
  return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0)));
}

namespace {
void mean_and_variance(std::span<const float> x, double& mean, double& var) {
  mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  var = 0.0;
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
}
}  // namespace

double cv_squared(std::span<const float> x) {
  if (x.size() < 2) return 0.0;
  double mean = 0.0, var = 0.0;
  mean_and_variance(x, mean, var);
  return var / (mean * mean + 1e-10);
}

double coefficient_of_variation(std::span<const float> x) {
  if (x.size() < 2) return 0.0;
  double mean = 0.0, var = 0.0;
  mean_and_variance(x, mean, var);
  if (mean == 0.0) return 0.0;
  return std::sqrt(var) / mean;
}

}  // namespace moe::routing
