#include "moe/lm/rmsnorm.hpp"

#include <cmath>

#if !MOE_SCALAR
#include <xsimd/xsimd.hpp>
#endif

namespace moe::lm {

void rmsnorm_forward__scalar(const float* x, const float* w, float* y, int rows, int d, float eps) {
  for (int t = 0; t < rows; ++t) {
    const float* xr = x + static_cast<long>(t) * d;
    float* yr = y + static_cast<long>(t) * d;
    float ss = 0.0f;
    for (int i = 0; i < d; ++i) ss += xr[i] * xr[i];
    const float scale = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    for (int i = 0; i < d; ++i) yr[i] = xr[i] * scale * w[i];
  }
}

void rmsnorm_forward(const float* x, const float* w, float* y, int rows, int d, float eps) {
#if MOE_SCALAR
  rmsnorm_forward__scalar(x, w, y, rows, d, eps);
#else
  using B = xsimd::batch<float, xsimd::default_arch>;
  constexpr int W = static_cast<int>(B::size);
  const int vec_end = d - d % W;
  for (int t = 0; t < rows; ++t) {
    const float* xr = x + static_cast<long>(t) * d;
    float* yr = y + static_cast<long>(t) * d;
    B acc(0.0f);
    for (int i = 0; i < vec_end; i += W) {
      const B v = B::load_unaligned(xr + i);
      acc += v * v;
    }
    float ss = xsimd::hadd(acc);
    for (int i = vec_end; i < d; ++i) ss += xr[i] * xr[i];  // scalar tail
    const float scale = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    const B s(scale);
    for (int i = 0; i < vec_end; i += W) {
      (B::load_unaligned(xr + i) * s * B::load_unaligned(w + i)).store_unaligned(yr + i);
    }
    for (int i = vec_end; i < d; ++i) yr[i] = xr[i] * scale * w[i];
  }
#endif
}

}  // namespace moe::lm
