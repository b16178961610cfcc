// The register-tiled product of the training step's tn and nn kernels (linalg_kernels.cpp),
// templated on the xsimd architecture so that the SSE2 baseline, AVX2 and AVX-512 copies
// (linalg_kernels_avx2.cpp, linalg_kernels_avx512.cpp, each compiled for its instruction set) are
// one code. Every c[r, j] is summed by the same scalar sequence whatever the vector width: its
// k terms in ascending k, one mul then one add each (never FMA: those files are compiled with
// -ffp-contract=off), in even and odd halves for tiles of 1-2 rows. Lanes are output columns, so
// a wider vector only computes more columns at once: every width gives the same bits.
// Included by those three files only; the anonymous namespace keeps each file's copy its own.
#pragma once

#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>

namespace moe::train {
namespace {

// Strided view of the row operand: A(r, k) = a[r·ar + k·ak].
struct RowOperand {
  const float* a;
  size_t ar, ak;
  float at(size_t r, size_t k) const { return a[r * ar + k * ak]; }
};

// c[r, 0..NR) = Σ_k A(r0 + r, k) · b[k, 0..NR) for r < MR.   b [K, ≥NR] (row stride ldb),
// c [MR, NR] (row stride ldc)
template <class Arch, int MR>
void tile(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t W = B::size;
  constexpr int KS = MR < 3 ? 2 : 1;  // accumulator sets along k (even, odd)
  B c0[KS][MR], c1[KS][MR];
  for (int s = 0; s < KS; ++s) {
    for (int r = 0; r < MR; ++r) c0[s][r] = c1[s][r] = B(0.0f);
  }
  size_t k = 0;
  if constexpr (KS == 2) {
    for (; k + 2 <= K; k += 2) {
      for (int s = 0; s < 2; ++s) {
        const B b0 = B::load_unaligned(b + (k + s) * ldb);
        const B b1 = B::load_unaligned(b + (k + s) * ldb + W);
        for (int r = 0; r < MR; ++r) {
          const B x(A.at(r0 + r, k + s));
          c0[s][r] += x * b0;
          c1[s][r] += x * b1;
        }
      }
    }
  }
  for (; k < K; ++k) {
    const B b0 = B::load_unaligned(b + k * ldb);
    const B b1 = B::load_unaligned(b + k * ldb + W);
    for (int r = 0; r < MR; ++r) {
      const B x(A.at(r0 + r, k));
      c0[0][r] += x * b0;
      c1[0][r] += x * b1;
    }
  }
  for (int r = 0; r < MR; ++r) {
    if constexpr (KS == 2) {
      c0[0][r] += c0[1][r];
      c1[0][r] += c1[1][r];
    }
    c0[0][r].store_unaligned(c + r * ldc);
    c1[0][r].store_unaligned(c + r * ldc + W);
  }
}

// The last nr < NR columns in scalar, with tile<MR>'s order of additions.
template <class Arch, int MR>
void tile_tail(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K,
               size_t nr) {
  constexpr bool split = MR < 3;
  for (int r = 0; r < MR; ++r) {
    for (size_t j = 0; j < nr; ++j) {
      float even = 0.0f, odd = 0.0f;
      size_t k = 0;
      if (split) {
        for (; k + 2 <= K; k += 2) {
          even += A.at(r0 + r, k) * b[k * ldb + j];
          odd += A.at(r0 + r, k + 1) * b[(k + 1) * ldb + j];
        }
      }
      for (; k < K; ++k) even += A.at(r0 + r, k) * b[k * ldb + j];
      c[r * ldc + j] = split ? even + odd : even;
    }
  }
}

template <class Arch, int MR>
void tile_any(RowOperand A, size_t r0, const float* b, size_t ldb, float* c, size_t ldc, size_t K,
              size_t nr) {
  if (nr == 2 * xsimd::batch<float, Arch>::size) {
    tile<Arch, MR>(A, r0, b, ldb, c, ldc, K);
  } else {
    tile_tail<Arch, MR>(A, r0, b, ldb, c, ldc, K, nr);
  }
}

// panel[k, j] = B(k0 + k, j0 + j) for k < kc, j < nr, zeros for nr <= j < 2 vectors, with
// B(k, j) = b[k·ar + j·ak] in RowOperand's strides: one block of b's columns made contiguous for
// the row tiles of both row products (this file's and matmul_rows_fma.hpp's). Rows of b P floats
// apart share the L1's sets (and, 1,024 columns apart, its pages); the panel streams instead.
//   panel [kc, 2W]
template <class Arch>
void pack_panel(RowOperand B, size_t k0, size_t j0, size_t kc, size_t nr, float* panel) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t W = V::size, NR = 2 * W;
  if (B.ak == 1 && nr == NR) {  // rows of b contiguous: two vectors per row
    for (size_t k = 0; k < kc; ++k) {
      const float* src = B.a + (k0 + k) * B.ar + j0;
      V::load_unaligned(src).store_unaligned(panel + k * NR);
      V::load_unaligned(src + W).store_unaligned(panel + k * NR + W);
    }
    return;
  }
  if (B.ak == 1) {  // the last columns, zero-padded
    for (size_t k = 0; k < kc; ++k) {
      const float* src = B.a + (k0 + k) * B.ar + j0;
      float* dst = panel + k * NR;
      for (size_t j = 0; j < nr; ++j) dst[j] = src[j];
      for (size_t j = nr; j < NR; ++j) dst[j] = 0.0f;
    }
    return;
  }
  for (size_t j = 0; j < NR; ++j) {  // columns of b contiguous (bᵀ of a row-major weight)
    float* dst = panel + j;
    if (j >= nr) {
      for (size_t k = 0; k < kc; ++k) dst[k * NR] = 0.0f;
      continue;
    }
    const float* src = B.a + (j0 + j) * B.ak + k0 * B.ar;
    for (size_t k = 0; k < kc; ++k) dst[k * NR] = src[k * B.ar];
  }
}

// c[r, j] = Σ_k A(r, k) · b[k, j]   c [M,P], b [K,P]; column blocks outside, row tiles inside,
// each block of b packed into a panel [K, NR] first (pack_panel).
template <class Arch>
void matmul_rows(RowOperand A, const float* b, float* c, size_t M, size_t K, size_t P) {
  constexpr size_t NR = 2 * xsimd::batch<float, Arch>::size;  // columns per tile
  thread_local std::vector<float> panel;                      // [K, NR] one block of b's columns
  if (panel.size() < K * NR) panel.resize(K * NR);
  for (size_t j0 = 0; j0 < P; j0 += NR) {
    const size_t nr = P - j0 < NR ? P - j0 : NR;
    pack_panel<Arch>(RowOperand{b, P, 1}, 0, j0, K, nr, panel.data());
    const float* bj = panel.data();
    size_t r = 0;
    for (; r + 4 <= M; r += 4) tile_any<Arch, 4>(A, r, bj, NR, c + r * P + j0, P, K, nr);
    switch (M - r) {
      case 3:
        tile_any<Arch, 3>(A, r, bj, NR, c + r * P + j0, P, K, nr);
        break;
      case 2:
        tile_any<Arch, 2>(A, r, bj, NR, c + r * P + j0, P, K, nr);
        break;
      case 1:
        tile_any<Arch, 1>(A, r, bj, NR, c + r * P + j0, P, K, nr);
        break;
      default:
        break;
    }
  }
}

}  // namespace
}  // namespace moe::train
