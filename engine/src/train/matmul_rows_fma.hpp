// The training products' row kernel at the CPU's wide widths (AVX2 with FMA3, AVX-512F), with
// fused multiply-adds: c[r, j] = Σ_k A(r, k) · b[k, j] as the chain s ← fma(A(r, k), b[k, j], s)
// over ascending k from s = 0, one rounding per term. Lanes are output columns and each c[r, j]
// is that one chain whatever the tile, the vector width or the rows a thread was given, so AVX2
// and AVX-512 give the same bits, and so does every thread count. (The SSE2 and wasm build's
// kernel, matmul_rows.hpp, rounds twice per term: those results differ from these in the last
// bits; tests/engine/train/test_train_linalg.cpp bounds the difference.)
//
// A tile is kRows rows × 2 vectors of columns, its 2·kRows accumulators in registers: 6 × 16 with
// AVX2 (12 of its 16 registers, plus 2 of b and 1 broadcast), 8 × 32 with AVX-512 (16 of 32).
// Per k it loads 2 vectors of b and broadcasts one A(r, k) per row. The last P % (2 vectors)
// columns run the same tile on a zero-padded copy of those columns of b, so no column is
// computed in another order. Included by the wide kernel files only (wide_kernels.inc).
#pragma once

#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "matmul_rows.hpp"

namespace moe::train {
namespace {

template <class Arch>
using Vec = xsimd::batch<float, Arch>;

// x · y + z with one rounding. xsimd 8.1 has no AVX-512 fma (its generic one is a mul and an add).
template <class Arch>
inline Vec<Arch> fused_mul_add(Vec<Arch> x, Vec<Arch> y, Vec<Arch> z) {
#if defined(__AVX512F__)
  if constexpr (Vec<Arch>::size == 16) return Vec<Arch>(_mm512_fmadd_ps(x, y, z));
#endif
  return xsimd::fma(x, y, z);
}

template <class Arch>
constexpr int fma_tile_rows() {
  return Vec<Arch>::size >= 16 ? 8 : 6;
}

// c[r, 0..nr) = Σ_k A(r0 + r, k) · b[k, 0..nr) for r < MR (nr <= 2 vectors; b holds 2 whole
// vectors per row).   b [K, ≥ 2W] (row stride ldb), c [MR, nr] (row stride ldc)
template <class Arch, int MR>
void fma_tile(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K,
              size_t nr) {
  using B = Vec<Arch>;
  constexpr size_t W = B::size;
  B c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = B(0.0f);
  for (size_t k = 0; k < K; ++k) {
    const B b0 = B::load_unaligned(b + k * ldb);
    const B b1 = B::load_unaligned(b + k * ldb + W);
    for (int r = 0; r < MR; ++r) {
      const B x(A.at(r0 + r, k));
      c0[r] = fused_mul_add<Arch>(x, b0, c0[r]);
      c1[r] = fused_mul_add<Arch>(x, b1, c1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    if (nr == 2 * W) {
      c0[r].store_unaligned(cr);
      c1[r].store_unaligned(cr + W);
    } else {
      alignas(64) float tmp[2 * W];
      c0[r].store_aligned(tmp);
      c1[r].store_aligned(tmp + W);
      for (size_t j = 0; j < nr; ++j) cr[j] = tmp[j];
    }
  }
}

// The last rows (fewer than a whole tile): the tile with MR = rows, 1 <= rows < MR.
template <class Arch, int MR>
void fma_tile_rest(size_t rows, RowOperand A, size_t r0, const float* b, size_t ldb, float* c,
                   size_t ldc, size_t K, size_t nr) {
  if constexpr (MR > 1) {
    if (rows == MR - 1) {
      fma_tile<Arch, MR - 1>(A, r0, b, ldb, c, ldc, K, nr);
    } else {
      fma_tile_rest<Arch, MR - 1>(rows, A, r0, b, ldb, c, ldc, K, nr);
    }
  }
}

// c[r, j] = Σ_k A(r, k) · b[k, j]   c [M,P], b [K,P]; column blocks outside, row tiles inside
// (a block of b stays in cache for all rows).
template <class Arch>
void matmul_rows_fma(RowOperand A, const float* b, float* c, size_t M, size_t K, size_t P) {
  constexpr size_t NR = 2 * Vec<Arch>::size;  // columns per tile
  constexpr int MR = fma_tile_rows<Arch>();
  thread_local std::vector<float> padded;  // [K, NR] the last columns of b, zeros after them
  for (size_t j0 = 0; j0 < P; j0 += NR) {
    const size_t nr = P - j0 < NR ? P - j0 : NR;
    const float* bj = b + j0;
    size_t ldb = P;
    if (nr < NR) {
      padded.assign(K * NR, 0.0f);
      for (size_t k = 0; k < K; ++k) {
        for (size_t j = 0; j < nr; ++j) padded[k * NR + j] = b[k * P + j0 + j];
      }
      bj = padded.data();
      ldb = NR;
    }
    size_t r = 0;
    for (; r + MR <= M; r += MR) fma_tile<Arch, MR>(A, r, bj, ldb, c + r * P + j0, P, K, nr);
    if (r < M) fma_tile_rest<Arch, MR>(M - r, A, r, bj, ldb, c + r * P + j0, P, K, nr);
  }
}

}  // namespace
}  // namespace moe::train
