#include "moe/lm/rope.hpp"

#include <cmath>
#include <vector>

#if !MOE_SCALAR
#include <xsimd/xsimd.hpp>
#endif

namespace moe::lm {
namespace {

// inv_freq and the angle in float32, as transformers computes them (MixtralRotaryEmbedding); the
// cosine of that float angle is then rounded to float.
float inv_freq(int i, int hd, double theta) {
  return static_cast<float>(1.0 / std::pow(theta, static_cast<double>(2 * i) / hd));
}
float angle(int pos, int i, int hd, double theta) {
  return static_cast<float>(pos) * inv_freq(i, hd, theta);
}

}  // namespace

void rope_apply__scalar(float* x, int T, int heads, int hd, int pos0, double theta) {
  const int half = hd / 2;
  for (int t = 0; t < T; ++t) {
    for (int h = 0; h < heads; ++h) {
      float* r = x + (static_cast<long>(t) * heads + h) * hd;  // [hd]
      for (int i = 0; i < half; ++i) {
        const double a = angle(pos0 + t, i, hd, theta);
        const float c = static_cast<float>(std::cos(a)), s = static_cast<float>(std::sin(a));
        const float x1 = r[i], x2 = r[i + half];
        r[i] = x1 * c - x2 * s;
        r[i + half] = x2 * c + x1 * s;
      }
    }
  }
}

void rope_apply(float* x, int T, int heads, int hd, int pos0, double theta) {
  const int half = hd / 2;
  std::vector<float> inv(static_cast<size_t>(half));  // [hd/2]
  for (int i = 0; i < half; ++i) inv[static_cast<size_t>(i)] = inv_freq(i, hd, theta);
  std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));
  for (int t = 0; t < T; ++t) {
    // One cos/sin table per position, shared by every head.
    for (int i = 0; i < half; ++i) {
      const double a = static_cast<float>(pos0 + t) * inv[static_cast<size_t>(i)];
      cos_t[static_cast<size_t>(i)] = static_cast<float>(std::cos(a));
      sin_t[static_cast<size_t>(i)] = static_cast<float>(std::sin(a));
    }
    for (int h = 0; h < heads; ++h) {
      float* r1 = x + (static_cast<long>(t) * heads + h) * hd;  // [hd/2] first half
      float* r2 = r1 + half;                                    // [hd/2] second half
      int i = 0;
#if !MOE_SCALAR
      using B = xsimd::batch<float, xsimd::default_arch>;
      constexpr int W = static_cast<int>(B::size);
      for (; i + W <= half; i += W) {
        const B x1 = B::load_unaligned(r1 + i), x2 = B::load_unaligned(r2 + i);
        const B c = B::load_unaligned(cos_t.data() + i), s = B::load_unaligned(sin_t.data() + i);
        (x1 * c - x2 * s).store_unaligned(r1 + i);
        (x2 * c + x1 * s).store_unaligned(r2 + i);
      }
#endif
      for (; i < half; ++i) {  // scalar tail
        const float x1 = r1[i], x2 = r2[i];
        r1[i] = x1 * cos_t[static_cast<size_t>(i)] - x2 * sin_t[static_cast<size_t>(i)];
        r2[i] = x2 * cos_t[static_cast<size_t>(i)] + x1 * sin_t[static_cast<size_t>(i)];
      }
    }
  }
}

}  // namespace moe::lm
