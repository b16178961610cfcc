// SIMD variants of the f32 kernels: templates over xsimd 8.1's `batch<float, Arch>`, each with an
// explicit scalar tail for the last n % width elements. Included only by kernels.cpp and the
// kernel tests; the rest of the engine calls the dispatchers in kernels.hpp.
//
// Why hand-written exp/erf: xsimd's exp/erf convert float->int with cvttps/cvtps, which
// Emscripten's SSE emulation turns into a scalar loop. The exp below rounds with the 1.5·2^23
// magic number and builds 2^n with an integer shift, which stays in wasm SIMD.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "moe/kernels_scalar.hpp"

namespace moe::simd {

template <class Arch>
using f32 = xsimd::batch<float, Arch>;
template <class Arch>
using i32 = xsimd::batch<int32_t, Arch>;

// e^x, relative error ~2e-7 on [-87.3, 88]; x > 88 gives e^88, x < -87.3 gives 0.
template <class Arch>
inline f32<Arch> exp(f32<Arch> x) {
  using B = f32<Arch>;
  using I = i32<Arch>;
  const B lo(-87.33f), hi(88.0f);
  const B magic(12582912.0f);  // 1.5 · 2^23: adding it rounds to an integer in the low bits
  const B xc = xsimd::min(xsimd::max(x, lo), hi);
  const B z = xc * B(1.44269504088896341f) + magic;  // n = round(x / ln 2), n + magic exactly
  const B n = z - magic;
  // r = x - n·ln2 in two steps (Cody-Waite): |r| <= ln2 / 2
  B r = xc - n * B(0.693359375f);
  r = r - n * B(-2.12194440e-4f);
  // e^r by its Taylor series to r^7 (truncation < 6e-9 on |r| <= 0.347), Horner form
  B p = B(1.0f / 5040.0f);
  p = p * r + B(1.0f / 720.0f);
  p = p * r + B(1.0f / 120.0f);
  p = p * r + B(1.0f / 24.0f);
  p = p * r + B(1.0f / 6.0f);
  p = p * r + B(0.5f);
  p = p * r + B(1.0f);
  p = p * r + B(1.0f);
  // 2^n: n sits in the low mantissa bits of z; move n + 127 into the exponent field
  const I ni = xsimd::bitwise_cast<I>(z) - xsimd::bitwise_cast<I>(magic);
  const B scale = xsimd::bitwise_cast<B>((ni + I(127)) << 23);
  return xsimd::select(x < lo, B(0.0f), p * scale);
}

// erf(x) by Abramowitz & Stegun 7.1.26: absolute error <= 1.5e-7.
template <class Arch>
inline f32<Arch> erf(f32<Arch> x) {
  using B = f32<Arch>;
  const B a = xsimd::abs(x);
  const B t = B(1.0f) / (B(1.0f) + B(0.3275911f) * a);
  B p = B(1.061405429f);
  p = p * t + B(-1.453152027f);
  p = p * t + B(1.421413741f);
  p = p * t + B(-0.284496736f);
  p = p * t + B(0.254829592f);
  p = p * t;
  const B y = B(1.0f) - p * exp<Arch>(B(0.0f) - a * a);
  return xsimd::select(x < B(0.0f), B(0.0f) - y, y);
}

template <class Arch>
inline f32<Arch> silu(f32<Arch> x) {
  using B = f32<Arch>;
  return x / (B(1.0f) + exp<Arch>(B(0.0f) - x));
}

template <class Arch>
inline f32<Arch> gelu(f32<Arch> x) {
  using B = f32<Arch>;
  return B(0.5f) * x * (B(1.0f) + erf<Arch>(x * B(0.70710678118654752f)));
}

// y[i] = vec_op(x[i]) in full batches, then scalar_op on the tail. In place is fine.
template <class Arch, class VecOp, class ScalarOp>
inline void map_unary(const float* x, float* y, size_t n, VecOp vec_op, ScalarOp scalar_op) {
  constexpr size_t W = f32<Arch>::size;
  const size_t n_vec = n - n % W;
  for (size_t i = 0; i < n_vec; i += W) {
    vec_op(f32<Arch>::load_unaligned(x + i)).store_unaligned(y + i);
  }
  for (size_t i = n_vec; i < n; ++i) y[i] = scalar_op(x[i]);
}

}  // namespace moe::simd

