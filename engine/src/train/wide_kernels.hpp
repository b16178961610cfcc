// One width's copies of the training kernels, for the dispatchers in linalg_kernels.cpp: AVX2 + FMA
// (linalg_kernels_avx2.cpp) and AVX-512F (linalg_kernels_avx512.cpp), each compiled for its
// instruction set from wide_kernels.inc. Only with MOE_WIDE_SIMD (x86-64 natively).
#pragma once

#include <cstddef>

#include "moe/train/linalg_kernels.hpp"

namespace moe::train {

struct WideKernels {
  // c[r, j] = Σ_k A(r, k) · B(k, j), A(r, k) = a[r·ar + k·ak], B(k, j) = b[k·bk + j·bj]: one
  // fused multiply-add per term; or, for a row-major b [K, P], the baseline's mul + add (its bits
  // at this width).
  void (*matmul_rows_fma)(const float* a, size_t ar, size_t ak, const float* b, size_t bk,
                          size_t bj, float* c, size_t M, size_t K, size_t P);
  void (*matmul_rows_mul_add)(const float* a, size_t ar, size_t ak, const float* b, float* c,
                              size_t M, size_t K, size_t P);
  // On the fused products' architecture, for the fused mode only.
  void (*silu_gate_forward_fused)(const float* a, const float* u, float* sig, float* hid, size_t n);
  void (*exp_fused)(const float* x, float* y, size_t n);
  // The baseline's bits at this width.
  void (*silu_gate_backward)(const float* a, const float* u, const float* sig, const float* dhid,
                             float* da, float* du, size_t n);
  void (*adam_update)(const AdamStep& s, const float* g, float* m, float* v, float* w, size_t n);
};

extern const WideKernels kAvx2Kernels;
extern const WideKernels kAvx512Kernels;

}  // namespace moe::train
