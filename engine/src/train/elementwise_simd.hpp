// The training step's element-wise kernels (SwiGLU's gate forward and backward, the AdamW update),
// templated on the xsimd architecture so that the baseline (linalg_kernels.cpp) and the AVX2 and
// AVX-512 copies (linalg_kernels_{avx2,avx512}.cpp, through wide_kernels.inc) are one code. Each
// lane computes its element with the same sequence of IEEE operations whatever the width (no FMA:
// the wide files are compiled with -ffp-contract=off), so the backward and the update give the
// same bits at every width. The forward's exp is the exception: xsimd's exp fuses on FMA
// architectures, so the dispatcher runs it wide only when the products are fused too.
// The backward's and the update's tails (n not a multiple of the width) go to the scalar
// references in linalg_kernels.cpp, which compute the same sequence.
#pragma once

#include <algorithm>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "moe/kernels/kernels_simd.hpp"
#include "moe/train/linalg_kernels.hpp"

namespace moe::train {
namespace {

// y = e^x.   x, y [n]; the tail on a zero-padded copy, so every element takes the SIMD exp.
template <class Arch>
void exp_simd(const float* x, float* y, size_t n) {
  using B = xsimd::batch<float, Arch>;
  size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    simd::exp<Arch>(B::load_unaligned(x + i)).store_unaligned(y + i);
  }
  if (i == n) return;
  float t[B::size] = {};
  std::copy(x + i, x + n, t);
  simd::exp<Arch>(B::load_unaligned(t)).store_unaligned(t);
  std::copy(t, t + (n - i), y + i);
}

// sig = σ(a), hid = a · sig (· u for SwiGLU).   a, u, sig, hid [n]
// The tail goes through the same vector code on a zero-padded copy, so every element takes the
// SIMD exp whatever the width (the scalar reference takes libm's).
template <class Arch>
void silu_gate_forward_simd(const float* a, const float* u, float* sig, float* hid, size_t n) {
  using B = xsimd::batch<float, Arch>;
  const auto batch = [](const float* ap, const float* up, float* sp, float* hp) {
    const B av = B::load_unaligned(ap);
    const B s = B(1.0f) / (B(1.0f) + simd::exp<Arch>(-av));
    s.store_unaligned(sp);
    const B h = av * s;
    (up ? h * B::load_unaligned(up) : h).store_unaligned(hp);
  };
  size_t i = 0;
  for (; i + B::size <= n; i += B::size) batch(a + i, u ? u + i : nullptr, sig + i, hid + i);
  if (i == n) return;
  float ta[B::size] = {}, tu[B::size] = {}, ts[B::size], th[B::size];
  std::copy(a + i, a + n, ta);
  if (u) std::copy(u + i, u + n, tu);
  batch(ta, u ? tu : nullptr, ts, th);
  std::copy(ts, ts + (n - i), sig + i);
  std::copy(th, th + (n - i), hid + i);
}

// da (and du for SwiGLU) from dhid, with silu'(a) = σ · (1 + a · (1 − σ)).   all [n]
template <class Arch>
void silu_gate_backward_simd(const float* a, const float* u, const float* sig, const float* dhid,
                             float* da, float* du, size_t n) {
  using B = xsimd::batch<float, Arch>;
  const B one(1.0f);
  size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    const B av = B::load_unaligned(a + i), s = B::load_unaligned(sig + i);
    const B dh = B::load_unaligned(dhid + i);
    const B deriv = s * (one + av * (one - s));
    if (u) {
      (dh * (av * s)).store_unaligned(du + i);
      (dh * B::load_unaligned(u + i) * deriv).store_unaligned(da + i);
    } else {
      (dh * deriv).store_unaligned(da + i);
    }
  }
  if (i < n) {
    f32_silu_gate_backward__scalar(a + i, u ? u + i : nullptr, sig + i, dhid + i, da + i,
                                   u ? du + i : nullptr, n - i);
  }
}

// AdamW's moments and weight update, with the clipping factor and the decay (linalg_kernels.hpp).
// all [n]
template <class Arch>
void adam_update_simd(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n) {
  using B = xsimd::batch<float, Arch>;
  const B b1(s.beta1), b2(s.beta2), rest1(1.0f - s.beta1), rest2(1.0f - s.beta2);
  const B inv_c1(1.0f / s.c1), inv_c2(1.0f / s.c2), eps(s.eps), lr(s.lr);
  const B grad_scale(s.grad_scale), decay(s.decay);
  size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    const B gv = B::load_unaligned(g + i) * grad_scale;
    const B mv = b1 * B::load_unaligned(m + i) + rest1 * gv;
    const B vv = b2 * B::load_unaligned(v + i) + rest2 * gv * gv;
    mv.store_unaligned(m + i);
    vv.store_unaligned(v + i);
    const B step = (mv * inv_c1) / (xsimd::sqrt(vv * inv_c2) + eps);
    (B::load_unaligned(w + i) * decay - lr * step).store_unaligned(w + i);
  }
  if (i < n) f32_adam_update__scalar(s, g + i, m + i, v + i, w + i, n - i);
}

}  // namespace
}  // namespace moe::train
