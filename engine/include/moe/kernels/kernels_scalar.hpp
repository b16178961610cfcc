// Scalar element functions: the definitions the f32_* kernels implement, used by the __scalar
// variants and by the scalar tails of the SIMD variants.
#pragma once

#include <algorithm>
#include <cmath>

namespace moe::scalar {

inline float relu(float x) {
  return std::max(x, 0.0f);
}
// Exact GELU: x · Φ(x) = x/2 · (1 + erf(x / √2)).
inline float gelu(float x) {
  return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
}
// SiLU (swish): x · σ(x) = x / (1 + e^-x).
inline float silu(float x) {
  return x / (1.0f + std::exp(-x));
}

}  // namespace moe::scalar
