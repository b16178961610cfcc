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
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "moe/kernels/kernels_scalar.hpp"

namespace moe::simd {

template <class Arch>
using f32 = xsimd::batch<float, Arch>;
template <class Arch>
using i32 = xsimd::batch<int32_t, Arch>;

// max(lo, min(x, hi)) with NaN -> lo, like xsimd::min(xsimd::max(x, lo), hi). In wasm that pair
// is Emscripten's compare-and-bitselect per SSE min/max; wasm's own pmax/pmin give the same
// result (pmax(lo, x) = lo < x ? x : lo) in one instruction each.
template <class Arch>
inline f32<Arch> clamp(f32<Arch> x, f32<Arch> lo, f32<Arch> hi) {
#if defined(__wasm_simd128__)
  return f32<Arch>(static_cast<__m128>(
      wasm_f32x4_pmin(static_cast<v128_t>(static_cast<__m128>(hi)),
                      wasm_f32x4_pmax(static_cast<v128_t>(static_cast<__m128>(lo)),
                                      static_cast<v128_t>(static_cast<__m128>(x))))));
#else
  return xsimd::min(xsimd::max(x, lo), hi);
#endif
}

// e^x, relative error ~2e-7 on [-87.3, 88]; x > 88 gives e^88, x < -87.3 gives 0 (kZeroBelow) or,
// one select cheaper, e^-87.3 (~1e-38: for callers where that cannot show, such as 1 + e^-x).
template <class Arch, bool kZeroBelow = true>
inline f32<Arch> exp(f32<Arch> x) {
  using B = f32<Arch>;
  using I = i32<Arch>;
  const B lo(-87.33f), hi(88.0f);
  const B magic(12582912.0f);  // 1.5 · 2^23: adding it rounds to an integer in the low bits
  const B xc = clamp<Arch>(x, lo, hi);
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
  if constexpr (kZeroBelow) {
    return xsimd::select(x < lo, B(0.0f), p * scale);
  } else {
    return p * scale;
  }
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
  // For x > 87.3, 1 + e^-x is 1 whether e^-x is 0 or ~1e-38: the same bits without the select.
  return x / (B(1.0f) + exp<Arch, false>(B(0.0f) - x));
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
  // Four independent exps per pass share the loop's overhead: in V8 the LM's 128-token forward
  // ran ~3% faster than with one per pass (the same bits per element).
  constexpr size_t U = 4;
  for (; i + U * W <= n; i += U * W) {
    B g[U];
    for (size_t j = 0; j < U; ++j) g[j] = B::load_unaligned(gate + i + j * W);
    for (size_t j = 0; j < U; ++j) {
      (simd::silu<Arch>(g[j]) * B::load_unaligned(up + i + j * W)).store_unaligned(y + i + j * W);
    }
  }
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

namespace simd {

// y[c] = exp(x[c] - m) / Σ exp(x[c'] - m), m = max x, over one row of n floats (n >= 1).
template <class Arch>
inline void softmax_row(const float* xr, float* yr, size_t n) {
  using B = f32<Arch>;
  constexpr size_t W = B::size;
  // The row's max: lane-wise over whole batches, then across lanes and the tail (a max is
  // exact, so this is the reference's m whatever the order).
  size_t c = 0;
  float m = xr[0];
  if (n >= W) {
    B mb = B::load_unaligned(xr);
    for (c = W; c + W <= n; c += W) mb = xsimd::max(mb, B::load_unaligned(xr + c));
    alignas(64) float lanes[W];
    mb.store_aligned(lanes);
    m = lanes[0];
    for (size_t j = 1; j < W; ++j) m = lanes[j] > m ? lanes[j] : m;
  }
  for (; c < n; ++c) m = xr[c] > m ? xr[c] : m;
  const B mv(m);
  B acc(0.0f);
  c = 0;
  for (; c + W <= n; c += W) {
    const B e = exp<Arch>(B::load_unaligned(xr + c) - mv);
    e.store_unaligned(yr + c);
    acc += e;
  }
  float sum = xsimd::hadd(acc);
  for (; c < n; ++c) {
    yr[c] = std::exp(xr[c] - m);
    sum += yr[c];
  }
  const B inv(1.0f / sum);
  c = 0;
  for (; c + W <= n; c += W) (B::load_unaligned(yr + c) * inv).store_unaligned(yr + c);
  for (; c < n; ++c) yr[c] /= sum;
}

}  // namespace simd

template <class Arch>
void f32_softmax_rows__xsimd(const float* x, float* y, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) simd::softmax_row<Arch>(x + r * cols, y + r * cols, cols);
}

// Row r over its first visible0 + r columns, the rest 0 (kernels.hpp f32_softmax_rows_causal).
template <class Arch>
void f32_softmax_rows_causal__xsimd(const float* x, float* y, size_t rows, size_t cols,
                                    size_t visible0) {
  for (size_t r = 0; r < rows; ++r) {
    const size_t visible = visible0 + r;
    simd::softmax_row<Arch>(x + r * cols, y + r * cols, visible);
    for (size_t c = visible; c < cols; ++c) y[r * cols + c] = 0.0f;
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

// ---- register-tiled GEMM (XNNPACK gemm 4x8 style) ---------------------------------------------
// The weight w [out, in] is packed into panels of NR = 2·W outputs (8 on SSE/wasm128):
//   packed[p, i, j] = w[NR·p + j, i]   [ceil(out / NR), in, NR], zero past `out`
// so one step of i loads two vectors of the panel and broadcasts one x per row: an MR×NR tile of
// y stays in 2·MR accumulators (MR = 4: 8 accumulators + 2 panel vectors + 1 broadcast, within
// the 16 registers of SSE and V8's wasm; 6×8 or 4×12 spill). Every y[t,o] sums x[t,i]·w[o,i] in
// ascending i with one mul and one add per term, like the scalar reference (rows < 3 split i
// into even and odd halves to hide the add latency, then add the halves).
namespace simd {

template <class Arch>
constexpr size_t gemm_nr() {
  return 2 * f32<Arch>::size;
}

// Packs panel p of w [out, in] (outputs NR·p .. NR·p + NR) into panel [in, NR]. A full panel of
// 4-lane batches moves 4×4 blocks with an in-register transpose (zip of floats, then of float
// pairs), so packing costs a few percent of the tile's arithmetic even for ~16 rows.
template <class Arch>
inline void gemm_pack_panel(const float* w, float* panel, size_t in, size_t out, size_t p) {
  using B = f32<Arch>;
  using D = xsimd::batch<double, Arch>;
  constexpr size_t NR = gemm_nr<Arch>();
  const size_t o0 = p * NR;
  const size_t nr = out - o0 < NR ? out - o0 : NR;
  size_t i0 = 0;
  if constexpr (B::size == 4) {
    if (nr == NR) {
      for (; i0 + 4 <= in; i0 += 4) {
        for (size_t h = 0; h < 2; ++h) {  // outputs o0 + 4h .. o0 + 4h + 3
          const float* wr = w + (o0 + 4 * h) * in + i0;
          const B r0 = B::load_unaligned(wr), r1 = B::load_unaligned(wr + in);
          const B r2 = B::load_unaligned(wr + 2 * in), r3 = B::load_unaligned(wr + 3 * in);
          const D t0 = xsimd::bitwise_cast<D>(xsimd::zip_lo(r0, r1));  // r0[0] r1[0] r0[1] r1[1]
          const D t1 = xsimd::bitwise_cast<D>(xsimd::zip_lo(r2, r3));
          const D t2 = xsimd::bitwise_cast<D>(xsimd::zip_hi(r0, r1));  // r0[2] r1[2] r0[3] r1[3]
          const D t3 = xsimd::bitwise_cast<D>(xsimd::zip_hi(r2, r3));
          float* dst = panel + i0 * NR + 4 * h;
          xsimd::bitwise_cast<B>(xsimd::zip_lo(t0, t1)).store_unaligned(dst);  // column i0
          xsimd::bitwise_cast<B>(xsimd::zip_hi(t0, t1)).store_unaligned(dst + NR);
          xsimd::bitwise_cast<B>(xsimd::zip_lo(t2, t3)).store_unaligned(dst + 2 * NR);
          xsimd::bitwise_cast<B>(xsimd::zip_hi(t2, t3)).store_unaligned(dst + 3 * NR);
        }
      }
    }
  }
  for (size_t j = 0; j < nr; ++j) {
    const float* wo = w + (o0 + j) * in;
    for (size_t i = i0; i < in; ++i) panel[i * NR + j] = wo[i];
  }
  for (size_t j = nr; j < NR; ++j) {
    for (size_t i = i0; i < in; ++i) panel[i * NR + j] = 0.0f;
  }
}

// y[r, 0..nr) = Σ_i x[r, i] · panel[i, 0..nr) for r < MR.   x [MR, in] (row stride in),
// panel [in, NR], y [MR, nr] (row stride ldy)
template <class Arch, int MR>
inline void gemm_tile(const float* x, const float* panel, float* y, size_t in, size_t ldy,
                      size_t nr) {
  using B = f32<Arch>;
  constexpr size_t W = B::size;
  constexpr size_t NR = 2 * W;
  constexpr int KS = MR < 3 ? 2 : 1;  // accumulator sets along i
  B c0[KS][MR], c1[KS][MR];
  for (int s = 0; s < KS; ++s) {
    for (int r = 0; r < MR; ++r) c0[s][r] = c1[s][r] = B(0.0f);
  }
  size_t i = 0;
  if constexpr (KS == 2) {
    for (; i + 2 <= in; i += 2) {
      for (int s = 0; s < 2; ++s) {
        const B b0 = B::load_unaligned(panel + (i + s) * NR);
        const B b1 = B::load_unaligned(panel + (i + s) * NR + W);
        for (int r = 0; r < MR; ++r) {
          const B a(x[r * in + i + s]);
          c0[s][r] += a * b0;
          c1[s][r] += a * b1;
        }
      }
    }
  }
  for (; i < in; ++i) {
    const B b0 = B::load_unaligned(panel + i * NR);
    const B b1 = B::load_unaligned(panel + i * NR + W);
    for (int r = 0; r < MR; ++r) {
      const B a(x[r * in + i]);
      c0[0][r] += a * b0;
      c1[0][r] += a * b1;
    }
  }
  if constexpr (KS == 2) {
    for (int r = 0; r < MR; ++r) {
      c0[0][r] += c0[1][r];
      c1[0][r] += c1[1][r];
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* yr = y + r * ldy;
    if (nr == NR) {
      c0[0][r].store_unaligned(yr);
      c1[0][r].store_unaligned(yr + W);
    } else {
      alignas(64) float tmp[NR];
      c0[0][r].store_aligned(tmp);
      c1[0][r].store_aligned(tmp + W);
      for (size_t j = 0; j < nr; ++j) yr[j] = tmp[j];
    }
  }
}

// All rows of x against one packed panel: tiles of 4 rows, then a 1-3 row tile.
//   x [rows, in], panel [in, NR], y [rows, out] (columns o0 .. o0 + nr)
template <class Arch>
inline void gemm_panel(const float* x, const float* panel, float* y, size_t rows, size_t in,
                       size_t out, size_t o0, size_t nr) {
  size_t t = 0;
  for (; t + 4 <= rows; t += 4) {
    gemm_tile<Arch, 4>(x + t * in, panel, y + t * out + o0, in, out, nr);
  }
  switch (rows - t) {
    case 3:
      gemm_tile<Arch, 3>(x + t * in, panel, y + t * out + o0, in, out, nr);
      break;
    case 2:
      gemm_tile<Arch, 2>(x + t * in, panel, y + t * out + o0, in, out, nr);
      break;
    case 1:
      gemm_tile<Arch, 1>(x + t * in, panel, y + t * out + o0, in, out, nr);
      break;
    default:
      break;
  }
}

}  // namespace simd

// Floats of the packed form of a w [out, in].
template <class Arch>
size_t f32_pack_nt_size__xsimd(size_t in, size_t out) {
  constexpr size_t NR = simd::gemm_nr<Arch>();
  return (out + NR - 1) / NR * NR * in;
}

// packed = the panels of w [out, in] (layout above). `packed` must be 16-byte aligned.
template <class Arch>
void f32_pack_nt__xsimd(const float* w, float* packed, size_t in, size_t out) {
  constexpr size_t NR = simd::gemm_nr<Arch>();
  for (size_t p = 0; p * NR < out; ++p)
    simd::gemm_pack_panel<Arch>(w, packed + p * NR * in, in, out, p);
}

// y[t,o] = Σ_i x[t,i] · w[o,i] from the packed w (f32_pack_nt__xsimd).
//   x [rows, in], packed [ceil(out/NR), in, NR], y [rows, out]
template <class Arch>
void f32_matmul_packed__xsimd(const float* x, const float* packed, float* y, size_t rows, size_t in,
                              size_t out) {
  constexpr size_t NR = simd::gemm_nr<Arch>();
  for (size_t p = 0; p * NR < out; ++p) {
    const size_t o0 = p * NR;
    simd::gemm_panel<Arch>(x, packed + p * NR * in, y, rows, in, out, o0,
                           out - o0 < NR ? out - o0 : NR);
  }
}

// The same from the torch-layout w: each panel is packed into `panel` (>= in·NR floats, 16-byte
// aligned) just before all rows use it, so the copy costs 1/rows of the arithmetic.
template <class Arch>
void f32_matmul_tiled__xsimd(const float* x, const float* w, float* y, size_t rows, size_t in,
                             size_t out, float* panel) {
  constexpr size_t NR = simd::gemm_nr<Arch>();
  for (size_t p = 0; p * NR < out; ++p) {
    const size_t o0 = p * NR;
    simd::gemm_pack_panel<Arch>(w, panel, in, out, p);
    simd::gemm_panel<Arch>(x, panel, y, rows, in, out, o0, out - o0 < NR ? out - o0 : NR);
  }
}

}  // namespace moe
