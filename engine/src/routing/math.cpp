// Scalar reference implementations of the routing row primitives (see moe/routing/math.hpp).
#include "moe/routing/math.hpp"

#include <algorithm>
#include <cmath>

namespace moe::routing {

void softmax_row(const float* x, int n, float* y) {
  float max_x = x[0];
  for (int i = 1; i < n; ++i) max_x = std::max(max_x, x[i]);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max_x);
    sum += y[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int i = 0; i < n; ++i) y[i] *= inv;
}

float logsumexp_row(const float* x, int n) {
  float max_x = x[0];
  for (int i = 1; i < n; ++i) max_x = std::max(max_x, x[i]);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - max_x);
  return static_cast<float>(max_x + std::log(sum));
}

void topk_row(const float* x, int n, int k, int32_t* ids) {
  // Insertion into a sorted list of the best k seen so far: O(n·k), no allocation. A later index
  // moves ahead only on a strictly larger value, so exact ties keep the lower index first.
  int filled = 0;
  for (int i = 0; i < n; ++i) {
    int pos;
    if (filled < k) {
      pos = filled++;
    } else if (x[i] > x[ids[k - 1]]) {
      pos = k - 1;
    } else {
      continue;
    }
    while (pos > 0 && x[i] > x[ids[pos - 1]]) {
      ids[pos] = ids[pos - 1];
      --pos;
    }
    ids[pos] = i;
  }
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