namespace moe {

template <class Arch>
void f32_exp__xsimd(const float* x, float* y, size_t n) {
  simd::map_unary<Arch>(
      x, y, n, [](simd::f32<Arch> v) { return simd::exp<Arch>(v); },
      [](float v) { return std::exp(v); });
}

template <class Arch>
void f32_relu__xsimd(const float* x, float* y, size_t n) {
  simd::map_unary<Arch>(
      x, y, n, [](simd::f32<Arch> v) { return xsimd::max(v, simd::f32<Arch>(0.0f)); },
      scalar::relu);
}

template <class Arch>
void f32_gelu__xsimd(const float* x, float* y, size_t n) {
  simd::map_unary<Arch>(
      x, y, n, [](simd::f32<Arch> v) { return simd::gelu<Arch>(v); }, scalar::gelu);
}

template <class Arch>
void f32_silu__xsimd(const float* x, float* y, size_t n) {
  simd::map_unary<Arch>(
      x, y, n, [](simd::f32<Arch> v) { return simd::silu<Arch>(v); }, scalar::silu);
}

template <class Arch>
void f32_swiglu__xsimd(const float* gate, const float* up, float* y, size_t n) {
  using B = simd::f32<Arch>;
  constexpr size_t W = B::size;
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const B g = B::load_unaligned(gate + i);
    (simd::silu<Arch>(g) * B::load_unaligned(up + i)).store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] = scalar::silu(gate[i]) * up[i];
}

template <class Arch>
void f32_axpy__xsimd(float a, const float* x, float* y, size_t n) {
  using B = simd::f32<Arch>;
  constexpr size_t W = B::size;
  const B av(a);
  size_t i = 0;
  for (; i + W <= n; i += W) {
    (B::load_unaligned(y + i) + av * B::load_unaligned(x + i)).store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

template <class Arch>
void f32_softmax_rows__xsimd(const float* x, float* y, size_t rows, size_t cols) {
  using B = simd::f32<Arch>;
  constexpr size_t W = B::size;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = xr[0];
    for (size_t c = 1; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
    const B mv(m);
    B acc(0.0f);
    size_t c = 0;
    for (; c + W <= cols; c += W) {
      const B e = simd::exp<Arch>(B::load_unaligned(xr + c) - mv);
      e.store_unaligned(yr + c);
      acc += e;
    }
    float sum = xsimd::hadd(acc);
    for (; c < cols; ++c) {
      yr[c] = std::exp(xr[c] - m);
      sum += yr[c];
    }
    const B inv(1.0f / sum);
    c = 0;
    for (; c + W <= cols; c += W) (B::load_unaligned(yr + c) * inv).store_unaligned(yr + c);
    for (; c < cols; ++c) yr[c] /= sum;
  }
}

// Four output rows per pass share each load of x; dot products run along `in` in batches, the
// last in % W products are added in scalar.
template <class Arch>
void f32_matmul__xsimd(const float* x, const float* w, float* y, size_t rows, size_t in,
                       size_t out) {
  using B = simd::f32<Arch>;
  constexpr size_t W = B::size;
  const size_t in_vec = in - in % W;
  for (size_t t = 0; t < rows; ++t) {
    const float* xr = x + t * in;
    float* yr = y + t * out;
    size_t o = 0;
    for (; o + 4 <= out; o += 4) {
      const float* w0 = w + (o + 0) * in;
      const float* w1 = w + (o + 1) * in;
      const float* w2 = w + (o + 2) * in;
      const float* w3 = w + (o + 3) * in;
      B a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
      for (size_t i = 0; i < in_vec; i += W) {
        const B xv = B::load_unaligned(xr + i);
        a0 += xv * B::load_unaligned(w0 + i);
        a1 += xv * B::load_unaligned(w1 + i);
        a2 += xv * B::load_unaligned(w2 + i);
        a3 += xv * B::load_unaligned(w3 + i);
      }
      float s0 = xsimd::hadd(a0), s1 = xsimd::hadd(a1), s2 = xsimd::hadd(a2), s3 = xsimd::hadd(a3);
      for (size_t i = in_vec; i < in; ++i) {
        s0 += xr[i] * w0[i];
        s1 += xr[i] * w1[i];
        s2 += xr[i] * w2[i];
        s3 += xr[i] * w3[i];
      }
      yr[o + 0] = s0;
      yr[o + 1] = s1;
      yr[o + 2] = s2;
      yr[o + 3] = s3;
    }
    for (; o < out; ++o) {
      const float* wo = w + o * in;
      B acc(0.0f);
      for (size_t i = 0; i < in_vec; i += W) {
        acc += B::load_unaligned(xr + i) * B::load_unaligned(wo + i);
      }
      float s = xsimd::hadd(acc);
      for (size_t i = in_vec; i < in; ++i) s += xr[i] * wo[i];
      yr[o] = s;
    }
  }
}

}  // namespace moe
