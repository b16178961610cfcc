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
// Per k it loads 2 vectors of b and broadcasts one A(r, k) per row.
//
// b is read from a packed panel (matmul_rows.hpp's pack_panel): kKc rows × 2 vectors of its
// columns, 32 KB at AVX-512, in L1 for every row tile. The packing reads b through strides, so
// nt's bᵀ needs no transposed copy. A tile over a later block of k continues its chains from c,
// which holds the chain's exact float, so the blocks change no bit. Included by the wide kernel
// files only (wide_kernels.inc).
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

// c[r, 0..nr) = Σ_k A(r0 + r, k0 + k) · b[k, 0..nr) for r < MR, k < kc, continuing from c when
// `more` (nr <= 2 vectors; b holds 2 whole vectors per row, zeros past nr).
//   b [kc, 2W] (the packed panel), c [MR, nr] (row stride ldc)
template <class Arch, int MR>
void fma_tile(RowOperand A, size_t r0, size_t k0, const float* b, float* c, size_t ldc, size_t kc,
              size_t nr, bool more) {
  using B = Vec<Arch>;
  constexpr size_t W = B::size;
  alignas(64) float tmp[2 * W] = {};
  B c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) {
    if (!more) {
      c0[r] = c1[r] = B(0.0f);
    } else if (nr == 2 * W) {
      c0[r] = B::load_unaligned(c + r * ldc);
      c1[r] = B::load_unaligned(c + r * ldc + W);
    } else {
      for (size_t j = 0; j < nr; ++j) tmp[j] = c[r * ldc + j];
      c0[r] = B::load_aligned(tmp);
      c1[r] = B::load_aligned(tmp + W);
    }
  }
  for (size_t k = 0; k < kc; ++k) {
    const B b0 = B::load_aligned(b + k * 2 * W);
    const B b1 = B::load_aligned(b + k * 2 * W + W);
    for (int r = 0; r < MR; ++r) {
      const B x(A.at(r0 + r, k0 + k));
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
      c0[r].store_aligned(tmp);
      c1[r].store_aligned(tmp + W);
      for (size_t j = 0; j < nr; ++j) cr[j] = tmp[j];
    }
  }
}

// The last rows (fewer than a whole tile): the tile with MR = rows, 1 <= rows < MR.
template <class Arch, int MR>
void fma_tile_rest(size_t rows, RowOperand A, size_t r0, size_t k0, const float* b, float* c,
                   size_t ldc, size_t kc, size_t nr, bool more) {
  if constexpr (MR > 1) {
    if (rows == MR - 1) {
      fma_tile<Arch, MR - 1>(A, r0, k0, b, c, ldc, kc, nr, more);
    } else {
      fma_tile_rest<Arch, MR - 1>(rows, A, r0, k0, b, c, ldc, kc, nr, more);
    }
  }
}

// Rows of b per packed panel: 2 vectors of columns × kKc rows = 32 KB at AVX-512, in L1.
constexpr size_t kKc = 256;

// c[r, j] = Σ_k A(r, k) · B(k, j)   c [M,P], B [K,P] (B(k, j) = b[k·ar + j·ak] in RowOperand's
// strides); blocks of k outside, then column blocks, row tiles inside (one packed panel of b
// serves every row tile).
template <class Arch>
void matmul_rows_fma(RowOperand A, RowOperand B, float* c, size_t M, size_t K, size_t P) {
  constexpr size_t W = Vec<Arch>::size;
  constexpr size_t NR = 2 * W;  // columns per tile
  constexpr int MR = fma_tile_rows<Arch>();
  struct alignas(64) Line {
    float f[16];
  };
  thread_local std::vector<Line> panel_lines;  // [kKc, NR] floats, 64-byte aligned
  if (panel_lines.size() < kKc * NR / 16) panel_lines.resize(kKc * NR / 16);
  float* panel = panel_lines.data()->f;
  for (size_t k0 = 0; k0 == 0 || k0 < K; k0 += kKc) {  // K = 0 still writes c = 0
    const size_t kc = K - k0 < kKc ? K - k0 : kKc;
    const bool more = k0 > 0;
    for (size_t j0 = 0; j0 < P; j0 += NR) {
      const size_t nr = P - j0 < NR ? P - j0 : NR;
      pack_panel<Arch>(B, k0, j0, kc, nr, panel);
      size_t r = 0;
      for (; r + MR <= M; r += MR) {
        fma_tile<Arch, MR>(A, r, k0, panel, c + r * P + j0, P, kc, nr, more);
      }
      if (r < M) fma_tile_rest<Arch, MR>(M - r, A, r, k0, panel, c + r * P + j0, P, kc, nr, more);
    }
  }
}

}  // namespace
}  // namespace moe::train
