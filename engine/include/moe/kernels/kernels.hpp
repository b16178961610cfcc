// f32 kernels of the MoE layer. Each op has
//   <op>__scalar          a plain loop: the specification, and the fallback for any shape;
//   <op>__xsimd<Arch>     (kernels_simd.hpp) the SIMD variant with an explicit scalar tail;
//   <op>                  the dispatcher the engine calls (the SIMD variant for the build's arch).
// Names follow XNNPACK: datatype, op, variant. Unary ops and softmax may run in place (y == x).
// The matmul has a packed, register-tiled 4×8 variant (f32_pack_nt + f32_matmul_packed) for
// weights used many times (natively with pre-splatted rows, f32_matmul_packed__splat); f32_matmul
// packs panel by panel on the fly when rows >= 4. Deliberately left out: threads, FMA (absent in
// wasm here).
#pragma once

#include <cmath>
#include <cstddef>
#include <span>

namespace moe {

// ---- matmul: y[t,o] = Σ_i x[t,i] · w[o,i]   x [rows, in], w [out, in] (torch layout), y [rows,
// out]
void f32_matmul__scalar(const float* x, const float* w, float* y, size_t rows, size_t in,
                        size_t out);
void f32_matmul(const float* x, const float* w, float* y, size_t rows, size_t in, size_t out);

// ---- packed matmul: the same product with w packed once into panels of 8 outputs,
//   packed[p, i, j] = w[8p + j, i]   [ceil(out / 8), in, 8], zero past `out`
// f32_pack_nt_size gives the floats of `packed`; `packed` must be 16-byte aligned (std::vector
// and malloc memory is). y[t,o] = Σ_i x[t,i] · w[o,i]   x [rows, in], y [rows, out]
constexpr size_t kMatmulPanel = 8;
size_t f32_pack_nt_size(size_t in, size_t out);
void f32_pack_nt(const float* w, float* packed, size_t in, size_t out);
void f32_matmul_packed__scalar(const float* x, const float* packed, float* y, size_t rows,
                               size_t in, size_t out);
void f32_matmul_packed(const float* x, const float* packed, float* y, size_t rows, size_t in,
                       size_t out);
// Several packed products of the same x (attention's Q, K and V; an expert's w1 and w3): the rows
// of x are arranged once for all of them (f32_matmul_packed__splat / __rows). Each y gets exactly
// what f32_matmul_packed(x, packed, y, rows, in, out) gives.
struct PackedProduct {
  const float* packed;  // [ceil(out / 8), in, 8]
  float* y;             // [rows, out]
  size_t out;
};
void f32_matmul_packed_many(const float* x, size_t rows, size_t in,
                            std::span<const PackedProduct> products);
// The panels of a w stored the other way round, [in, out] with row stride ldw (e.g. attention's
// values [S, hd] in the cache): packed[p, i, j] = w[i·ldw + 8p + j], zero past `out`, so
// f32_matmul_packed(x, packed, ...) gives y[t,o] = Σ_i x[t,i] · w[i,o].
void f32_pack_nn(const float* w, size_t ldw, float* packed, size_t in, size_t out);
// The packed product over the first `in` inputs of panels packed for more: panel p starts at
// packed + p·ld (ld >= 8·in), so one packing [ceil(out/8), n, 8] (ld = 8n) serves every in <= n.
//   x [rows, in], y [rows, out]; the same sums in the same order as f32_matmul_packed
void f32_matmul_packed_ld__scalar(const float* x, const float* packed, size_t ld, float* y,
                                  size_t rows, size_t in, size_t out);
void f32_matmul_packed_ld(const float* x, const float* packed, size_t ld, float* y, size_t rows,
                          size_t in, size_t out);
// The same product with the rows of x splatted into whole vectors first (x[t,i] in every lane), so
// a 6×8 tile's inner loop only loads, multiplies and adds (the native dispatcher's choice for
// rows >= 6; see kernels.cpp).
void f32_matmul_packed__splat(const float* x, const float* packed, float* y, size_t rows, size_t in,
                              size_t out);
// The same code, so the same bits, compiled for AVX's three-operand encoding of the same 128-bit
// instructions; the dispatcher takes it when f32_cpu_has_vex() (x86 CPUs with AVX). Elsewhere it
// is f32_matmul_packed__splat and f32_cpu_has_vex() is false.
void f32_matmul_packed__splat_vex(const float* x, const float* packed, float* y, size_t rows,
                                  size_t in, size_t out);
bool f32_cpu_has_vex();
// The same product with each 4-row tile's rows side by side ([in, 4]) instead of splatted, so the
// tile reads them at fixed offsets from one pointer (the wasm dispatcher's choice for rows >= 4;
// the same bits as the plain 4×8 tile).
void f32_matmul_packed__rows(const float* x, const float* packed, float* y, size_t rows, size_t in,
                             size_t out);

// ---- row softmax: y[r,c] = exp(x[r,c] - m_r) / Σ_c' exp(x[r,c'] - m_r), m_r = max_c x[r,c]
// softmax_rows_reference is the scalar specification for any scalar type: f32_softmax_rows__scalar
// is its float instance, and the trainer's double gradient checks use it as their softmax.
template <class Real>
void softmax_rows_reference(const Real* x, Real* y, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    const Real* xr = x + r * cols;  // [cols]
    Real* yr = y + r * cols;        // [cols]
    Real m = xr[0];
    for (size_t c = 1; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
    Real sum = 0;
    for (size_t c = 0; c < cols; ++c) {
      yr[c] = std::exp(xr[c] - m);
      sum += yr[c];
    }
    for (size_t c = 0; c < cols; ++c) yr[c] /= sum;
  }
}
void f32_softmax_rows__scalar(const float* x, float* y, size_t rows, size_t cols);
void f32_softmax_rows(const float* x, float* y, size_t rows, size_t cols);

// ---- causal row softmax: row r is the softmax of its first visible0 + r columns and 0 past them
// (attention's probabilities for a block of query rows, each seeing one key more than the row
// above); each row gives f32_softmax_rows's bits over its visible columns.
//   x, y [rows, cols], 1 <= visible0, visible0 + rows - 1 <= cols
void f32_softmax_rows_causal__scalar(const float* x, float* y, size_t rows, size_t cols,
                                     size_t visible0);
void f32_softmax_rows_causal(const float* x, float* y, size_t rows, size_t cols, size_t visible0);

// ---- element-wise, n elements
// exp:   y = e^x                  (SIMD: ~2e-7 relative on [-87, 88])
// relu:  y = max(x, 0)
// gelu:  y = x/2 · (1 + erf(x/√2))  (exact erf form; SIMD erf ~1.5e-7 absolute)
// silu:  y = x / (1 + e^-x)
void f32_exp__scalar(const float* x, float* y, size_t n);
void f32_exp(const float* x, float* y, size_t n);
void f32_relu__scalar(const float* x, float* y, size_t n);
void f32_relu(const float* x, float* y, size_t n);
void f32_gelu__scalar(const float* x, float* y, size_t n);
void f32_gelu(const float* x, float* y, size_t n);
void f32_silu__scalar(const float* x, float* y, size_t n);
void f32_silu(const float* x, float* y, size_t n);

// ---- swiglu combine: y[i] = silu(gate[i]) · up[i]   (y may alias gate or up)
void f32_swiglu__scalar(const float* gate, const float* up, float* y, size_t n);
void f32_swiglu(const float* gate, const float* up, float* y, size_t n);

// ---- scaled accumulate: y[i] += a · x[i]
void f32_axpy__scalar(float a, const float* x, float* y, size_t n);
void f32_axpy(float a, const float* x, float* y, size_t n);

// ---- copy: y[i] = x[i] for n floats (no overlap). For copying rows one at a time: Emscripten's
// memcpy (and so std::copy) hands every copy of 512 bytes or more to JavaScript, a call out of
// wasm per row; this loop stays in wasm.
void f32_copy(const float* x, float* y, size_t n);
// Lanes of the dispatched SIMD variants (4 for SSE2/SSE4.1 and wasm128).
size_t f32_simd_width();

}  // namespace moe
