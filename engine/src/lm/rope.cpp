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

namespace {

// One row's heads at one position: x [heads, hd], c and s [hd/2] that position's cos and sin.
void rotate_heads(float* x, int heads, int hd, const float* c, const float* s) {
  const int half = hd / 2;
  for (int h = 0; h < heads; ++h) {
    float* r1 = x + static_cast<long>(h) * hd;  // [hd/2] first half
    float* r2 = r1 + half;                      // [hd/2] second half
    int i = 0;
#if !MOE_SCALAR
    using B = xsimd::batch<float, xsimd::default_arch>;
    constexpr int W = static_cast<int>(B::size);
    for (; i + W <= half; i += W) {
      const B x1 = B::load_unaligned(r1 + i), x2 = B::load_unaligned(r2 + i);
      const B cv = B::load_unaligned(c + i), sv = B::load_unaligned(s + i);
      (x1 * cv - x2 * sv).store_unaligned(r1 + i);
      (x2 * cv + x1 * sv).store_unaligned(r2 + i);
    }
#endif
    for (; i < half; ++i) {  // scalar tail
      const float x1 = r1[i], x2 = r2[i];
      r1[i] = x1 * c[i] - x2 * s[i];
      r2[i] = x2 * c[i] + x1 * s[i];
    }
  }
}

// cos and sin of position pos's angles into c, s [hd/2], from inv [hd/2].
void angles_at(int pos, const std::vector<float>& inv, float* c, float* s) {
  for (size_t i = 0; i < inv.size(); ++i) {
    const double a = static_cast<float>(pos) * inv[i];
    c[i] = static_cast<float>(std::cos(a));
    s[i] = static_cast<float>(std::sin(a));
  }
}

std::vector<float> inv_freqs(int hd, double theta) {
  std::vector<float> inv(static_cast<size_t>(hd / 2));  // [hd/2]
  for (int i = 0; i < hd / 2; ++i) inv[static_cast<size_t>(i)] = inv_freq(i, hd, theta);
  return inv;
}

}  // namespace

void rope_apply(float* x, int T, int heads, int hd, int pos0, double theta) {
  const std::vector<float> inv = inv_freqs(hd, theta);
  std::vector<float> cos_t(inv.size()), sin_t(inv.size());  // [hd/2] one position's table
  for (int t = 0; t < T; ++t) {
    angles_at(pos0 + t, inv, cos_t.data(), sin_t.data());  // shared by every head
    rotate_heads(x + static_cast<long>(t) * heads * hd, heads, hd, cos_t.data(), sin_t.data());
  }
}

RopeTable rope_table(int positions, int hd, double theta) {
  RopeTable tab;
  tab.positions = positions;
  tab.hd = hd;
  const std::vector<float> inv = inv_freqs(hd, theta);
  tab.cos.resize(static_cast<size_t>(positions) * inv.size());
  tab.sin.resize(tab.cos.size());
  for (int p = 0; p < positions; ++p) {
    const size_t at = static_cast<size_t>(p) * inv.size();
    angles_at(p, inv, tab.cos.data() + at, tab.sin.data() + at);
  }
  return tab;
}

void rope_apply(float* x, int T, int heads, int pos0, const RopeTable& table) {
  const int hd = table.hd, half = hd / 2;
  for (int t = 0; t < T; ++t) {
    const size_t at = static_cast<size_t>(pos0 + t) * static_cast<size_t>(half);
    rotate_heads(x + static_cast<long>(t) * heads * hd, heads, hd, table.cos.data() + at,
                 table.sin.data() + at);
  }
}

}  // namespace moe::lm
